"""How the sampler talks to its LLM, as one typed, checked value: :class:`LLMSettings`.

``LLMGuidedSampler(model, llm=LLMSettings(api_base=..., timeout=...))``: every setting of the
connection (``api_base``, ``api_key``, ``temperature``, ``timeout``, ``max_retries``,
``retry_backoff``, ``structured_output``, ``completion_kwargs``) is checked here, once, when the
value is made, with a message naming it, and not at the first trial. The client is made from it
on first use.

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
from typing import Any

from llm_guided_optuna._checks import check_range


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
    if timeout is not None and timeout <= 0:
        raise ValueError("timeout must be positive")
    if max_retries < 0:
        raise ValueError("max_retries must be >= 0")


@dataclass(frozen=True, kw_only=True)
class LLMSettings:
    """The LLM connection of a sampler: ``LLMGuidedSampler(model, llm=LLMSettings(...))``.

    Attributes:
        api_base: Base URL of an OpenAI-compatible server (vLLM, llama.cpp, LM Studio, ...),
            with ``model="openai/<name>"``; no key is needed for it.
        api_key: Provider key; otherwise LiteLLM reads the provider's environment variable.
            Never stored in the study, logged, or shown in ``repr``.
        temperature: Sampling temperature, in ``[0, 2]``.
        timeout: Seconds allowed for one LLM request. ``None``: 30 s for a hosted model; for an
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
        check_range("temperature", self.temperature, 0.0, 2.0)
        check_range("timeout", self.timeout, 0.0, low_open=True, optional=True)
        check_range("max_retries", self.max_retries, 0, integer=True)
        check_range("retry_backoff", self.retry_backoff, 0.0)
        check_client_settings(self.structured_output, self.timeout, self.max_retries)
        if self.timeout is not None:
            object.__setattr__(self, "timeout", float(self.timeout))
        object.__setattr__(self, "completion_kwargs", dict(self.completion_kwargs))

    def replace(self, **changes: Any) -> LLMSettings:
        """A copy with ``changes``."""
        return dataclasses.replace(self, **changes)

    def client_arguments(self) -> dict[str, Any]:
        """The keyword arguments of :class:`~llm_guided_optuna._llm.client.LLMClient`."""
        arguments = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        arguments["completion_kwargs"] = dict(self.completion_kwargs)
        return arguments
