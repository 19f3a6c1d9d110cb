"""What a failed LLM call is: its kind, whether trying again may help, and a message that
holds no secret.

:func:`classify_error` maps an exception of LiteLLM, the OpenAI client or the network to an
:class:`LLMCallError` of one of a few kinds (``timeout``, ``rate_limit``, ``server_error``,
``connection``, ``authentication``, ``bad_request``, ``unexpected_error``); only the first four
are retried. :func:`redact` masks API keys in any message before it leaves the client.

Example:
    >>> classify_error(TimeoutError("read timed out"), litellm=None).kind
    'timeout'
    >>> redact("bad key sk-abcdefghijkl", [])
    'bad key sk-***'
"""

from __future__ import annotations

import re
from typing import Any

from llm_guided_optuna.exceptions import LLMCallError


SECRET_ENV_SUFFIXES = ("_API_KEY", "_KEY", "_TOKEN", "_SECRET")
_KEY_PATTERN = re.compile(r"\b(sk|pk|rk|key)-[A-Za-z0-9_\-]{8,}")


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with every known secret, and anything shaped like an API key, masked."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return _KEY_PATTERN.sub(lambda m: m.group(1) + "-***", text)


def classify_error(error: BaseException, litellm: Any) -> LLMCallError:
    """Map a LiteLLM/OpenAI exception to an :class:`LLMCallError` kind."""
    status = getattr(error, "status_code", None)
    checks: list[tuple[str, str, bool]] = [
        ("Timeout", "timeout", True),
        ("RateLimitError", "rate_limit", True),
        ("AuthenticationError", "authentication", False),
        ("PermissionDeniedError", "authentication", False),
        ("ContextWindowExceededError", "bad_request", False),
        ("BadRequestError", "bad_request", False),
        ("NotFoundError", "bad_request", False),
        ("UnprocessableEntityError", "bad_request", False),
        ("InternalServerError", "server_error", True),
        ("ServiceUnavailableError", "server_error", True),
        ("BadGatewayError", "server_error", True),
        ("APIConnectionError", "connection", True),
    ]
    for class_name, kind, retryable in checks:
        error_class = getattr(litellm, class_name, None)
        if isinstance(error_class, type) and isinstance(error, error_class):
            if kind == "server_error" and "connection error" in str(error).lower():
                kind = "connection"  # The OpenAI client reports a dropped connection as a 500.
            return LLMCallError(kind, _describe(error), retryable)
    if isinstance(status, int):
        if status == 429:
            return LLMCallError("rate_limit", _describe(error), True)
        if status >= 500:
            return LLMCallError("server_error", _describe(error), True)
        if status in (401, 403):
            return LLMCallError("authentication", _describe(error), False)
        if 400 <= status < 500:
            return LLMCallError("bad_request", _describe(error), False)
    if isinstance(error, (TimeoutError,)):
        return LLMCallError("timeout", _describe(error), True)
    if isinstance(error, (ConnectionError, OSError)):
        return LLMCallError("connection", _describe(error), True)
    return LLMCallError("unexpected_error", _describe(error), False)


def _describe(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:300]}"


def retry_after_seconds(error: BaseException) -> float | None:
    """The seconds a ``Retry-After`` header of the failed response asks to wait, if any."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        value = headers.get("retry-after") or headers.get("Retry-After")
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
