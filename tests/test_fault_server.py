"""Tests of the fault-injection server in tests/support/fault_server.py."""

from __future__ import annotations

import json
import math
import os
import threading
import time
from typing import Any
import urllib.error
import urllib.request

import httpx
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import pytest


try:
    from tests.support.fault_server import FAULT_KINDS
    from tests.support.fault_server import FaultServer
except ImportError:  # tests/ is on sys.path instead of the repository root
    from support.fault_server import FAULT_KINDS
    from support.fault_server import FaultServer

PARAMS = {"lr": 0.01, "n_layers": 3, "optimizer": "adam", "dropout": 0.0, "use_bn": True}


def responder(request: dict[str, Any]) -> str:
    return json.dumps({"parameters": PARAMS, "rationale": "because"})


def chat_body(**extra: Any) -> dict[str, Any]:
    return {"model": "fault", "messages": [{"role": "user", "content": "suggest"}], **extra}


def post(
    server: FaultServer,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> tuple[int, dict[str, str], bytes]:
    """POST to /chat/completions; returns (status, headers, raw body) for any status."""
    data = json.dumps(chat_body() if body is None else body).encode()
    request = urllib.request.Request(
        server.base_url + "/chat/completions",
        data=data,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def content_of(server: FaultServer, **extra: Any) -> Any:
    status, _, raw = post(server, chat_body(**extra))
    assert status == 200
    return json.loads(raw)["choices"][0]["message"]["content"]


def parsed_params(server: FaultServer) -> dict[str, Any]:
    return json.loads(content_of(server))["parameters"]


@pytest.fixture
def server():
    with FaultServer(responder=responder) as srv:
        yield srv


# -- normal answers and bookkeeping -------------------------------------------


def test_normal_completion_shape_and_recording():
    seen = []

    def echo(request):
        seen.append(request)
        return '{"parameters": {"x": 1}, "rationale": "echo"}'

    with FaultServer(responder=echo) as srv:
        assert srv.base_url == f"http://127.0.0.1:{srv.port}/v1"
        body = chat_body(temperature=0.2)
        status, headers, raw = post(
            srv, body, headers={"X-Test": "yes", "Authorization": "Bearer sk-x"}
        )
        assert status == 200
        assert headers["Content-Type"] == "application/json"
        answer = json.loads(raw)
        assert answer["id"].startswith("chatcmpl-")
        assert answer["object"] == "chat.completion"
        assert isinstance(answer["created"], int) and abs(answer["created"] - time.time()) < 60
        assert answer["model"] == "fault"
        choice = answer["choices"][0]
        assert choice["finish_reason"] == "stop"
        assert choice["message"] == {
            "role": "assistant",
            "content": '{"parameters": {"x": 1}, "rationale": "echo"}',
        }
        usage = answer["usage"]
        assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]

        assert seen == [body]
        assert srv.request_count == 1
        record = srv.requests[0]
        assert (record.method, record.path, record.fault) == ("POST", "/v1/chat/completions", None)
        assert record.body == body
        assert record.headers["X-Test"] == "yes"
        assert record.headers["Authorization"] == "Bearer sk-x"
        assert srv.http_body_bytes == len(raw)
        assert srv.request_body_bytes == len(json.dumps(body).encode())


def test_default_responder_and_unique_ids():
    with FaultServer() as srv:
        first = json.loads(post(srv)[2])
        second = json.loads(post(srv)[2])
        assert first["choices"][0]["message"]["content"] == '{"parameters": {}, "rationale": "ok"}'
        assert first["id"] != second["id"]


def test_models_endpoint_and_unknown_path(server):
    with urllib.request.urlopen(server.base_url + "/models", timeout=5) as response:
        models = json.loads(response.read())
    assert models["object"] == "list" and models["data"][0]["id"] == "fault"
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(server.url + "/v2/nothing", timeout=5)
    assert info.value.code == 404
    assert json.loads(info.value.read())["error"]["code"] == "not_found"
    info.value.close()
    assert server.request_count == 2


def test_streaming_normal_answer(server):
    body = chat_body(stream=True, stream_options={"include_usage": True})
    with httpx.stream(
        "POST", server.base_url + "/chat/completions", json=body, timeout=5
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [
            line[len("data: ") :] for line in response.iter_lines() if line.startswith("data: ")
        ]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert json.loads(text)["parameters"] == PARAMS
    assert any(c["choices"] and c["choices"][0]["finish_reason"] == "stop" for c in chunks)
    assert chunks[-1]["usage"]["total_tokens"] > 0


def test_responder_exception_becomes_500():
    def broken(request):
        raise KeyError("boom")

    with FaultServer(responder=broken) as srv:
        status, _, raw = post(srv)
        assert status == 500 and "boom" in json.loads(raw)["error"]["message"]
        assert isinstance(srv.errors[0], KeyError)


def test_unknown_kind_rejected(server):
    with pytest.raises(ValueError):
        server.set_fault("teapot")
    with pytest.raises(ValueError):
        server.queue(["rate_limit", "teapot"])
    with pytest.raises(ValueError):
        server.set_fault("delay", seconds=1, then="delay")
    assert server.pending == 0


# -- HTTP-level faults ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "error_type"),
    [
        ("rate_limit", 429, "requests"),
        ("server_error", 500, "server_error"),
        ("unavailable", 503, "server_error"),
        ("auth_error", 401, "invalid_request_error"),
        ("bad_request", 400, "invalid_request_error"),
    ],
)
def test_http_error_kinds(server, kind, status, error_type):
    server.set_fault(kind)
    got_status, headers, raw = post(server)
    assert got_status == status
    error = json.loads(raw)["error"]
    assert error["type"] == error_type
    assert error["message"] and "code" in error and "param" in error
    if kind == "rate_limit":
        assert headers["Retry-After"] == "1"
    else:
        assert "Retry-After" not in headers
    assert server.requests[-1].fault == kind


def test_retry_after_configurable(server):
    server.set_fault("rate_limit", retry_after=7, message="slow down")
    status, headers, raw = post(server)
    assert (status, headers["Retry-After"]) == (429, "7")
    assert json.loads(raw)["error"]["message"] == "slow down"
    server.set_fault("rate_limit", seconds=3)
    assert post(server)[1]["Retry-After"] == "3"
    server.set_fault("unavailable", retry_after=2)
    status, headers, _ = post(server)
    assert (status, headers["Retry-After"]) == (503, "2")
    server.set_fault("http_error", status=418)
    assert post(server)[0] == 418


@pytest.mark.parametrize("reset", [False, True])
def test_drop_connection(server, reset):
    server.set_fault("drop_connection", reset=reset)
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        post(server)
    with pytest.raises(httpx.TransportError):
        httpx.post(server.base_url + "/chat/completions", json=chat_body(), timeout=5)
    assert server.request_count == 2
    assert server.http_body_bytes == 0
    server.clear_fault()
    assert post(server)[0] == 200


def test_queue_then_default(server):
    server.set_fault("server_error")
    server.queue(
        ["rate_limit", "normal", ("unavailable", {"retry_after": 5}), {"kind": "auth_error"}]
    )
    assert server.pending == 4
    statuses = [post(server)[0] for _ in range(6)]
    assert statuses == [429, 200, 503, 401, 500, 500]
    assert server.pending == 0
    assert [r.fault for r in server.requests] == [
        "rate_limit",
        None,
        "unavailable",
        "auth_error",
        "server_error",
        "server_error",
    ]
    server.clear_fault()
    assert post(server)[0] == 200


def test_reset_clears_everything(server):
    server.set_fault("server_error")
    server.queue(["rate_limit"])
    post(server)
    server.reset()
    assert (
        server.request_count,
        server.pending,
        server.http_body_bytes,
        server.request_body_bytes,
    ) == (0, 0, 0, 0)
    assert post(server)[0] == 200


# -- delays and shutdown -------------------------------------------------------


def test_delay_is_honoured(server):
    server.set_fault("delay", seconds=0.3)
    start = time.monotonic()
    assert json.loads(content_of(server))["parameters"] == PARAMS
    assert time.monotonic() - start >= 0.3


def test_delay_then_another_fault(server):
    server.queue([("delay", {"seconds": 0.05, "then": "rate_limit"})])
    assert post(server)[0] == 429
    assert post(server)[0] == 200


def test_delay_does_not_block_and_close_interrupts_it():
    srv = FaultServer(responder=responder).start()
    models_url = srv.base_url + "/models"
    outcome: dict[str, Any] = {}

    def slow_call():
        start = time.monotonic()
        try:
            outcome["result"] = post(srv, timeout=30)
        except Exception as exc:  # noqa: BLE001 - any connection error will do
            outcome["error"] = exc
        outcome["elapsed"] = time.monotonic() - start

    try:
        srv.queue([("delay", {"seconds": 30})])
        worker = threading.Thread(target=slow_call)
        worker.start()
        deadline = time.monotonic() + 5
        while srv.request_count < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert srv.request_count == 1

        start = time.monotonic()
        assert post(srv)[0] == 200  # another request is answered meanwhile
        assert time.monotonic() - start < 2
        assert worker.is_alive()
    finally:
        start = time.monotonic()
        srv.close()
        close_time = time.monotonic() - start
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert close_time < 2
    assert "error" in outcome and outcome["elapsed"] < 5
    assert not srv.running
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        urllib.request.urlopen(models_url, timeout=2)


def test_close_is_idempotent_and_concurrent_requests_are_recorded():
    with FaultServer(responder=responder) as srv:
        results: list[int] = []
        lock = threading.Lock()

        def worker():
            status = post(srv)[0]
            with lock:
                results.append(status)

        threads = [threading.Thread(target=worker) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert results == [200] * 16
        assert srv.request_count == 16
        assert srv.errors == []
    srv.close()


# -- content faults ------------------------------------------------------------


def test_invalid_json(server):
    server.set_fault("invalid_json")
    content = content_of(server)
    assert content == '{"parameters": {"lr": 0.1,'
    with pytest.raises(ValueError):
        json.loads(content)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {"foo": 1}),
        ({"shape": "list"}, [1, 2, 3]),
        ({"shape": "number"}, 42),
        ({"content": {"params": {}}}, {"params": {}}),
    ],
)
def test_schema_violation(server, options, expected):
    server.set_fault("schema_violation", **options)
    assert json.loads(content_of(server)) == expected
    server.set_fault("schema_violation", shape="params_list")
    assert isinstance(json.loads(content_of(server))["parameters"], list)


def test_missing_params(server):
    server.set_fault("missing_params")
    answer = json.loads(content_of(server))
    assert answer["parameters"] == {} and answer["rationale"]


def test_extra_params(server):
    server.set_fault("extra_params")
    params = parsed_params(server)
    assert {k: params[k] for k in PARAMS} == PARAMS
    assert set(params) - set(PARAMS)
    server.set_fault("extra_params", extra={"ghost": 9})
    assert parsed_params(server) == {**PARAMS, "ghost": 9}


def test_out_of_range(server):
    server.set_fault("out_of_range")
    params = parsed_params(server)
    assert params["lr"] == pytest.approx(0.01 * 1e6)
    assert params["n_layers"] == -3_000_000 and isinstance(params["n_layers"], int)
    assert params["dropout"] == 1e6 and isinstance(
        params["dropout"], float
    )  # zero leaves the range too
    assert params["optimizer"] == "adam" and params["use_bn"] is True


def test_nan_inf(server):
    server.set_fault("nan_inf")
    content = content_of(server)
    for token in ("NaN", "Infinity", "-Infinity"):
        assert token in content

    def reject(token):
        raise ValueError(token)

    with pytest.raises(ValueError):
        json.loads(content, parse_constant=reject)
    params = json.loads(content)["parameters"]
    assert (
        math.isnan(params["lr"])
        and params["n_layers"] == math.inf
        and params["dropout"] == -math.inf
    )
    assert params["optimizer"] == "adam"


def test_nan_inf_without_numbers():
    with FaultServer() as srv:
        srv.set_fault("nan_inf")
        content = content_of(srv)
        assert all(token in content for token in ("NaN", "Infinity", "-Infinity"))


def test_numbers_as_strings(server):
    server.set_fault("numbers_as_strings")
    params = parsed_params(server)
    assert params == {
        "lr": "0.01",
        "n_layers": "3",
        "optimizer": "adam",
        "dropout": "0.0",
        "use_bn": True,
    }


def test_bad_categorical(server):
    server.set_fault("bad_categorical")
    params = parsed_params(server)
    assert params["optimizer"] not in ("adam", "sgd") and params["lr"] == 0.01
    server.set_fault("bad_categorical", value="rmsprop")
    assert parsed_params(server)["optimizer"] == "rmsprop"


def test_empty_and_null_content(server):
    server.set_fault("empty_content")
    assert content_of(server) == ""
    server.set_fault("null_content")
    status, _, raw = post(server)
    message = json.loads(raw)["choices"][0]["message"]
    assert status == 200 and "content" in message and message["content"] is None


def test_huge_body(server):
    server.set_fault("huge_body")
    content = content_of(server)
    assert len(content) >= 5 * 1024 * 1024
    assert json.loads(content)["parameters"] == PARAMS
    assert server.http_body_bytes >= 5 * 1024 * 1024
    server.reset()
    server.set_fault("huge_body", megabytes=1)
    assert 1024 * 1024 <= len(content_of(server)) < 2 * 1024 * 1024


def test_every_kind_answers(server):
    """Smoke test: every documented kind produces an answer or a connection error."""
    for kind in sorted(FAULT_KINDS):
        server.set_fault(kind, **({"seconds": 0.01} if kind == "delay" else {}))
        try:
            post(server)
        except (ConnectionError, urllib.error.URLError):
            assert kind == "drop_connection"
    assert server.request_count == len(FAULT_KINDS)
    assert server.errors == []


numbers = st.one_of(
    st.integers(-1000, 1000), st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
)
param_dicts = st.dictionaries(
    st.text("abcdefgh_", min_size=1, max_size=6),
    st.one_of(numbers, st.sampled_from(["adam", "sgd"]), st.booleans()),
    max_size=6,
)


@pytest.fixture(scope="module")
def shared_server():
    with FaultServer() as srv:
        yield srv


@settings(max_examples=25, deadline=None)
@given(params=param_dicts)
def test_value_mangling_properties(shared_server, params):
    srv = shared_server
    srv.reset()
    srv.responder = lambda request: {"parameters": params, "rationale": "h"}
    srv.set_fault("out_of_range")
    mangled = parsed_params(srv)
    assert set(mangled) == set(params)
    for name, value in params.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            assert mangled[name] == value
        else:
            assert abs(mangled[name]) == pytest.approx(abs(value or 1) * 1e6)
    srv.set_fault("numbers_as_strings")
    quoted = parsed_params(srv)
    for name, value in params.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert isinstance(quoted[name], str) and float(quoted[name]) == pytest.approx(value)
        else:
            assert quoted[name] == value


# -- through LiteLLM -----------------------------------------------------------


def test_through_litellm():
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    import litellm

    litellm.suppress_debug_info = True

    def call(srv):
        return litellm.completion(
            model="openai/fault",
            api_base=srv.base_url,
            api_key="sk-test",
            messages=[{"role": "user", "content": "suggest"}],
            num_retries=0,
            timeout=5,
        )

    with FaultServer(responder=responder) as srv:
        response = call(srv)
        assert json.loads(response.choices[0].message.content)["parameters"] == PARAMS
        assert response.usage.total_tokens > 0
        record = srv.requests[0]
        assert record.body["model"] == "fault"
        assert record.headers["Authorization"] == "Bearer sk-test"

        srv.set_fault("rate_limit")
        with pytest.raises(litellm.RateLimitError):
            call(srv)
        srv.set_fault("server_error")
        with pytest.raises(litellm.InternalServerError):
            call(srv)
        assert srv.request_count == 3  # num_retries=0: no hidden retries
