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
from collections.abc import Sequence
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


def check_model(model: Any) -> None:
    """Raise ``TypeError`` or ``ValueError`` for a ``model`` that names no model."""
    if model is not None and not isinstance(model, str):
        raise TypeError(f"model must be a model string or None, got {_shown(model)}")
    if isinstance(model, str) and not model.strip():
        raise ValueError("model must not be empty: give a model string, or None for the default")


def check_sampler(name: str, sampler: Any) -> None:
    """Raise ``TypeError`` unless ``sampler`` is an Optuna sampler or ``None``."""
    if sampler is not None and not isinstance(sampler, BaseSampler):
        raise TypeError(
            f"{name} must be an Optuna sampler (e.g. optuna.samplers.TPESampler()), "
            f"got {_shown(sampler)}"
        )


def check_cache_dir(cache_dir: Any) -> None:
    """Raise ``TypeError`` or ``ValueError`` for a ``cache_dir`` that cannot be a directory."""
    if cache_dir is None:
        return
    if not isinstance(cache_dir, (str, os.PathLike)):
        raise TypeError(f"cache_dir must be a directory path or None, got {_shown(cache_dir)}")
    if os.path.exists(cache_dir) and not os.path.isdir(cache_dir):
        raise ValueError(f"cache_dir must be a directory, got the file {os.fspath(cache_dir)!r}")


def check_connection(api_base: Any, api_key: Any, completion_kwargs: Any) -> None:
    """Raise ``TypeError`` or ``ValueError`` for a server, key or completion arguments that no
    client can use (a key's value is never shown, not even a wrong one)."""
    for name, value in (("api_base", api_base), ("api_key", api_key)):
        if value is not None and not isinstance(value, str):
            kind = "a URL" if name == "api_base" else "a string"
            shown = _shown(value) if name == "api_base" else type(value).__name__
            raise TypeError(f"{name} must be {kind} or None, got {shown}")
        if isinstance(value, str) and not value.strip():
            raise ValueError(f"{name} must not be empty (give None instead)")
    if isinstance(api_base, str) and "://" not in api_base:
        raise ValueError(f"api_base must be a URL such as http://host:8000/v1, got {api_base!r}")
    if completion_kwargs is not None and not (
        isinstance(completion_kwargs, Mapping)
        and all(isinstance(k, str) for k in completion_kwargs)
    ):
        shown = _shown(completion_kwargs)
        raise TypeError(f"completion_kwargs must be a mapping of names to values, got {shown}")


def check_related_studies(related_studies: Any) -> None:
    """Raise ``TypeError`` unless ``related_studies`` is ``None``, ``"auto"`` or a sequence of
    study names."""
    if related_studies is None or related_studies == "auto":
        return
    if isinstance(related_studies, str) or not isinstance(related_studies, Sequence):
        raise TypeError(
            "related_studies must be None, 'auto' or a list of study names, got "
            f"{_shown(related_studies)}"
        )
    if not all(isinstance(name, str) and name for name in related_studies):
        raise TypeError("related_studies must hold study names (non-empty strings)")


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, (int, float, str, type(None))) else ""
    return text[:60] if text else f"a {type(value).__name__}"
