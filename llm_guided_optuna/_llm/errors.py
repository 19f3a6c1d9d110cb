"""What a failed LLM call is: its kind, whether trying again may help, and a message that
holds no secret.

:func:`classify_error` maps an exception of LiteLLM, the OpenAI client or the network to an
:class:`LLMCallError` of one of a few kinds (``timeout``, ``rate_limit``, ``server_error``,
``connection``, ``invalid_response``, ``authentication``, ``bad_request``,
``unexpected_error``); only the first five are retried. ``invalid_response`` is an HTTP 200
whose body is no chat completion (an error object, HTML, a malformed ``usage``, content that is
not text): the status a provider writes into such a body is never taken for the HTTP status.

:func:`redact` masks API keys, bearer tokens and the password of a URL in any text; every
message is masked *before* it is cut to length, so that no part of a key survives a cut.

Example:
    >>> classify_error(TimeoutError("read timed out"), litellm=None).kind
    'timeout'
    >>> redact("bad key sk-abcdefghijkl at http://me:hunter22@host/v1", [])
    'bad key sk-*** at http://me:***@host/v1'
"""

from __future__ import annotations

from collections.abc import Sequence
import re
from typing import Any
import urllib.parse

from llm_guided_optuna.exceptions import LLMCallError


SECRET_ENV_SUFFIXES = ("_API_KEY", "_KEY", "_TOKEN", "_SECRET")
#: The longest server or exception text kept in a message (after masking).
MAX_MESSAGE_CHARS = 300
_KEY_PATTERN = re.compile(r"\b(sk|pk|rk|key)-[A-Za-z0-9_\-]{8,}")
_GOOGLE_KEY_PATTERN = re.compile(r"\bAIza[0-9A-Za-z_\-]{8,}")
_BEARER_PATTERN = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9_\-.~+/=]{8,}")
_URL_PASSWORD_PATTERN = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@]*):[^/\s@]*@")


def redact(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every known secret, and anything shaped like an API key, a bearer token
    or the password of a URL, masked."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "***")
    text = _KEY_PATTERN.sub(lambda m: m.group(1) + "-***", text)
    text = _GOOGLE_KEY_PATTERN.sub("AIza***", text)
    text = _BEARER_PATTERN.sub(lambda m: m.group(1) + " ***", text)
    return _URL_PASSWORD_PATTERN.sub(r"\1:***@", text)


def url_secrets(url: str | None) -> list[str]:
    """The credentials written into ``url`` (``http://user:password@host``), to be masked."""
    if not url:
        return []
    try:
        parsed = urllib.parse.urlsplit(url)
        password = parsed.password
    except ValueError:
        return []
    secrets = [password] if password else []
    if password:  # Also as written, percent-escaped, in the URL.
        escaped = parsed.netloc.rpartition("@")[0].partition(":")[2]
        secrets.append(escaped)
    return [s for s in secrets if s]


def mask_url(url: str) -> str:
    """``url`` without the password of its credentials (``http://user:***@host/v1``)."""
    return _URL_PASSWORD_PATTERN.sub(r"\1:***@", url)


def shorten(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` on one line, at most ``limit`` characters (mask it first: see :func:`redact`)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def classify_error(
    error: BaseException, litellm: Any, secrets: Sequence[str] = ()
) -> LLMCallError:
    """Map a LiteLLM/OpenAI exception to an :class:`LLMCallError` kind; its message is masked
    with ``secrets`` (and the patterns of :func:`redact`) before it is cut to length."""
    describe = _describer(error, secrets)
    invalid = _invalid_response_reason(error)
    if invalid is not None:
        return LLMCallError("invalid_response", describe(invalid), True)
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
            return LLMCallError(kind, describe(None), retryable)
    if isinstance(status, int):
        if status == 429:
            return LLMCallError("rate_limit", describe(None), True)
        if status >= 500:
            return LLMCallError("server_error", describe(None), True)
        if status in (401, 403):
            return LLMCallError("authentication", describe(None), False)
        if 400 <= status < 500:
            return LLMCallError("bad_request", describe(None), False)
    if isinstance(error, (TimeoutError,)):
        return LLMCallError("timeout", describe(None), True)
    if isinstance(error, (ConnectionError, OSError)):
        return LLMCallError("connection", describe(None), True)
    return LLMCallError("unexpected_error", describe(None), False)


def _describer(error: BaseException, secrets: Sequence[str]) -> Any:
    def describe(reason: str | None) -> str:
        text = _text(error)
        # LiteLLM appends a Python traceback and the received object to some messages: the
        # first line says what went wrong, the rest is noise (and may echo the request).
        text = text.split(" Traceback (most recent call last)")[0].split("\n\nreceived_args")[0]
        text = text.split("Traceback (most recent call last)")[0]
        text = " ".join(text.split())
        status = getattr(error, "status_code", None)
        if text.rstrip(" -").endswith("Exception") or not text:
            text = f"{text.rstrip(' -')} (no message; HTTP status {status})"
        head = f"{reason}: " if reason else ""
        return shorten(head + redact(f"{type(error).__name__}: {text}", secrets))

    return describe


def _invalid_response_reason(error: BaseException) -> str | None:
    """Why a failure is an HTTP 200 that was not a chat completion, or ``None`` if it is not.

    For a 200 whose body holds an ``error``, LiteLLM raises a plain ``Exception`` carrying a
    status of its own making (422, or whatever ``code`` the body claims) and maps it as if the
    server had answered with that status; a real HTTP error comes from the HTTP client instead.
    """
    for cause in _causes(error):
        text = _text(cause)
        if "Invalid response object" in text or "Received response - <APIResponse [200" in text:
            return "the server's answer is not a chat completion"
        if type(cause) is Exception and hasattr(cause, "status_code"):
            return "the server answered 200 with an error object instead of a chat completion"
    return None


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(chain) < 16 and all(current is not c for c in chain):
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _text(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:  # noqa: BLE001 - an exception whose text cannot be made.
        return ""


def retry_after_seconds(error: BaseException) -> float | None:
    """The seconds a ``Retry-After`` header of the failed response asks to wait, if any."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        value = headers.get("retry-after") or headers.get("Retry-After")
        seconds = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    if seconds is None or seconds != seconds or seconds < 0:  # NaN or negative: ignored.
        return None
    return seconds
