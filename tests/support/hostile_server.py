"""A loopback HTTP server that answers anything, for the hostile-input tests.

:class:`HostileServer` listens on ``127.0.0.1`` (a port chosen by the OS) and answers every
request with the :class:`Answer` the test sets: any status, any headers, any body (bytes, or a
JSON value encoded as written), or headers followed by a slow drip of bytes. Every request's
headers and JSON body are recorded, so a test can read the ``Authorization`` a client sent and
the ``response_format`` it asked for.

Time is bounded: a drip sends at most ``drip_bytes`` bytes, waits on an :class:`threading.Event`
between them, and stops as soon as the server is closed.

Example:
    >>> with HostileServer() as server:  # doctest: +SKIP
    ...     server.answer = Answer(status=500, body={"error": {"message": "no"}})
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
import json
import threading
from typing import Any


@dataclass
class Answer:
    """What the server sends back.

    Attributes:
        status: The HTTP status.
        body: Bytes sent as they are, a ``str`` sent as UTF-8 (surrogates escaped), or any other
            value sent as JSON (``allow_nan``: ``NaN`` literals pass).
        headers: Extra headers.
        drip_interval_s: If positive: the headers at once, then the body one byte every this many
            seconds (no ``Content-Length``), at most ``drip_bytes`` bytes.
        drip_bytes: The most bytes a drip sends.
    """

    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    drip_interval_s: float = 0.0
    drip_bytes: int = 60


def completion(content: Any, **overrides: Any) -> dict[str, Any]:
    """A chat completion whose message content is ``content`` (a dict is JSON-encoded)."""
    if isinstance(content, dict):
        content = json.dumps(content)
    body: dict[str, Any] = {
        "id": "chatcmpl-hostile",
        "object": "chat.completion",
        "created": 0,
        "model": "hostile",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    body.update(overrides)
    return body


def _encode(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8", "backslashreplace")
    return json.dumps(body).encode("ascii")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._answer(None)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError:
            body = None
        self._answer(body)

    def _answer(self, request: Any) -> None:
        owner = self.server.owner
        with owner.lock:
            owner.headers.append({k.lower(): v for k, v in self.headers.items()})
            owner.bodies.append(request)
            answer = owner.answers.pop(0) if owner.answers else owner.answer
        body = _encode(answer.body)
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.drip_interval_s <= 0:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        padding = (body or b" ") * (answer.drip_bytes // max(len(body), 1) + 1)
        for byte in padding[: answer.drip_bytes]:
            if owner.stopping.wait(answer.drip_interval_s):
                return
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:
                return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: HostileServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # A client that gave up mid-drip is expected.


class HostileServer:
    """An HTTP server on 127.0.0.1 that sends whatever :attr:`answer` says.

    Attributes:
        answer: What every request gets (unless :attr:`answers` holds some).
        answers: Answers for the next requests, one each, before :attr:`answer`.
        headers: The headers of every request received (lower-case names).
        bodies: The JSON body of every request received (``None`` if it had none).
    """

    def __init__(self, answer: Answer | None = None) -> None:
        self.answer = answer or Answer(body=completion('{"parameters": {}}'))
        self.answers: list[Answer] = []
        self.headers: list[dict[str, str]] = []
        self.bodies: list[Any] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: an ``api_base``."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stopping.set()  # Ends every drip at its next byte.
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
