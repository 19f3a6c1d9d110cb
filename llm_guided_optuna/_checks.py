"""Checks of the sampler's numeric arguments: a clear ``ValueError`` naming the argument and
its allowed range, before anything starts.

Example:
    >>> check_range("temperature", -1, 0.0, 2.0)
    Traceback (most recent call last):
    ...
    ValueError: temperature must be in [0.0, 2.0], got -1
"""

from __future__ import annotations

import math
from typing import Any


def _describe_range(low: float | None, high: float | None, low_open: bool) -> str:
    if high is None:
        return f"{'>' if low_open else '>='} {low}"
    return f"in {'(' if low_open else '['}{low}, {high}]"


def check_range(
    name: str,
    value: Any,
    low: float | None,
    high: float | None = None,
    *,
    low_open: bool = False,
    integer: bool = False,
    optional: bool = False,
) -> None:
    """Raise ``ValueError`` unless ``value`` is a number in the range (``None`` if ``optional``).

    Args:
        name: The argument's name, as the user wrote it.
        value: What the user passed.
        low: The smallest allowed value (``None``: no lower bound).
        high: The largest allowed value (``None``: no upper bound).
        low_open: ``low`` itself is not allowed.
        integer: The value must be an integer.
        optional: ``None`` is allowed.
    """
    if value is None and optional:
        return
    kind = "an integer" if integer else "a number"
    allowed = _describe_range(low, high, low_open) if low is not None else f"<= {high}"
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (integer and not isinstance(value, int))
    ):
        raise ValueError(f"{name} must be {kind} {allowed}, got {value!r}")
    if (
        math.isnan(value)
        or (low is not None and (value < low or (low_open and value == low)))
        or (high is not None and value > high)
    ):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")


def check_sampler_arguments(arguments: dict[str, Any]) -> None:
    """Check every numeric argument of :class:`~llm_guided_optuna.LLMGuidedSampler`."""
    check_range("temperature", arguments["temperature"], 0.0, 2.0)
    check_range("timeout", arguments["timeout"], 0.0, low_open=True, optional=True)
    check_range("max_retries", arguments["max_retries"], 0, integer=True)
    check_range("max_context_trials", arguments["max_context_trials"], 0, integer=True)
    check_range("seed", arguments["seed"], 0, integer=True, optional=True)
    check_range("retry_backoff", arguments["retry_backoff"], 0.0)
    check_range(
        "proposals_per_call", arguments["proposals_per_call"], 1, 16, integer=True, optional=True
    )
    check_range("max_proposal_age", arguments["max_proposal_age"], 0, integer=True, optional=True)
    check_range("warm_start_trials", arguments["warm_start_trials"], 0, 16, integer=True)
    check_range("llm_share", arguments["llm_share"], 0.0, 1.0, optional=True)
    check_range("prior_strength", arguments["prior_strength"], 0.0, optional=True)
    check_range("max_llm_trials", arguments["max_llm_trials"], 0, integer=True, optional=True)
    check_range("max_llm_calls", arguments["max_llm_calls"], 0, integer=True, optional=True)
    check_range("max_cost_usd", arguments["max_cost_usd"], 0.0, optional=True)
