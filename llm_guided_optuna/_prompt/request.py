"""The warm-start request: what the first LLM call of the ``prior`` and ``hybrid`` strategies asks.

The warm start fills trials 1..``warm_start_trials`` of the optimizer's initial design with the
configurations the model believes best before the optimizer has evidence of its own (the rest
of the initial design, up to 5 trials, is random). How a small model is asked matters most
there, so the request has its own design, :class:`WarmStartPrompt`, chosen on the warm-start
probe (``python -m benchmarks.probe``; docs/05, section 10):

- ``show_trials``: whether the prompt shows the trials so far (trial 0, a random configuration).
- ``rationale``: a one-line rationale after each configuration's values. It comes after the
  values, so it cannot improve them; on the probe, asking for it without trials shown made the
  first configuration worse.
- ``analysis``: a short analysis *before* the values ("reason free, constrain late": the values
  are written after the model has said what it knows).
- ``guesses``: self-consistency. With ``guesses=k > 1`` the call asks for ``k`` independent
  guesses of the best configuration, and the warm-start trial takes their consensus
  (:mod:`~llm_guided_optuna._proposal.consensus`); only with ``warm_start_trials=1``.

With Qwen2.5-Coder-1.5B the probe found one configuration (``warm_start_trials=1``) with an
analysis first and no trials shown as good as any design tried, and the cheapest of the good
ones: its configuration beats the random trial it replaces, and the random points after it
explore better than the model's second to fourth guesses did.

Example:
    >>> DEFAULT_WARM_START_PROMPT.analysis, DEFAULT_WARM_START_PROMPT.show_trials
    (True, False)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from optuna.distributions import BaseDistribution
from pydantic import BaseModel

from llm_guided_optuna._prompt.context import OptimizationContext
from llm_guided_optuna._prompt.render import render_messages
from llm_guided_optuna._prompt.response import answer_token_budget
from llm_guided_optuna._prompt.response import build_response_model
from llm_guided_optuna._prompt.response import RELATED_USED_CHARS
from llm_guided_optuna._prompt.warm_start import render_warm_start_messages


#: Characters allowed for the analysis written before the values.
ANALYSIS_CHARS = 320


@dataclass(frozen=True)
class WarmStartPrompt:
    """How the warm-start call asks (see the module docstring).

    Example:
        >>> WarmStartPrompt(analysis=True, guesses=5).guesses
        5
    """

    show_trials: bool = False
    rationale: bool = False
    analysis: bool = False
    guesses: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.guesses, int) or self.guesses < 1:
            raise ValueError(f"guesses must be an integer >= 1, got {self.guesses!r}")


#: The design the probe chose (docs/05, section 10): no trials shown, a short analysis before the
#: values, no rationale after them; with the default ``warm_start_trials=1``, one configuration.
DEFAULT_WARM_START_PROMPT = WarmStartPrompt(show_trials=False, rationale=False, analysis=True)
#: The design before the probe: the regular prompt, trial 0 shown, a rationale per configuration.
REGULAR_PROMPT = WarmStartPrompt(show_trials=True, rationale=True)


@dataclass(frozen=True)
class LLMRequest:
    """One LLM call's messages, the model its answer must fit and the answer's token budget."""

    messages: list[dict[str, str]]
    response_model: type[BaseModel]
    max_tokens: int


def warm_start_request(
    context: OptimizationContext,
    to_propose: Mapping[str, BaseDistribution],
    n_configurations: int,
    design: WarmStartPrompt = DEFAULT_WARM_START_PROMPT,
) -> LLMRequest:
    """The warm-start request for ``to_propose`` under ``design``: ``n_configurations``
    configurations, or with ``design.guesses > 1`` (and one configuration) that many guesses of
    the one configuration."""
    analysis_chars = ANALYSIS_CHARS if design.analysis else 0
    related_used_chars = RELATED_USED_CHARS if context.related else 0
    guesses = design.guesses > 1
    if guesses:
        if n_configurations != 1:
            raise ValueError("guesses > 1 asks for one configuration: use warm_start_trials=1")
        n_configurations = design.guesses
    if design == REGULAR_PROMPT:
        messages = render_messages(context, n_configurations=n_configurations)
    else:
        messages = render_warm_start_messages(
            context,
            n_configurations,
            rationale=design.rationale,
            analysis=design.analysis,
            show_trials=design.show_trials,
            guesses=guesses,
        )
    response_model = build_response_model(
        to_propose,
        n_configurations,
        rationale=design.rationale,
        analysis_chars=analysis_chars,
        related_used_chars=related_used_chars,
    )
    budget = answer_token_budget(
        len(to_propose),
        n_configurations,
        rationale=design.rationale,
        analysis_chars=analysis_chars,
        related_used_chars=related_used_chars,
    )
    return LLMRequest(messages, response_model, budget)


def describe(design: WarmStartPrompt) -> dict[str, Any]:
    """The design as a plain dict (for benchmark records)."""
    return {
        "show_trials": design.show_trials,
        "rationale": design.rationale,
        "analysis": design.analysis,
        **({"guesses": design.guesses} if design.guesses > 1 else {}),
    }
