"""How the sampler talks to its LLM, as one typed, checked value: :class:`LLMSettings`.

``LLMGuidedSampler(model, llm=LLMSettings(api_base=..., timeout=...))``: every setting of the
connection (``api_base``, ``api_key``, ``temperature``, ``timeout``, ``max_retries``,
``retry_backoff``, ``structured_output``, ``completion_kwargs``) is checked here, once, when the
value is made, with a message naming it, and not at the first trial. The client is made from it
on first use. Its ``repr`` shows neither the key nor the password of an ``api_base`` URL.

A copy or pickle of the settings holds no key: ``api_key`` is read again, when the copy is made,
from the environment variable that held the same value (if one did), and is ``None``
otherwise; then LiteLLM reads the provider's usual variable (see
:mod:`~llm_guided_optuna._llm.caller` for a server at ``api_base``).

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

from llm_guided_optuna._checks import check_connection
from llm_guided_optuna._checks import check_range
from llm_guided_optuna._llm.errors import mask_url


#: The ways of asking for structured output, most to least constrained.
#: ``llguidance`` sends the schema as a llama.cpp grammar that also fixes the JSON layout
#: (no indentation): half the tokens of ``json_schema`` for small local models.
STRUCTURED_OUTPUT_MODES = ("llguidance", "json_schema", "json_object", "prompt")


def check_client_settings(structured_output: str, timeout: float | None, max_retries: int) -> None:
    """Raise ``ValueError`` for a setting no client can use, naming it."""
    if structured_output != "auto" and structured_output not in STRUCTURED_OUTPUT_MODES:
        raise ValueError(
            f"structured_output must be 'auto' or one of {STRUCTURED_OUTPUT_MODES}, "
            f"got {structured_output!r}"
        )
    check_range("timeout", timeout, 0.0, low_open=True, optional=True)
    if timeout is not None and math.isinf(timeout):
        raise ValueError(f"timeout must be finite, got {timeout!r}")
    check_range("max_retries", max_retries, 0, integer=True)


@dataclass(frozen=True, kw_only=True)
class LLMSettings:
    """The LLM connection of a sampler: ``LLMGuidedSampler(model, llm=LLMSettings(...))``.

    Attributes:
        api_base: Base URL of an OpenAI-compatible server (vLLM, llama.cpp, LM Studio, ...),
            with ``model="openai/<name>"``; no key is needed for it, and no key of the
            environment is sent to it (a warning names one that is set): give ``api_key`` to
            send one.
        api_key: Provider key; otherwise LiteLLM reads the provider's environment variable.
            Never stored in the study, logged, shown in ``repr``, pickled or copied (a copy
            reads it again from the environment variable that held it, if one did).
        temperature: Sampling temperature, in ``[0, 2]``.
        timeout: Seconds allowed for one LLM request, connection to last byte (a deadline the
            sampler keeps, not the HTTP read timeout). ``None``: 30 s for a hosted model; for an
            embedded model or a server at ``api_base``, 60 s plus 1 s per token the answer may
            have (:func:`~llm_guided_optuna._llm.timeouts.request_timeout`).
        max_retries: Retries of a request after transient errors (timeouts, rate limits, 5xx,
            dropped connections). Authentication and bad-request errors are never retried.
        retry_backoff: Seconds before the first retry, doubled at each further one.
        structured_output: ``"auto"``, ``"llguidance"`` (llama.cpp servers; the embedded
            model's default), ``"json_schema"``, ``"json_object"`` or ``"prompt"``.
        completion_kwargs: Extra keyword arguments for ``litellm.completion``.

    Example:
        >>> from llm_guided_optuna import LLMGuidedSampler, LLMSettings
        >>> llm = LLMSettings(api_base="http://127.0.0.1:8000/v1", timeout=120)
        >>> sampler = LLMGuidedSampler("openai/qwen2.5-7b-instruct", llm=llm)  # doctest: +SKIP
    """

    api_base: str | None = None
    api_key: str | None = field(default=None, repr=False)
    temperature: float = 0.3
    timeout: float | None = None
    max_retries: int = 3
    retry_backoff: float = 1.0
    structured_output: str = "auto"
    completion_kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_connection(self.api_base, self.api_key, self.completion_kwargs)
        check_range("temperature", self.temperature, 0.0, 2.0)
        check_range("retry_backoff", self.retry_backoff, 0.0)
        if isinstance(self.retry_backoff, float) and math.isinf(self.retry_backoff):
            raise ValueError(f"retry_backoff must be finite, got {self.retry_backoff!r}")
        check_client_settings(self.structured_output, self.timeout, self.max_retries)
        if self.timeout is not None:
            object.__setattr__(self, "timeout", float(self.timeout))
        object.__setattr__(self, "completion_kwargs", dict(self.completion_kwargs or {}))

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
