"""The warm-start request: what the first LLM call of the ``prior`` and ``hybrid`` strategies asks.

The warm start is the optimizer's initial design: trials 1..``warm_start_trials`` get the
configurations the model believes best *before* any evidence. How a small model is asked
matters more there than anywhere else, so the request has its own design,
:class:`WarmStartPrompt`, chosen on the warm-start probe (``python -m benchmarks.probe``,
figures in docs/05):

- ``show_trials``: whether the prompt shows the trials so far (only trial 0, a random
  configuration, at that point). Shown, small models copy it.
- ``rationale``: a one-line rationale after each configuration's values. It costs about a
  third of the answer's tokens and comes after the values, so it cannot improve them.
- ``analysis``: a short analysis *before* the values ("reason free, constrain late": the values
  are written after the model has said what it knows).

Example:
    >>> WarmStartPrompt().show_trials
    False
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from optuna.distributions import BaseDistribution
from pydantic import BaseModel

from llm_guided_optuna.context import OptimizationContext
from llm_guided_optuna.prompt import render_messages
from llm_guided_optuna.prompt import render_warm_start_messages
from llm_guided_optuna.response_model import answer_token_budget
from llm_guided_optuna.response_model import build_response_model


#: Characters allowed for the analysis written before the values.
ANALYSIS_CHARS = 320


@dataclass(frozen=True)
class WarmStartPrompt:
    """How the warm-start call asks (see the module docstring)."""

    show_trials: bool = False
    rationale: bool = False
    analysis: bool = False


#: The design the probe chose (docs/05, "The warm-start prompt").
DEFAULT_WARM_START_PROMPT = WarmStartPrompt()
#: The design before the probe: the regular prompt, trial 0 shown, a rationale per configuration.
REGULAR_PROMPT = WarmStartPrompt(show_trials=True, rationale=True)


@dataclass(frozen=True)
class WarmStartRequest:
    """The messages, the answer's model and its token budget."""

    messages: list[dict[str, str]]
    response_model: type[BaseModel]
    max_tokens: int


def warm_start_request(
    context: OptimizationContext,
    to_propose: Mapping[str, BaseDistribution],
    n_configurations: int,
    design: WarmStartPrompt = DEFAULT_WARM_START_PROMPT,
) -> WarmStartRequest:
    """The warm-start request for ``to_propose`` under ``design``."""
    analysis_chars = ANALYSIS_CHARS if design.analysis else 0
    if design.show_trials:
        messages = render_messages(context, n_configurations=n_configurations)
    else:
        messages = render_warm_start_messages(
            context, n_configurations, rationale=design.rationale, analysis=design.analysis
        )
    response_model = build_response_model(
        to_propose, n_configurations, rationale=design.rationale, analysis_chars=analysis_chars
    )
    budget = answer_token_budget(
        len(to_propose), n_configurations, rationale=design.rationale, analysis_chars=analysis_chars
    )
    return WarmStartRequest(messages, response_model, budget)


def describe(design: WarmStartPrompt) -> dict[str, Any]:
    """The design as a plain dict (for benchmark records)."""
    return {"show_trials": design.show_trials, "rationale": design.rationale, "analysis": design.analysis}
