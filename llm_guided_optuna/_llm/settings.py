"""How the sampler talks to its LLM, as one typed, checked value: :class:`LLMSettings`.

A copy or pickle of the settings holds no key: ``api_key`` is read again, when the copy is made,
from the environment variable that held the same value (if one did), and is ``None``
otherwise; then LiteLLM reads the provider's usual variable (see
:mod:`~llm_guided_optuna._llm.caller` for a server at ``api_base``).

The sampler's connection arguments (``api_base``, ``api_key``, ``temperature``, ``timeout``,
``max_retries``, ``retry_backoff``, ``structured_output``, ``completion_kwargs``) become an
:class:`LLMSettings` when the sampler is built, so a bad value fails there, with a message
naming it, and not at the first trial. The client is made from it on first use. Its ``repr``
shows neither the key nor the password of an ``api_base`` URL.

Example:
    >>> LLMSettings(timeout=30).timeout
    30.0
    >>> LLMSettings(structured_output="xml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: structured_output must be 'auto' or one of (...), got 'xml'
"""

from __future__ import annotations

from collections.abc import Mapping
import dataclasses
from dataclasses import dataclass
from dataclasses import field
import math
import os
from typing import Any

from llm_guided_optuna._llm.errors import mask_url


#: The ways of asking for structured output, most to least constrained.
#: ``llguidance`` sends the schema as a llama.cpp grammar that also fixes the JSON layout
#: (no indentation): half the tokens of ``json_schema`` for small local models.
STRUCTURED_OUTPUT_MODES = ("llguidance", "json_schema", "json_object", "prompt")


def check_client_settings(structured_output: str, timeout: float | None, max_retries: int) -> None:
    """Raise ``ValueError`` for a setting no client can use."""
    if structured_output != "auto" and structured_output not in STRUCTURED_OUTPUT_MODES:
        raise ValueError(
            f"structured_output must be 'auto' or one of {STRUCTURED_OUTPUT_MODES}, "
            f"got {structured_output!r}"
        )
    if timeout is not None and not (
        isinstance(timeout, (int, float)) and not isinstance(timeout, bool)
    ):
        raise TypeError(f"timeout must be a number of seconds or None, got {timeout!r}")
    if timeout is not None and not (0 < timeout < math.inf):
        raise ValueError(f"timeout must be positive and finite, got {timeout!r}")
    if isinstance(max_retries, bool) or not isinstance(max_retries, int):
        raise TypeError(f"max_retries must be an integer, got {max_retries!r}")
    if max_retries < 0:
        raise ValueError("max_retries must be >= 0")


@dataclass(frozen=True, kw_only=True)
class LLMSettings:
    """The LLM connection of a sampler (see :class:`~llm_guided_optuna.LLMGuidedSampler`'s
    arguments of the same names). ``api_key`` is never shown in ``repr``."""

    api_base: str | None = None
    api_key: str | None = field(default=None, repr=False)
    temperature: float = 0.3
    timeout: float | None = None
    max_retries: int = 3
    retry_backoff: float = 1.0
    structured_output: str = "auto"
    completion_kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_client_settings(self.structured_output, self.timeout, self.max_retries)
        if self.timeout is not None:
            object.__setattr__(self, "timeout", float(self.timeout))
        object.__setattr__(self, "completion_kwargs", dict(self.completion_kwargs))

    def __repr__(self) -> str:
        """The settings without the key, and ``api_base`` without the password of its URL."""
        shown = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.repr}
        if self.api_base is not None:
            shown["api_base"] = mask_url(self.api_base)
        return f"LLMSettings({', '.join(f'{k}={v!r}' for k, v in shown.items())})"

    def __getstate__(self) -> dict[str, Any]:
        """Everything but the key, and the name of the environment variable that holds it."""
        state = self.__dict__.copy()
        key = state.pop("api_key")
        state["completion_kwargs"] = {
            k: v for k, v in self.completion_kwargs.items() if k != "api_key"
        }
        state["api_key_variable"] = next(
            (name for name, value in os.environ.items() if key and value == key), None
        )
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        variable = state.pop("api_key_variable", None)
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "api_key", os.environ.get(variable) if variable else None)

    def replace(self, **changes: Any) -> LLMSettings:
        """A copy with ``changes``."""
        return dataclasses.replace(self, **changes)

    def client_arguments(self) -> dict[str, Any]:
        """The keyword arguments of :class:`~llm_guided_optuna._llm.client.LLMClient`."""
        arguments = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        arguments["completion_kwargs"] = dict(self.completion_kwargs)
        return arguments
