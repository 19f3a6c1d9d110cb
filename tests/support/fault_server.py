"""An OpenAI-compatible HTTP server that injects faults, for tests.

:class:`FaultServer` listens on ``127.0.0.1`` (a free port chosen by the OS),
serves ``POST /v1/chat/completions`` and ``GET /v1/models`` from a
``http.server.ThreadingHTTPServer`` running in a daemon thread, and answers
each chat request either normally or with a fault chosen by the test.

The normal answer is a well-formed chat completion whose
``choices[0].message.content`` is the string returned by ``responder(request)``
(``request`` is the parsed JSON body). The default responder returns
``'{"parameters": {}, "rationale": "ok"}'``.

Behaviour is changed at any time, thread-safely:

* ``server.set_fault(kind, **options)`` -- every following request gets
  ``kind`` (``server.set_fault(None)`` or ``server.clear_fault()`` goes back to
  normal answers);
* ``server.queue([kind, (kind, {options}), {"kind": kind, **options}, ...])``
  -- the next requests get these, one each, then the ``set_fault`` default
  again.

Fault kinds (``FAULT_KINDS``) and their options:

=====================  ======================================================
``normal``             a normal answer (useful inside ``queue``)
``delay``              wait ``seconds`` (default 1.0), then answer as ``then``
                       (default: normally). The wait is on an Event, so it
                       does not block other requests and ``close()`` cuts it
                       short (the connection is then dropped).
``rate_limit``         429, header ``Retry-After: retry_after`` (default 1;
                       ``seconds`` is an alias), OpenAI-style error JSON
``server_error``       500 with error JSON
``unavailable``        503 with error JSON (``retry_after`` adds the header)
``auth_error``         401 with error JSON
``bad_request``        400 with error JSON
``http_error``         any ``status`` (default 500) with error JSON
``drop_connection``    read the request, then close the socket without any
                       response (``reset=True`` sends a TCP RST instead of FIN)
``invalid_json``       content is not JSON (``content`` option, default
                       ``{"parameters": {"lr": 0.1,``)
``schema_violation``   valid JSON of the wrong shape; ``shape`` one of
                       ``object`` (default, ``{"foo": 1}``), ``list``,
                       ``string``, ``number``, ``params_list`` (parameters is
                       a list), or any JSON value as ``content``
``missing_params``     ``{"parameters": {}, "rationale": "..."}``
``extra_params``       the responder's parameters plus invented names
                       (``extra`` dict to choose them)
``out_of_range``       every numeric parameter value (booleans excluded)
                       multiplied by 1e6, every second one also negated; a 0
                       becomes 1e6 so it really leaves the range
``nan_inf``            numeric parameter values replaced in turn by ``NaN``,
                       ``Infinity``, ``-Infinity`` (raw tokens: not strict
                       JSON); with no numeric parameter the parameters become
                       ``{"x": NaN, "y": Infinity, "z": -Infinity}``
``numbers_as_strings`` every numeric parameter value quoted (``0.1`` ->
                       ``"0.1"``)
``bad_categorical``    every string parameter value replaced by ``value``
                       (default ``"__not_a_valid_choice__"``)
``empty_content``      content ``""``
``null_content``       content ``null``
``huge_body``          the responder's answer with its ``rationale`` padded so
                       the content is ``megabytes`` MB (default 5); still
                       valid JSON
=====================  ======================================================

The value-mangling faults (``extra_params``, ``out_of_range``, ``nan_inf``,
``numbers_as_strings``, ``bad_categorical``, ``huge_body``) call the responder,
parse its JSON and mangle ``["parameters"]`` (an unparsable or non-object
answer counts as ``{"parameters": {}}``).

Every request is recorded: ``server.requests`` is a list of
:class:`RecordedRequest` (``method``, ``path``, ``headers`` -- a dict with
case-insensitive look-ups --, ``body`` -- the
parsed JSON or ``None`` --, ``raw_body``, ``fault`` -- the kind applied or
``None``). ``server.request_count`` counts them; ``server.http_body_bytes``
counts the bytes of response bodies sent and ``server.request_body_bytes``
those of request bodies received.

Requests with ``"stream": true`` get a server-sent-event stream of
``chat.completion.chunk`` objects for the content-producing kinds; the HTTP
error and connection faults behave the same as without streaming.

Example::

    import json
    from tests.support.fault_server import FaultServer

    def responder(request):
        return json.dumps({"parameters": {"lr": 0.01, "optimizer": "adam"},
                           "rationale": "small step"})

    with FaultServer(responder=responder) as server:
        client_kwargs = dict(api_base=server.base_url, api_key="sk-test")
        server.queue(["rate_limit", ("delay", {"seconds": 0.2})])
        ...                        # 1st request: 429, 2nd: slow but normal
        server.set_fault("out_of_range")
        ...                        # all later requests: {"lr": 10000.0, ...}
        assert server.request_count == 3
        assert server.requests[0].body["model"] == "fault"
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
import itertools
import json
import math
import os
import socket
import struct
import threading
import time
from typing import Any
from typing import Callable
from typing import Iterable
from typing import Mapping


__all__ = ["FAULT_KINDS", "DEFAULT_CONTENT", "FaultServer", "Headers", "RecordedRequest"]

DEFAULT_CONTENT = '{"parameters": {}, "rationale": "ok"}'

FAULT_KINDS = frozenset(
    {
        "normal",
        "delay",
        "rate_limit",
        "server_error",
        "unavailable",
        "auth_error",
        "bad_request",
        "http_error",
        "drop_connection",
        "invalid_json",
        "schema_violation",
        "missing_params",
        "extra_params",
        "out_of_range",
        "nan_inf",
        "numbers_as_strings",
        "bad_categorical",
        "empty_content",
        "null_content",
        "huge_body",
    }
)

# status, OpenAI error "type", "code", default message
_HTTP_FAULTS: dict[str, tuple[int, str, str, str]] = {
    "rate_limit": (
        429,
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached. Please try again later.",
    ),
    "server_error": (
        500,
        "server_error",
        "internal_error",
        "The server had an error while processing your request.",
    ),
    "unavailable": (
        503,
        "server_error",
        "service_unavailable",
        "The engine is currently overloaded.",
    ),
    "auth_error": (401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    "bad_request": (400, "invalid_request_error", "bad_request", "Invalid request."),
}

_SCHEMA_SHAPES: dict[str, Any] = {
    "object": {"foo": 1},
    "list": [1, 2, 3],
    "string": "just a string",
    "number": 42,
    "params_list": {"parameters": [0.1, "adam"], "rationale": "parameters as a list"},
}

_SENTINEL = object()


class Headers(dict):
    """A ``dict`` of request headers whose look-ups ignore case."""

    def _key(self, name: Any) -> Any:
        if isinstance(name, str) and not dict.__contains__(self, name):
            lowered = name.lower()
            for key in self.keys():
                if key.lower() == lowered:
                    return key
        return name

    def __getitem__(self, name: Any) -> str:
        return dict.__getitem__(self, self._key(name))

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, self._key(name))

    def get(self, name: Any, default: Any = None) -> Any:
        return dict.get(self, self._key(name), default)


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request the server received."""

    method: str
    path: str
    headers: Headers
    body: Any
    raw_body: bytes
    fault: str | None
    received_at: float = field(default_factory=time.time)


class _Abort(Exception):
    """Raised inside a handler to drop the connection without answering."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _normalise_entry(entry: Any) -> tuple[str | None, dict[str, Any]]:
    if entry is None:
        return None, {}
    kind: str | None
    if isinstance(entry, str):
        kind, options = entry, {}
    elif isinstance(entry, Mapping):
        options = dict(entry)
        kind = options.pop("kind")
    elif isinstance(entry, (tuple, list)) and len(entry) == 2 and isinstance(entry[1], Mapping):
        kind, options = entry[0], dict(entry[1])
    else:
        raise TypeError(
            f"queue entry must be a kind, (kind, options) or a dict with 'kind': {entry!r}"
        )
    if kind is not None and kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; known: {sorted(FAULT_KINDS)}")
    if kind == "normal":
        kind = None
    if kind == "delay" and options.get("then") is not None:
        then_kind, _ = _normalise_entry(options["then"])
        if then_kind == "delay":
            raise ValueError("a delay cannot be followed by another delay")
    return kind, options


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # listen() backlog; the default 5 drops bursts of parallel connects

    owner: "FaultServer"

    def handle_error(self, request: Any, client_address: Any) -> None:  # noqa: D401
        # Keep the test output quiet; remember unexpected errors for debugging.
        import sys

        exc = sys.exc_info()[1]
        if (
            exc is None
            or isinstance(exc, (ConnectionError, TimeoutError, _Abort))
            or self.owner._stopping.is_set()
        ):
            return
        self.owner.errors.append(exc)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "FaultServer/1.0"
    sys_version = ""

    # -- plumbing --------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.owner._track(self.connection, add=False)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        # Count before writing, so a client that has read the body sees it counted.
        self.server.owner._add_sent(len(body))
        self.wfile.write(body)

    def _send_json(self, status: int, obj: Any, headers: Mapping[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), headers=headers)

    def _send_error_json(
        self,
        status: int,
        message: str,
        err_type: str,
        code: str | None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._send_json(
            status,
            {"error": {"message": message, "type": err_type, "param": None, "code": code}},
            headers=headers,
        )

    # -- routes ----------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        owner = self.server.owner
        owner._record(self, b"", None, None)
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": [
                        {
                            "id": owner.model,
                            "object": "model",
                            "created": int(owner.started_at),
                            "owned_by": "fault-server",
                        }
                    ],
                },
            )
        else:
            self._send_error_json(
                404, f"Unknown path {self.path}", "invalid_request_error", "not_found"
            )

    def do_POST(self) -> None:  # noqa: N802
        owner = self.server.owner
        raw = self._read_body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if self.path.split("?")[0].rstrip("/") not in (
            "/v1/chat/completions",
            "/chat/completions",
        ):
            owner._record(self, raw, body, None)
            self._send_error_json(
                404, f"Unknown path {self.path}", "invalid_request_error", "not_found"
            )
            return
        kind, options = owner._next_fault()
        owner._record(self, raw, body, kind)
        request = body if isinstance(body, dict) else {}
        self._apply(kind, options, request)

    def do_PUT(self) -> None:  # noqa: N802
        self._read_body()
        self._send_error_json(
            405, "Method not allowed", "invalid_request_error", "method_not_allowed"
        )

    do_DELETE = do_PATCH = do_PUT  # noqa: N815

    # -- faults ----------------------------------------------------------
    def _drop(self, reset: bool = False) -> None:
        self.close_connection = True
        try:
            if reset:
                # Linger 0 + close sends an RST. Detach the descriptor so that
                # socketserver's own shutdown(SHUT_WR) cannot send a FIN first.
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                os.close(self.connection.detach())
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise _Abort()

    def _apply(self, kind: str | None, options: dict[str, Any], request: dict[str, Any]) -> None:
        owner = self.server.owner
        if kind == "delay":
            if owner._stopping.wait(float(options.get("seconds", 1.0))):
                self._drop()
            self._apply(*_normalise_entry(options.get("then")), request)
            return
        if kind == "drop_connection":
            self._drop(reset=bool(options.get("reset", False)))
        if kind in _HTTP_FAULTS or kind == "http_error":
            if kind == "http_error":
                status, err_type, code, message = (
                    int(options.get("status", 500)),
                    "server_error",
                    None,
                    "Error.",
                )
            else:
                status, err_type, code, message = _HTTP_FAULTS[kind]
            headers = {}
            retry_after = options.get(
                "retry_after", options.get("seconds", 1 if kind == "rate_limit" else None)
            )
            if retry_after is not None:
                headers["Retry-After"] = str(retry_after)
            self._send_error_json(
                status, str(options.get("message", message)), err_type, code, headers
            )
            return
        try:
            content = owner._content_for(kind, options, request)
        except Exception as error:  # a broken responder must not look like a network fault
            owner.errors.append(error)
            self._send_error_json(
                500, f"FaultServer responder raised {error!r}", "fault_server_error", None
            )
            return
        self._send_completion(request, content)

    def _send_completion(self, request: dict[str, Any], content: str | None) -> None:
        owner = self.server.owner
        completion_id = f"chatcmpl-fault{next(owner._ids)}"
        created = int(time.time())
        model = request.get("model") or owner.model
        usage = owner._usage(request, content)
        if request.get("stream"):
            self._send_stream(completion_id, created, model, content, usage, request)
            return
        self._send_json(
            200,
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fault_server",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": usage,
            },
        )

    def _send_stream(
        self,
        completion_id: str,
        created: int,
        model: str,
        content: str | None,
        usage: dict[str, int],
        request: dict[str, Any],
    ) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

        def chunk(delta: dict[str, Any], finish: str | None, with_usage: bool = False) -> bytes:
            obj: dict[str, Any] = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
            }
            if with_usage:
                obj["choices"] = []
                obj["usage"] = usage
            return b"data: " + json.dumps(obj).encode() + b"\n\n"

        pieces = [
            chunk({"role": "assistant", "content": "" if content is not None else None}, None)
        ]
        if content:
            step = 64 * 1024 if len(content) > 4096 else 16
            pieces += [
                chunk({"content": content[i : i + step]}, None)
                for i in range(0, len(content), step)
            ]
        pieces.append(chunk({}, "stop"))
        if (request.get("stream_options") or {}).get("include_usage"):
            pieces.append(chunk({}, None, with_usage=True))
        pieces.append(b"data: [DONE]\n\n")
        for piece in pieces:
            self.server.owner._add_sent(len(piece))
            self.wfile.write(piece)


class FaultServer:
    """OpenAI-compatible chat-completions server with injectable faults.

    Parameters
    ----------
    responder:
        ``callable(request_json) -> str`` producing the assistant content of a
        normal answer (a ``dict`` return value is JSON-encoded).
    model:
        Model name reported by ``GET /v1/models`` and used when a request has
        no ``model``.
    host:
        Interface to bind (default loopback).
    """

    def __init__(
        self,
        responder: Callable[[dict[str, Any]], Any] | None = None,
        *,
        model: str = "fault",
        host: str = "127.0.0.1",
    ) -> None:
        self.responder = responder or (lambda request: DEFAULT_CONTENT)
        self.model = model
        self.host = host
        self.errors: list[BaseException] = []
        self.started_at = time.time()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._default: tuple[str | None, dict[str, Any]] = (None, {})
        self._queue: list[tuple[str | None, dict[str, Any]]] = []
        self._requests: list[RecordedRequest] = []
        self._sent_bytes = 0
        self._received_bytes = 0
        self._ids = itertools.count(1)
        self._connections: set[socket.socket] = set()
        self._conn_cond = threading.Condition(self._lock)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------
    def start(self) -> "FaultServer":
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _Server((self.host, 0), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FaultServer:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self, grace: float = 0.5) -> None:
        """Stop the server; in-flight requests are cut off after ``grace`` seconds."""
        httpd = self._httpd
        if httpd is None:
            return
        self._stopping.set()  # wakes delayed handlers
        httpd.shutdown()
        deadline = time.monotonic() + grace
        with self._conn_cond:
            while self._connections and time.monotonic() < deadline:
                self._conn_cond.wait(max(0.0, deadline - time.monotonic()))
            leftovers = list(self._connections)
        for conn in leftovers:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FaultServer is not running")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1`` -- pass as ``api_base``/``base_url``."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no ``/v1``)."""
        return f"http://{self.host}:{self.port}"

    # -- behaviour -------------------------------------------------------
    def set_fault(self, kind: str | None, **options: Any) -> None:
        """Answer every following request with ``kind`` (``None``: normally)."""
        entry = _normalise_entry({"kind": kind, **options})
        with self._lock:
            self._default = entry

    def clear_fault(self) -> None:
        """Go back to normal answers and forget any queued faults."""
        with self._lock:
            self._default = (None, {})
            self._queue.clear()

    def queue(self, kinds: Iterable[Any]) -> None:
        """Append faults for the next requests, one each, before the default.

        Entries: ``"kind"``, ``("kind", {options})``, ``{"kind": ..., **options}``
        or ``None``/``"normal"`` for a normal answer.
        """
        entries = [_normalise_entry(entry) for entry in kinds]
        with self._lock:
            self._queue.extend(entries)

    @property
    def pending(self) -> int:
        """Number of queued faults not used yet."""
        with self._lock:
            return len(self._queue)

    def reset(self) -> None:
        """Clear faults, queue, recorded requests and counters."""
        with self._lock:
            self._default = (None, {})
            self._queue.clear()
            self._requests.clear()
            self._sent_bytes = 0
            self._received_bytes = 0
            self.errors.clear()

    # -- records ---------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self._requests)

    @property
    def http_body_bytes(self) -> int:
        """Bytes of HTTP response bodies sent so far (counted as each write starts)."""
        with self._lock:
            return self._sent_bytes

    @property
    def request_body_bytes(self) -> int:
        """Bytes of HTTP request bodies received so far."""
        with self._lock:
            return self._received_bytes

    # -- internals used by the handler -------------------------------------
    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._conn_cond:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)
                self._conn_cond.notify_all()

    def _add_sent(self, n: int) -> None:
        with self._lock:
            self._sent_bytes += n

    def _record(self, handler: _Handler, raw: bytes, body: Any, kind: str | None) -> None:
        record = RecordedRequest(
            method=handler.command,
            path=handler.path,
            headers=Headers(handler.headers.items()),
            body=body,
            raw_body=raw,
            fault=kind,
        )
        with self._lock:
            self._requests.append(record)
            self._received_bytes += len(raw)

    def _next_fault(self) -> tuple[str | None, dict[str, Any]]:
        with self._lock:
            if self._queue:
                return self._queue.pop(0)
            return self._default

    def _respond(self, request: dict[str, Any]) -> str:
        content = self.responder(request)
        if isinstance(content, str):
            return content
        return json.dumps(content)

    def _parsed(self, request: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        try:
            obj = json.loads(self._respond(request))
        except ValueError:
            obj = {}
        if not isinstance(obj, dict):
            obj = {}
        params = obj.get("parameters")
        if not isinstance(params, dict):
            params = {}
        obj["parameters"] = params
        return obj, params

    def _usage(self, request: dict[str, Any], content: str | None) -> dict[str, int]:
        prompt_chars = 0
        for message in request.get("messages") or []:
            if isinstance(message, dict):
                prompt_chars += len(json.dumps(message.get("content", "")))
        prompt_tokens = max(1, prompt_chars // 4)
        completion_tokens = max(1, len(content or "") // 4)
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }

    def _content_for(
        self, kind: str | None, options: dict[str, Any], request: dict[str, Any]
    ) -> str | None:
        if kind is None:
            return self._respond(request)
        if kind == "invalid_json":
            return str(options.get("content", '{"parameters": {"lr": 0.1,'))
        if kind == "schema_violation":
            value = options.get("content", _SENTINEL)
            if value is _SENTINEL:
                value = _SCHEMA_SHAPES[options.get("shape", "object")]
            return json.dumps(value)
        if kind == "missing_params":
            return json.dumps(
                {"parameters": {}, "rationale": options.get("rationale", "I could not decide.")}
            )
        if kind == "empty_content":
            return ""
        if kind == "null_content":
            return None

        obj, params = self._parsed(request)
        if kind == "extra_params":
            params.update(
                options.get(
                    "extra", {"invented_parameter": 1.0, "another_unknown_param": "surprise"}
                )
            )
        elif kind == "out_of_range":
            numeric = [name for name, value in params.items() if _is_number(value)]
            for index, name in enumerate(numeric):
                value = params[name] or type(params[name])(1)
                scaled = value * 1_000_000 if isinstance(value, int) else value * 1e6
                params[name] = -scaled if index % 2 == 1 else scaled
        elif kind == "nan_inf":
            specials = itertools.cycle([math.nan, math.inf, -math.inf])
            numeric = [name for name, value in params.items() if _is_number(value)]
            if numeric:
                for name in numeric:
                    params[name] = next(specials)
            else:
                obj["parameters"] = {"x": math.nan, "y": math.inf, "z": -math.inf}
            return json.dumps(obj, allow_nan=True)
        elif kind == "numbers_as_strings":
            for name, value in params.items():
                if _is_number(value):
                    params[name] = json.dumps(value)
        elif kind == "bad_categorical":
            replacement = options.get("value", "__not_a_valid_choice__")
            for name, value in params.items():
                if isinstance(value, str):
                    params[name] = replacement
        elif kind == "huge_body":
            target = int(float(options.get("megabytes", 5)) * 1024 * 1024)
            obj["rationale"] = ""
            base = len(json.dumps(obj))
            obj["rationale"] = "x" * max(0, target - base)
        else:  # pragma: no cover - every kind is handled above
            raise ValueError(f"unhandled fault kind {kind!r}")
        return json.dumps(obj)
