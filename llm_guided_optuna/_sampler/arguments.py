"""Checks of the sampler's arguments: a clear one-line error naming the argument, before
anything starts: ``ValueError`` for a value out of its range, ``TypeError`` for a value of the
wrong type (``LLMGuidedSampler(123)``, ``optimizer="tpe"``, ``api_key=123``, ...).

Example:
    >>> check_range("temperature", -1, 0.0, 2.0)
    Traceback (most recent call last):
    ...
    ValueError: temperature must be in [0.0, 2.0], got -1
"""

from __future__ import annotations

from collections.abc import Mapping
import math
import os
from typing import Any

from optuna.samplers import BaseSampler


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


def check_argument_types(arguments: dict[str, Any]) -> None:
    """Raise ``TypeError`` (or ``ValueError``) for an argument of
    :class:`~llm_guided_optuna.LLMGuidedSampler` that no sampler can use."""
    model = arguments["model"]
    if model is not None and not isinstance(model, str):
        raise TypeError(f"model must be a model string or None, got {_shown(model)}")
    if isinstance(model, str) and not model.strip():
        raise ValueError("model must not be empty: give a model string, or None for the default")
    for name in ("optimizer", "fallback_sampler"):
        sampler = arguments.get(name)
        if sampler is not None and not isinstance(sampler, BaseSampler):
            raise TypeError(
                f"{name} must be an Optuna sampler (e.g. optuna.samplers.TPESampler()), "
                f"got {_shown(sampler)}"
            )
    for name in ("api_base", "api_key"):
        value = arguments[name]
        if value is not None and not isinstance(value, str):
            kind = "a URL" if name == "api_base" else "a string"
            # The value of a key is never shown, not even a wrong one.
            shown = _shown(value) if name == "api_base" else type(value).__name__
            raise TypeError(f"{name} must be {kind} or None, got {shown}")
        if isinstance(value, str) and not value.strip():
            raise ValueError(f"{name} must not be empty (give None instead)")
    api_base = arguments["api_base"]
    if isinstance(api_base, str) and "://" not in api_base:
        raise ValueError(f"api_base must be a URL such as http://host:8000/v1, got {api_base!r}")
    kwargs = arguments["completion_kwargs"]
    if kwargs is not None and not (
        isinstance(kwargs, Mapping) and all(isinstance(k, str) for k in kwargs)
    ):
        raise TypeError(
            f"completion_kwargs must be a mapping of names to values, got {_shown(kwargs)}"
        )
    cache_dir = arguments["cache_dir"]
    if cache_dir is not None:
        if not isinstance(cache_dir, (str, os.PathLike)):
            raise TypeError(f"cache_dir must be a directory path or None, got {_shown(cache_dir)}")
        if os.path.exists(cache_dir) and not os.path.isdir(cache_dir):
            raise ValueError(
                f"cache_dir must be a directory, got the file {os.fspath(cache_dir)!r}"
            )
    for name in ("timeout", "retry_backoff"):
        value = arguments[name]
        if isinstance(value, float) and math.isinf(value):
            raise ValueError(f"{name} must be finite, got {value!r}")


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, (int, float, str, type(None))) else ""
    return text[:60] if text else f"a {type(value).__name__}"


def check_sampler_arguments(arguments: dict[str, Any]) -> None:
    """Check the type of every argument of :class:`~llm_guided_optuna.LLMGuidedSampler`, and the
    range of every numeric one."""
    check_argument_types(arguments)
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
