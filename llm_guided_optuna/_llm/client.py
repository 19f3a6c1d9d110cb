"""Talk to any LLM through LiteLLM: structured output, timeouts, retries, usage and cost.

:class:`LLMClient` sends chat messages with the response model as ``response_format`` and
returns the raw answer with its latency, token counts and cost. It retries transient errors
(timeouts, rate limits, 5xx answers, dropped connections, 200s that are no completion) with
exponential backoff, honouring ``Retry-After``; it never retries authentication or bad-request
errors, which it raises at once as :class:`LLMCallError` with ``retryable=False``.

``timeout`` is a deadline for the whole request, connection to last byte, kept by the client
itself: the HTTP client's own timeout bounds each read only, and a server that sends a byte a
second would hold a request as long as it liked. The request runs in a daemon thread; when the
deadline passes the call fails as ``timeout`` at once, and the abandoned request ends in the
background at the HTTP client's next read timeout or when the server closes (its answer is
discarded). A trial therefore waits at most ``(max_retries + 1) * timeout`` plus the backoff.
When a provider refuses a JSON schema the client falls back to JSON mode, then to a plain
prompt; the answer is always validated locally.

LiteLLM is imported lazily (it takes seconds), with ``LITELLM_LOCAL_MODEL_COST_MAP=True`` so
that the import does not reach for the network.

Example:
    >>> client = LLMClient("openai/any", completion_kwargs={"mock_response": '{"parameters": {}}'})
    >>> client.complete([{"role": "user", "content": "hi"}]).content
    '{"parameters": {}}'
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
import json
import os
import random
import threading
import time
from typing import Any
import urllib.parse

from pydantic import BaseModel

from llm_guided_optuna._llm.errors import classify_error
from llm_guided_optuna._llm.errors import mask_url
from llm_guided_optuna._llm.errors import redact
from llm_guided_optuna._llm.errors import retry_after_seconds
from llm_guided_optuna._llm.errors import SECRET_ENV_SUFFIXES
from llm_guided_optuna._llm.errors import shorten
from llm_guided_optuna._llm.errors import url_secrets
from llm_guided_optuna._llm.settings import check_client_settings
from llm_guided_optuna._llm.settings import STRUCTURED_OUTPUT_MODES
from llm_guided_optuna._llm.timeouts import call_within_deadline
from llm_guided_optuna._llm.timeouts import DeadlineExceeded
from llm_guided_optuna._llm.timeouts import request_timeout
from llm_guided_optuna._logging import get_logger
from llm_guided_optuna.exceptions import LLMCallError


_logger = get_logger(__name__)

MAX_BACKOFF_SECONDS = 30.0
#: The longest model name taken from a server's answer (a hostile server may send megabytes).
MAX_MODEL_NAME_CHARS = 200

_litellm_module: Any = None
_import_lock = threading.Lock()


def import_litellm() -> Any:
    """Import LiteLLM once, offline-safe and quiet."""
    global _litellm_module
    with _import_lock:
        if _litellm_module is None:
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            import litellm

            litellm.suppress_debug_info = True
            litellm.telemetry = False
            _litellm_module = litellm
    return _litellm_module


@dataclass(frozen=True)
class LLMReply:
    """One successful completion."""

    content: str | None
    model: str
    latency_s: float
    attempts: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


def compact_json_grammar(response_model: type[BaseModel]) -> str:
    """A llama.cpp (llguidance) grammar for the model's JSON schema, without optional spaces."""
    schema = response_model.model_json_schema()
    schema["x-guidance"] = {"whitespace_flexible": False}
    return "%llguidance {}\nstart: %json " + json.dumps(schema, separators=(",", ":"))


class LLMClient:
    """A thread-safe LiteLLM wrapper for one model.

    Args:
        model: Any LiteLLM model string (``"gpt-4o-mini"``, ``"anthropic/claude-..."``,
            ``"ollama/llama3"``, ``"openai/<name>"`` with ``api_base``).
        api_base: Base URL of an OpenAI-compatible server, for local or self-hosted models.
        api_key: The provider key; otherwise LiteLLM reads the provider's usual environment
            variable. It is never logged or shown in ``repr``.
        temperature: Sampling temperature.
        timeout: Seconds allowed for one request. ``None``: a default that fits the model (see
            :func:`~llm_guided_optuna._llm.timeouts.request_timeout`): 30 s for a hosted model,
            more for a server at ``api_base`` (the embedded models included), by the answer's
            length.
        max_retries: Retries after the first request, for transient errors only.
        retry_backoff: Seconds before the first retry; doubled at each further one.
        structured_output: ``"auto"`` (a JSON schema where the provider takes one, otherwise
            JSON mode) or one of :data:`STRUCTURED_OUTPUT_MODES` (``"llguidance"`` only for
            llama.cpp servers: the embedded model uses it).
        completion_kwargs: Extra keyword arguments for ``litellm.completion``.
        sleep: The function used to wait between retries (tests replace it).
    """

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        api_key: str | None = None,
        temperature: float = 0.3,
        timeout: float | None = None,
        max_retries: int = 3,
        retry_backoff: float = 1.0,
        structured_output: str = "auto",
        completion_kwargs: Mapping[str, Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        check_client_settings(structured_output, timeout, max_retries)
        self.model = model
        self.api_base = api_base
        self._api_key = api_key
        self.temperature = temperature
        self.timeout = None if timeout is None else float(timeout)
        self.max_retries = int(max_retries)
        self.retry_backoff = float(retry_backoff)
        self.completion_kwargs = dict(completion_kwargs or {})
        self._requested_mode = structured_output
        self._mode: str | None = None if structured_output == "auto" else structured_output
        self._mode_lock = threading.Lock()
        self._sleep = sleep
        self._model_checked = False

    def __repr__(self) -> str:
        key = "set" if self._api_key else "unset"
        api_base = None if self.api_base is None else mask_url(self.api_base)
        return f"LLMClient(model={self.model!r}, api_base={api_base!r}, api_key=<{key}>)"

    def __getstate__(self) -> dict[str, Any]:
        """A copy or pickle holds neither the key nor the lock (the key is given again by the
        :class:`~llm_guided_optuna._llm.caller.LLMCaller` that makes a client)."""
        state = self.__dict__.copy()
        state["_api_key"] = None
        state["completion_kwargs"] = {
            k: v for k, v in self.completion_kwargs.items() if k != "api_key"
        }
        del state["_mode_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._mode_lock = threading.Lock()

    @property
    def structured_output_mode(self) -> str:
        """The mode in use (resolved on the first request when ``"auto"``)."""
        with self._mode_lock:
            if self._mode is None:
                self._mode = self._resolve_auto_mode()
            return self._mode

    def _resolve_auto_mode(self) -> str:
        if self.api_base is not None:
            return "json_schema"  # OpenAI-compatible servers (llama.cpp, vLLM, ...) take one.
        litellm = import_litellm()
        try:
            if litellm.supports_response_schema(model=self.model):
                return "json_schema"
        except Exception:  # noqa: BLE001 - unknown models raise; JSON mode is the safe default.
            pass
        return "json_object"

    def _downgrade_mode(self, failed_mode: str) -> bool:
        """After a bad request, try the next, less constrained mode. False if none is left."""
        with self._mode_lock:
            if self._mode != failed_mode:
                return True  # Another thread already moved on.
            index = STRUCTURED_OUTPUT_MODES.index(failed_mode)
            if index + 1 >= len(STRUCTURED_OUTPUT_MODES):
                return False
            self._mode = STRUCTURED_OUTPUT_MODES[index + 1]
        _logger.warning(
            "%s at %s refused a request with structured output mode %r (a bad request); "
            "trying %r from now on.",
            self.model,
            self.where,
            failed_mode,
            self._mode,
        )
        return True

    def _request_kwargs(
        self,
        messages: list[dict[str, str]],
        response_model: type[BaseModel] | None,
        mode: str,
        max_tokens: int | None = None,
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "timeout": self.timeout_for(max_tokens),
            "num_retries": 0,
            "drop_params": True,
        }
        if max_tokens is not None:
            kwargs["max_tokens"] = max_tokens
        if self.api_base is not None:
            kwargs["api_base"] = self.api_base
        if self._api_key is not None:
            kwargs["api_key"] = self._api_key
        if response_model is not None and mode == "llguidance":
            kwargs["extra_body"] = {"grammar": compact_json_grammar(response_model)}
        elif response_model is not None and mode == "json_schema":
            kwargs["response_format"] = response_model
        elif response_model is not None and mode == "json_object":
            kwargs["response_format"] = {"type": "json_object"}
        kwargs.update(self.completion_kwargs)
        return kwargs

    def complete(
        self,
        messages: list[dict[str, str]],
        response_model: type[BaseModel] | None = None,
        max_tokens: int | None = None,
    ) -> LLMReply:
        """Send ``messages`` and return the answer.

        ``max_tokens`` bounds the answer: without it a small model under a JSON grammar may
        write digits or spaces until its context is full.

        Raises:
            LLMCallError: when every attempt failed, or at once for a non-retryable error.
        """
        litellm = import_litellm()
        self._check_model(litellm)
        attempts = 0
        started = time.perf_counter()
        while True:
            mode = self.structured_output_mode
            attempts += 1
            deadline_s = self.timeout_for(max_tokens)
            try:
                response = call_within_deadline(
                    deadline_s,
                    litellm.completion,
                    self._request_kwargs(messages, response_model, mode, max_tokens),
                )
            except DeadlineExceeded:
                failure = LLMCallError("timeout", "the whole request's deadline passed", True)
            except Exception as error:  # noqa: BLE001 - classified below.
                failure = classify_error(error, litellm, self._secrets())
                failure.retry_after = retry_after_seconds(error)
            else:
                return self._reply(response, litellm, attempts, time.perf_counter() - started)
            failure.attempts = attempts
            if failure.kind == "bad_request" and response_model is not None:
                if self._downgrade_mode(mode) and attempts <= self.max_retries:
                    continue
            if not failure.retryable or attempts > self.max_retries:
                failure.elapsed_s = time.perf_counter() - started
                raise self._redact(self._name_the_cause(failure, deadline_s)) from None
            self._sleep(self._backoff_seconds(attempts, failure.retry_after))

    def timeout_for(self, max_tokens: int | None) -> float:
        """Seconds allowed for one request whose answer may have ``max_tokens`` tokens."""
        if self.timeout is not None:
            return self.timeout
        return request_timeout(max_tokens, self_hosted=self.api_base is not None)

    @property
    def where(self) -> str:
        """Where requests go: ``host:port`` of ``api_base``, else the provider's name."""
        if self.api_base is not None:
            parsed = urllib.parse.urlsplit(self.api_base)
            netloc = parsed.netloc.rpartition("@")[2]  # Never the credentials of the URL.
            return netloc or mask_url(self.api_base)
        return self.model.split("/", 1)[0] if "/" in self.model else self.model

    def _check_model(self, litellm: Any) -> None:
        """Fail at once, and never retry, for a model string no provider answers to."""
        if self._model_checked:
            return
        try:
            litellm.get_llm_provider(model=self.model, api_base=self.api_base)
        except Exception:  # noqa: BLE001 - LiteLLM raises BadRequestError here.
            raise LLMCallError(
                "unknown_model",
                f"unknown model/provider {self.model!r}: LiteLLM knows no provider for it "
                "(write it as 'provider/model', e.g. 'openai/gpt-4o-mini' or 'ollama/llama3.1')",
                retryable=False,
            ) from None
        self._model_checked = True

    def _name_the_cause(self, failure: LLMCallError, timeout: float) -> LLMCallError:
        """The failure with its cause first: the address that refused or timed out, or the
        credentials that were rejected."""
        causes = {
            "connection": f"cannot reach {self.where}",
            "timeout": f"no answer from {self.where} within {timeout:g} s",
            "authentication": f"authentication failed at {self.where}",
            "rate_limit": f"rate limited by {self.where}",
            "server_error": f"server error at {self.where}",
            "invalid_response": f"no chat completion from {self.where}",
        }
        cause = causes.get(failure.kind)
        if cause is None:
            return failure
        attempts = f" after {failure.attempts} attempts" if failure.attempts > 1 else ""
        named = LLMCallError(
            failure.kind, f"{cause}{attempts} ({failure})", failure.retryable, failure.attempts
        )
        named.retry_after = failure.retry_after
        named.elapsed_s = failure.elapsed_s
        return named

    def _backoff_seconds(self, attempt: int, retry_after: float | None) -> float:
        delay = self.retry_backoff * (2 ** (attempt - 1)) * (0.5 + random.random())
        if retry_after is not None:
            delay = max(delay, retry_after)
        return float(min(delay, MAX_BACKOFF_SECONDS))

    def _reply(self, response: Any, litellm: Any, attempts: int, latency: float) -> LLMReply:
        try:
            content = response.choices[0].message.content
        except (AttributeError, IndexError, TypeError):
            content = None
        usage = getattr(response, "usage", None)
        prompt_tokens = _count(getattr(usage, "prompt_tokens", 0))
        completion_tokens = _count(getattr(usage, "completion_tokens", 0))
        cost = 0.0
        hidden = getattr(response, "_hidden_params", None) or {}
        if isinstance(hidden.get("response_cost"), (int, float)):
            cost = _finite(float(hidden["response_cost"]))
        elif self.api_base is None:
            try:
                cost = float(litellm.completion_cost(completion_response=response) or 0.0)
            except Exception:  # noqa: BLE001 - LiteLLM knows no price for this model.
                cost = 0.0
        if isinstance(content, str):  # A server that echoes the key in its answer: masked
            for secret in self._secrets():  # (known keys only: a choice may look like a key).
                content = content.replace(secret, "***")
        model = str(getattr(response, "model", None) or self.model)
        model = shorten(redact(model, self._secrets()), MAX_MODEL_NAME_CHARS)
        return LLMReply(
            content=content if isinstance(content, str) or content is None else str(content),
            model=model,
            latency_s=latency,
            attempts=attempts,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_usd=cost,
        )

    def _redact(self, error: LLMCallError) -> LLMCallError:
        """Make sure the API key never travels in an error message."""
        message = redact(str(error), self._secrets())
        redacted = LLMCallError(error.kind, message, error.retryable, error.attempts)
        redacted.retry_after = error.retry_after
        redacted.elapsed_s = error.elapsed_s
        return redacted

    def _secrets(self) -> list[str]:
        secrets = [self._api_key] if self._api_key else []
        secrets += url_secrets(self.api_base)
        extra_key = self.completion_kwargs.get("api_key")
        if isinstance(extra_key, str) and extra_key:
            secrets.append(extra_key)
        # Keys LiteLLM reads from the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...).
        secrets += [
            value
            for name, value in os.environ.items()
            if name.upper().endswith(SECRET_ENV_SUFFIXES) and len(value) >= 8
        ]
        return [s for s in secrets if len(s) >= 4]


def _count(value: Any) -> int:
    """A token count from a server's ``usage``: a non-negative int, else 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    try:
        return max(int(value), 0)
    except (OverflowError, ValueError):
        return 0


def _finite(value: float) -> float:
    return value if value == value and abs(value) != float("inf") else 0.0
