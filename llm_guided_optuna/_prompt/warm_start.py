"""The warm start's chat messages: the configurations the model believes best before the study
has evidence of its own.

The prompt shows the problem and the search space (and, if asked, the few random trials
evaluated so far) and asks for one configuration, several different ones, or several
independent guesses of the best one (self-consistency); the choices were made on the
warm-start probe (docs/05).

Example:
    >>> from llm_guided_optuna._prompt.context import OptimizationContext, ParameterSpec
    >>> context = OptimizationContext(
    ...     directions=["minimize"],
    ...     search_space=[ParameterSpec(name="x", kind="float", low=-1.0, high=1.0)],
    ... )
    >>> messages = render_warm_start_messages(context, 3)
    >>> [m["role"] for m in messages]
    ['system', 'user']
"""

from __future__ import annotations

from llm_guided_optuna._prompt.context import OptimizationContext
from llm_guided_optuna._prompt.sections import data_rule
from llm_guided_optuna._prompt.sections import describe_trial
from llm_guided_optuna._prompt.sections import EXPERT
from llm_guided_optuna._prompt.sections import problem_sections
from llm_guided_optuna._prompt.sections import RELATED_USED_FORMAT
from llm_guided_optuna._prompt.sections import VALUE_RULES


_WARM_START_SYSTEM_TEMPLATE = (
    EXPERT
    + "{situation} {request} Answer with one JSON object only:\n{answer_format}\nRules:\n"
    + VALUE_RULES
    + "- {data_rule}"
)

_ANALYSIS_FORMAT = (
    '"analysis": "<what is known to work for this model and data, in two sentences>", '
)


_WARM_START_TASK = (
    "Use what is known about these hyperparameters for this kind of model and data. "
    "Reply with the JSON object only."
)
#: With domain knowledge, the task says that it decides the parameters it speaks about: a small
#: model otherwise treats it as one opinion among its own.
_WARM_START_TASK_WITH_KNOWLEDGE = (
    "Where the user's domain_knowledge speaks about a parameter, choose a value that agrees "
    'with it (a "high" or "low" value lies near that end of the parameter\'s range). For the '
    "other parameters, use what is known about these hyperparameters for this kind of model and "
    "data. Reply with the JSON object only."
)


def render_warm_start_messages(
    context: OptimizationContext,
    n_configurations: int,
    *,
    rationale: bool = False,
    analysis: bool = False,
    show_trials: bool = False,
    guesses: bool = False,
) -> list[dict[str, str]]:
    """Chat messages for the warm start: the problem, the search space and, if asked, the few
    trials evaluated so far (the random trial 0).

    The warm start asks for the configurations the model believes best before the optimizer
    has evidence of its own; the choices below were made on the warm-start probe (docs/05).

    Args:
        context: The study snapshot (its goal, problem, search space and recent trials).
        n_configurations: How many configurations to ask for.
        rationale: Ask for a one-line rationale after each configuration's values.
        analysis: Ask for a short analysis *before* the values (free reasoning first).
        show_trials: Show the trials evaluated so far, with their values.
        guesses: The ``n_configurations`` are independent guesses of the one best
            configuration (self-consistency), not different configurations.
    """
    fields = '"parameters": {<every parameter name>: <value>}' + (
        ', "rationale": "<one short sentence>"' if rationale else ""
    )
    if n_configurations == 1:
        request = "Propose the configuration you expect to score best on this problem."
    elif guesses:
        request = (
            f"Give {n_configurations} independent guesses of the configuration you expect to "
            "score best on this problem; where you are unsure of a value, let the guesses differ."
        )
    else:
        request = (
            f"Propose the {n_configurations} configurations you expect to score best on this "
            "problem, the most promising first, each different from the others."
        )
    # With related studies, the answer opens with the ones it used (and how).
    opening = "{" + (RELATED_USED_FORMAT if context.related else "")
    if n_configurations == 1:
        answer_format = opening + (_ANALYSIS_FORMAT if analysis else "") + fields + "}"
    else:
        answer_format = (
            opening
            + (_ANALYSIS_FORMAT if analysis else "")
            + '"configurations": [{'
            + fields
            + (f"}}, ... ({n_configurations} in all)]}}")
        )
    shown = [t for t in context.recent_trials if t.state == "complete"] if show_trials else []
    situation = (
        "Only the trials below have been evaluated (at random): do not repeat them."
        if shown
        else "No configuration has been evaluated yet."
    )
    system = _WARM_START_SYSTEM_TEMPLATE.format(
        situation=situation,
        request=request,
        answer_format=answer_format,
        data_rule=data_rule(context.constraints is not None, bool(context.related)),
    )
    sections = problem_sections(context)
    if shown:
        sections += ["## Evaluated so far"] + [
            describe_trial(t, list(context.directions)) for t in shown
        ]
    sections += [
        "## Task",
        _WARM_START_TASK_WITH_KNOWLEDGE if context.problem.domain_knowledge else _WARM_START_TASK,
    ]
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": "\n".join(sections)},
    ]
