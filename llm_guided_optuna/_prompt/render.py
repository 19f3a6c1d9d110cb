"""Render an :class:`~llm_guided_optuna._prompt.context.OptimizationContext` into the chat messages
that ask for the next trials (the warm start's are in :mod:`llm_guided_optuna._prompt.warm_start`).

The prompt is compact (one line per trial, numbers to four significant digits) because small
local models have short contexts and every token costs time or money. Text that users put in
``study.user_attrs`` is quoted inside a JSON block that the system message declares to be
data: the model is told to use it as background and never to follow instructions in it.

Studies with several objectives get the Pareto front (a spread sample of it) and a
``## Trade-off so far`` section instead of best trials and a best value; studies whose trials
report constraints get a ``## Constraints`` section that puts the user's written constraints
beside the rule of feasibility, trial lines marked feasible or infeasible with the amount each
constraint was exceeded by, and feasibility counts under ``## Progress``. A single-objective
study without reported constraints gets exactly the prompt it got before these existed.

Example:
    >>> from llm_guided_optuna._prompt.context import OptimizationContext, ParameterSpec
    >>> context = OptimizationContext(
    ...     directions=["minimize"],
    ...     search_space=[ParameterSpec(name="x", kind="float", low=-1.0, high=1.0)],
    ... )
    >>> messages = render_messages(context)
    >>> [m["role"] for m in messages]
    ['system', 'user']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from optuna.distributions import BaseDistribution

from llm_guided_optuna._prompt.context import OptimizationContext
from llm_guided_optuna._prompt.sections import data_rule
from llm_guided_optuna._prompt.sections import describe_trial
from llm_guided_optuna._prompt.sections import EXPERT
from llm_guided_optuna._prompt.sections import format_value
from llm_guided_optuna._prompt.sections import objective_label
from llm_guided_optuna._prompt.sections import problem_sections
from llm_guided_optuna._prompt.sections import RELATED_USED_FORMAT
from llm_guided_optuna._prompt.sections import VALUE_RULES


_SYSTEM_PROMPT_TEMPLATE = (
    EXPERT
    + "{request} Answer with one JSON object only:\n{answer_format}\nRules:\n"
    + VALUE_RULES
    + "- Never repeat a configuration that was already evaluated or is running.\n"
    "- {data_rule}{extra_rules}"
)

_CONSTRAINED_RULE = (
    "\n- Trials report constraint values: a trial is feasible when every value is <= 0. "
    "Propose configurations you expect to be feasible."
)

_SINGLE_ANSWER = (
    '{"parameters": {<every parameter name>: <value>}, "rationale": "<one short sentence>"}'
)


def system_prompt(
    n_configurations: int = 1, constrained: bool = False, related: bool = False
) -> str:
    """The system message, asking for ``n_configurations`` configurations.

    ``constrained`` adds the rule of feasibility and declares the user's constraints data;
    ``related`` declares the earlier studies data and asks the answer to open with the ones it
    used (``related_used``); without it the message is exactly what it was before them.
    """
    rules = {
        "data_rule": data_rule(constrained, related),
        "extra_rules": _CONSTRAINED_RULE if constrained else "",
    }
    # With related studies, the answer opens with the ones it used (RELATED_USED_FORMAT).
    opening = "{" + RELATED_USED_FORMAT if related else "{"
    if n_configurations == 1:
        return _SYSTEM_PROMPT_TEMPLATE.format(
            request="Propose the next configuration to evaluate.",
            answer_format=opening + _SINGLE_ANSWER[1:],
            **rules,
        )
    return _SYSTEM_PROMPT_TEMPLATE.format(
        request=f"Propose the next {n_configurations} configurations to evaluate, clearly "
        "different from each other.",
        answer_format=opening
        + '"configurations": ['
        + _SINGLE_ANSWER
        + f", ... ({n_configurations} in all)]}}",
        **rules,
    )


SYSTEM_PROMPT = system_prompt(1)

_PHASE_ADVICE = {
    "starting": "Few results so far: propose a configuration that is known to work well for "
    "this kind of problem.",
    "improving": "Results are improving: refine around the best trials, changing one or two "
    "parameters.",
    "stagnating": "Progress has stalled: explore a clearly different region of the search space.",
}

_FRONT_ADVICE = {
    "starting": "Few results so far: propose configurations known to work well for this kind of "
    "problem, some favouring one objective and some the other.",
    "improving": "Aim at the gaps of the Pareto front: propose configurations between the two "
    "trials around its widest gap, or beyond its ends, changing one or two parameters of front "
    "trials.",
    "stagnating": "The Pareto front has stopped growing: explore clearly different trade-offs and "
    "regions of the search space.",
}

_INFEASIBLE_ADVICE = (
    "No complete trial is feasible yet: change the parameters that drive the violated constraints "
    "until every constraint is met."
)
_FEASIBLE_ADVICE = "Keep the proposals feasible."


def _trade_off_lines(context: OptimizationContext) -> list[str]:
    trade_off = context.trade_off
    if trade_off is None:
        return []
    spans = "; ".join(
        f"{objective_label(k, context.objective_names)} from {format_value(best)} (#{number}) "
        f"to {format_value(worst)}"
        for k, ((best, worst), number) in enumerate(zip(trade_off.ranges, trade_off.extremes))
    )
    lines = ["## Trade-off so far", f"Along the front: {spans}."]
    if len(trade_off.widest_gap) == 2:
        lines.append("Widest gap of the front, between:")
        lines += [describe_trial(t, list(context.directions)) for t in trade_off.widest_gap]
    return lines


def _progress_line(context: OptimizationContext) -> str:
    p = context.progress
    text = (
        f"{p.n_complete} complete, {p.n_pruned} pruned, {p.n_failed} failed, "
        f"{p.n_running} running."
    )
    if p.best_value is not None:
        best = "Best feasible value" if context.constraints is not None else "Best value"
        text += f" {best} {format_value(p.best_value)} at trial #{p.best_trial_number}"
        text += f", {p.trials_since_improvement} trials since it improved."
    if p.recent_improvement is not None:
        text += f" Improvement over the last trials: {format_value(p.recent_improvement)}."
    if p.front_size is not None:
        ago = p.trials_since_improvement
        text += (
            f" Pareto front: {p.front_size} trial{'s' if p.front_size != 1 else ''}; "
            f"the newest joined it {ago} trial{'s' if ago != 1 else ''} ago."
        )
    summary = context.constraints
    if summary is not None:
        total = summary.n_feasible + summary.n_infeasible
        text += f" Feasible: {summary.n_feasible} of {total} complete trials."
        if summary.violated:
            text += (
                " Violated: "
                + ", ".join(
                    f"{name} in {count} trial{'s' if count != 1 else ''}"
                    for name, count in summary.violated.items()
                )
                + "."
            )
    return text


def _best_title(context: OptimizationContext) -> str:
    if context.constraints is not None and context.constraints.n_feasible == 0:
        return "## Closest to feasible (no feasible trial yet)"
    if len(context.directions) == 1:
        return "## Best trials"
    front_size = context.progress.front_size or len(context.best_trials)
    if front_size > len(context.best_trials):
        shown = len(context.best_trials)
        return f"## Pareto front (best trade-offs; {shown} of {front_size}, spread along it)"
    return "## Pareto front (best trade-offs)"


def _task_line(context: OptimizationContext, extra_instruction: str | None) -> str:
    advice = _PHASE_ADVICE if len(context.directions) == 1 else _FRONT_ADVICE
    task = advice[context.progress.phase]
    if context.constraints is not None:
        task = (
            _INFEASIBLE_ADVICE
            if context.constraints.n_feasible == 0
            else task + " " + _FEASIBLE_ADVICE
        )
    if extra_instruction:
        task += " " + extra_instruction
    return task + " Reply with the JSON object only."


def render_messages(
    context: OptimizationContext,
    extra_instruction: str | None = None,
    n_configurations: int = 1,
) -> list[dict[str, str]]:
    """Chat messages (system + user) that ask for ``n_configurations`` configurations.

    Args:
        context: The study snapshot.
        extra_instruction: A sentence appended to the task (used by strategies that show the
            LLM a proposal of the classical sampler, for example).
        n_configurations: How many configurations to ask for.
    """
    directions = list(context.directions)
    constrained = context.constraints is not None
    sections = problem_sections(context)
    if context.best_trials:
        sections += [_best_title(context)] + [
            describe_trial(t, directions) for t in context.best_trials
        ]
    sections += _trade_off_lines(context)
    if context.recent_trials:
        sections += ["## Recent trials (oldest first)"] + [
            describe_trial(t, directions) for t in context.recent_trials
        ]
    if context.running_trials:
        sections += ["## Running now (do not propose these again)"] + [
            describe_trial(t, directions) for t in context.running_trials
        ]
    sections += ["## Progress", _progress_line(context)]
    sections += ["## Task", _task_line(context, extra_instruction)]
    return [
        {
            "role": "system",
            "content": system_prompt(n_configurations, constrained, bool(context.related)),
        },
        {"role": "user", "content": "\n".join(sections)},
    ]


def messages_size(messages: list[Mapping[str, str]]) -> int:
    """Total characters of the messages' contents."""
    return sum(len(m.get("content") or "") for m in messages)


def advice_instruction(
    advice: Mapping[str, Any] | None, to_propose: Mapping[str, BaseDistribution]
) -> str | None:
    """The sentence that shows the LLM the classical optimizer's proposal, if there is one."""
    shown = {name: value for name, value in (advice or {}).items() if name in to_propose}
    if not shown:
        return None
    return (
        "The Bayesian optimizer proposes "
        + ", ".join(f"{name}={format_value(value)}" for name, value in shown.items())
        + ". Use it, or change it where your knowledge of these hyperparameters says better."
    )
