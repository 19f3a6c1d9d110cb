"""Tests of the LLM client: request shape, retry policy, error classification, redaction.

LiteLLM's ``mock_response`` stands in for a provider where only our own logic is tested;
faults are injected by replacing ``litellm.completion`` with a function that raises LiteLLM's
real exception classes.
"""

from __future__ import annotations

from typing import Any

import httpx
from optuna.distributions import FloatDistribution
import pytest

from llm_guided_optuna._llm.client import import_litellm
from llm_guided_optuna._llm.client import LLMClient
from llm_guided_optuna._llm.errors import classify_error
from llm_guided_optuna._prompt.response import build_response_model
from llm_guided_optuna.exceptions import LLMCallError


litellm = import_litellm()
real_completion = litellm.completion
MESSAGES = [{"role": "user", "content": "propose"}]
MODEL = build_response_model({"x": FloatDistribution(0, 1)})


def make_error(kind: str, retry_after: str | None = None) -> Exception:
    request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
    headers = {"retry-after": retry_after} if retry_after else {}
    common = {"message": "boom", "llm_provider": "openai", "model": "m"}
    if kind == "rate_limit":
        return litellm.RateLimitError(
            response=httpx.Response(429, headers=headers, request=request), **common
        )
    if kind == "server_error":
        return litellm.InternalServerError(response=httpx.Response(500, request=request), **common)
    if kind == "unavailable":
        return litellm.ServiceUnavailableError(
            response=httpx.Response(503, request=request), **common
        )
    if kind == "timeout":
        return litellm.Timeout(**common)
    if kind == "connection":
        return litellm.APIConnectionError(**common)
    if kind == "authentication":
        return litellm.AuthenticationError(**common)
    if kind == "bad_request":
        return litellm.BadRequestError(**common)
    raise ValueError(kind)


class ScriptedCompletion:
    """Raises the scripted errors in turn, then answers."""

    def __init__(
        self,
        errors: list[Exception],
        content: str = '{"parameters": {"x": 0.5}, "rationale": "r"}',
    ) -> None:
        self.errors = list(errors)
        self.content = content
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        if self.errors:
            raise self.errors.pop(0)
        return real_completion(
            model="openai/mock", messages=kwargs["messages"], mock_response=self.content
        )


@pytest.fixture
def sleeps() -> list[float]:
    return []


def client_with(monkeypatch, sleeps, errors, **settings) -> tuple[LLMClient, ScriptedCompletion]:
    scripted = ScriptedCompletion(errors)
    monkeypatch.setattr(litellm, "completion", scripted)
    settings.setdefault("max_retries", 3)
    return LLMClient(
        "openai/test", api_base="http://127.0.0.1:9/v1", sleep=sleeps.append, **settings
    ), scripted


def test_mock_response_round_trip_reports_usage() -> None:
    client = LLMClient(
        "gpt-4o-mini", completion_kwargs={"mock_response": '{"parameters": {"x": 0.1}}'}
    )
    reply = client.complete(MESSAGES, MODEL)
    assert reply.content == '{"parameters": {"x": 0.1}}'
    assert reply.attempts == 1
    assert reply.prompt_tokens > 0 and reply.completion_tokens > 0
    assert reply.cost_usd > 0


def test_request_carries_schema_settings_and_no_library_retries(monkeypatch, sleeps) -> None:
    client, scripted = client_with(monkeypatch, sleeps, [], temperature=0.7, timeout=12)
    client.complete(MESSAGES, MODEL)
    request = scripted.calls[0]
    assert request["response_format"] is MODEL
    assert request["temperature"] == 0.7 and request["timeout"] == 12
    assert request["num_retries"] == 0
    assert request["api_base"] == "http://127.0.0.1:9/v1"


@pytest.mark.parametrize(
    "kind", ["rate_limit", "server_error", "unavailable", "timeout", "connection"]
)
def test_transient_errors_are_retried_with_growing_backoff(monkeypatch, sleeps, kind) -> None:
    client, scripted = client_with(
        monkeypatch, sleeps, [make_error(kind), make_error(kind)], retry_backoff=1.0
    )
    reply = client.complete(MESSAGES, MODEL)
    assert reply.attempts == 3 and len(scripted.calls) == 3
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 1.5 and 1.0 <= sleeps[1] <= 3.0


def test_retry_after_is_honoured(monkeypatch, sleeps) -> None:
    client, _ = client_with(
        monkeypatch, sleeps, [make_error("rate_limit", retry_after="7")], retry_backoff=0.01
    )
    client.complete(MESSAGES, MODEL)
    assert sleeps == [7.0]


def test_retries_stop_after_max_retries(monkeypatch, sleeps) -> None:
    client, scripted = client_with(
        monkeypatch, sleeps, [make_error("server_error")] * 10, max_retries=2
    )
    with pytest.raises(LLMCallError) as info:
        client.complete(MESSAGES, MODEL)
    assert info.value.kind == "server_error" and info.value.attempts == 3
    assert len(scripted.calls) == 3


def test_authentication_errors_are_not_retried(monkeypatch, sleeps) -> None:
    client, scripted = client_with(monkeypatch, sleeps, [make_error("authentication")] * 3)
    with pytest.raises(LLMCallError) as info:
        client.complete(MESSAGES, MODEL)
    assert info.value.kind == "authentication" and not info.value.retryable
    assert len(scripted.calls) == 1 and sleeps == []


def test_bad_request_downgrades_structured_output(monkeypatch, sleeps) -> None:
    client, scripted = client_with(monkeypatch, sleeps, [make_error("bad_request")])
    reply = client.complete(MESSAGES, MODEL)
    assert reply.attempts == 2 and sleeps == []
    assert scripted.calls[0]["response_format"] is MODEL
    assert scripted.calls[1]["response_format"] == {"type": "json_object"}
    assert client.structured_output_mode == "json_object"


def test_bad_request_in_plain_prompt_mode_is_not_retried(monkeypatch, sleeps) -> None:
    client, scripted = client_with(
        monkeypatch, sleeps, [make_error("bad_request")] * 3, structured_output="prompt"
    )
    with pytest.raises(LLMCallError) as info:
        client.complete(MESSAGES, MODEL)
    assert info.value.kind == "bad_request"
    assert len(scripted.calls) == 1 and "response_format" not in scripted.calls[0]


def test_llguidance_mode_sends_a_compact_grammar_and_steps_down_to_json_schema(
    monkeypatch, sleeps
) -> None:
    client, scripted = client_with(
        monkeypatch, sleeps, [make_error("bad_request")], structured_output="llguidance"
    )
    client.complete(MESSAGES, MODEL)
    grammar = scripted.calls[0]["extra_body"]["grammar"]
    assert grammar.startswith("%llguidance {}\nstart: %json {")
    assert '"whitespace_flexible":false' in grammar and "response_format" not in scripted.calls[0]
    assert scripted.calls[1]["response_format"] is MODEL


def test_auto_mode_uses_json_mode_for_providers_without_schema_support() -> None:
    assert LLMClient("ollama/llama3").structured_output_mode == "json_object"
    assert LLMClient("gpt-4o-mini").structured_output_mode == "json_schema"
    assert (
        LLMClient("openai/local", api_base="http://127.0.0.1:1/v1").structured_output_mode
        == "json_schema"
    )


def test_api_key_never_appears_in_errors_or_repr(monkeypatch, sleeps) -> None:
    key = "sk-canary-1234567890"
    leaking = litellm.AuthenticationError(
        message=f"bad key {key}", llm_provider="openai", model="m"
    )
    scripted = ScriptedCompletion([leaking])
    monkeypatch.setattr(litellm, "completion", scripted)
    client = LLMClient("openai/test", api_key=key, sleep=sleeps.append)
    assert key not in repr(client)
    with pytest.raises(LLMCallError) as info:
        client.complete(MESSAGES, MODEL)
    assert key not in str(info.value) and "***" in str(info.value)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (TimeoutError("t"), "timeout"),
        (ConnectionResetError("c"), "connection"),
        (ValueError("v"), "unexpected_error"),
    ],
)
def test_classify_plain_python_errors(error, kind) -> None:
    assert classify_error(error, litellm).kind == kind


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"timeout": 0}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"structured_output": "xml"}, "structured_output"),
    ],
)
def test_invalid_settings_are_refused(arguments, message) -> None:
    with pytest.raises(ValueError, match=message):
        LLMClient("openai/x", **arguments)
