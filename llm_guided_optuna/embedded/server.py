"""llama.cpp's OpenAI-compatible server, in this process, on loopback.

:func:`get_embedded_server` starts the server of an embedded model on first use (``xllamacpp``
runs llama.cpp's own server inside the Python process, on ``127.0.0.1`` and a free port),
shares it between every sampler of the process and stops it at exit. LiteLLM reaches it as
``openai/<alias>`` at ``api_base``.

Inference threads. llama.cpp's threads wait for each other at every step of a token: when
another process holds one of their cores, a step waits for the operating system to hand it
back, and a call that takes a minute can take ten. So the server uses as many threads as
cores are *free* when it starts (measured over a quarter of a second), at most the model's
:attr:`~llm_guided_optuna.embedded.registry.EmbeddedModelSpec.best_threads` and at least 1.
``LLM_GUIDED_OPTUNA_THREADS`` (or ``n_threads``) fixes the number instead.

Example:
    >>> server = get_embedded_server("smollm2-135m")  # doctest: +SKIP
    >>> server.api_base  # doctest: +SKIP
    'http://127.0.0.1:41234/v1'
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path
import threading
import time
from typing import Any
import urllib.request

from llm_guided_optuna._imports import import_optional
from llm_guided_optuna._logging import get_logger
from llm_guided_optuna.embedded.registry import EmbeddedModelSpec
from llm_guided_optuna.embedded.registry import get_model_spec
from llm_guided_optuna.embedded.store import find_installed_model
from llm_guided_optuna.exceptions import EmbeddedModelUnavailableError


_logger = get_logger(__name__)

READY_TIMEOUT_S = 300.0
THREADS_VARIABLE = "LLM_GUIDED_OPTUNA_THREADS"
RUNTIME_REQUIREMENT = "xllamacpp==2026.10.11549"


def wait_until_healthy(address: str, timeout_s: float) -> None:
    """Wait until llama.cpp's ``/health`` answers 200.

    The server object returns before its loop is ready; stopping it in that window can hang,
    and a first request can fail. So ``start`` returns only once the server answers.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(address + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise EmbeddedModelUnavailableError(
                f"the embedded model at {address} did not become ready"
            )
        time.sleep(0.02)


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # Not on Linux.
        return os.cpu_count() or 1


def _busy_jiffies() -> tuple[int, int]:
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def free_cores(window_s: float = 0.25) -> int:
    """Cores not busy right now: usable cores minus the machine's load over ``window_s``.

    Reads ``/proc/stat`` on Linux; elsewhere it subtracts the one-minute load average.
    """
    cores = _usable_cores()
    try:
        busy_before, total_before = _busy_jiffies()
        time.sleep(window_s)
        busy_after, total_after = _busy_jiffies()
        total_cores = os.cpu_count() or cores
        busy = total_cores * (busy_after - busy_before) / max(1, total_after - total_before)
    except (OSError, ValueError, IndexError):
        try:
            busy = os.getloadavg()[0]
        except (AttributeError, OSError):
            busy = 0.0
    return max(1, min(cores, cores - int(round(busy))))


def choose_thread_count(spec: EmbeddedModelSpec | None, requested: int | None = None) -> int:
    """Inference threads: ``requested``, else ``LLM_GUIDED_OPTUNA_THREADS``, else the free cores
    capped at the model's ``best_threads`` (2 for a GGUF without a registry entry)."""
    if requested:
        return requested
    from_environment = os.environ.get(THREADS_VARIABLE, "").strip()
    if from_environment:
        try:
            value = int(from_environment)
        except ValueError:
            raise ValueError(
                f"{THREADS_VARIABLE} must be a positive integer, got {from_environment!r}"
            ) from None
        if value < 1:
            raise ValueError(f"{THREADS_VARIABLE} must be a positive integer, got {value}")
        return value
    best = spec.best_threads if spec is not None else 2
    return max(1, min(best, free_cores()))


class EmbeddedModelServer:
    """llama.cpp's OpenAI-compatible server, in this process, on loopback.

    Args:
        model: An embedded model's registry name (default: the one ``model=None`` uses), or
            the path of any GGUF file (not checked against the registry: the user's own file).
        alias: The model name the server answers to (default: the registry's alias, or the
            file's name without ``.gguf``).
        host: The address to listen on (loopback by default).
        port: 0 lets the operating system choose a free port.
        parallel_requests: Requests served at once (threads of ``n_jobs > 1`` studies).
        context_per_request: Context tokens available to each request.
        n_threads: CPU threads for inference (default: see :func:`choose_thread_count`).

    Example:
        >>> with EmbeddedModelServer("smollm2-135m") as server:  # doctest: +SKIP
        ...     print(server.litellm_model, server.api_base)
        openai/smollm2-135m-instruct http://127.0.0.1:40123/v1
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        alias: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        parallel_requests: int = 4,
        context_per_request: int = 4096,
        n_threads: int | None = None,
    ) -> None:
        if model is None:
            from llm_guided_optuna.embedded.selection import default_embedded_model

            model = default_embedded_model().name
        if isinstance(model, str) and not model.endswith(".gguf"):
            self.spec: EmbeddedModelSpec | None = get_model_spec(model)
            self.model_path: Path | None = None
            default_alias = self.spec.alias
        else:
            self.spec = None
            self.model_path = Path(model)
            default_alias = self.model_path.name.removesuffix(".gguf")
        self.alias = alias or default_alias
        self.host = host
        self.port = port
        self.parallel_requests = parallel_requests
        self.context_per_request = context_per_request
        self._requested_threads = n_threads
        self.n_threads: int | None = n_threads
        self._server: Any = None
        self._address: str | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        """Whether the server is listening."""
        return self._server is not None

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` of the running server (starts it if needed)."""
        self.start()
        assert self._address is not None
        return self._address

    @property
    def api_base(self) -> str:
        """The OpenAI-compatible base URL, ``http://HOST:PORT/v1``."""
        return self.base_url + "/v1"

    @property
    def litellm_model(self) -> str:
        """The model string LiteLLM needs to reach this server."""
        return "openai/" + self.alias

    def _resolve_file(self) -> Path:
        if self.spec is not None:
            return find_installed_model(self.spec)
        assert self.model_path is not None
        if not self.model_path.is_file():
            raise EmbeddedModelUnavailableError(f"no GGUF file at {self.model_path}")
        return self.model_path

    def start(self) -> None:
        """Start the server if it is not running (idempotent, thread-safe)."""
        with self._lock:
            if self._server is not None:
                return
            xllamacpp = import_optional(
                "xllamacpp",
                EmbeddedModelUnavailableError,
                "the embedded model needs the llama.cpp runtime: "
                f'pip install "{RUNTIME_REQUIREMENT}"',
            )
            model_path = self._resolve_file()
            self.n_threads = choose_thread_count(self.spec, self._requested_threads)
            _logger.info(
                "Loading the embedded model %s (%s, %d inference thread%s)...",
                self.alias,
                model_path.name,
                self.n_threads,
                "" if self.n_threads == 1 else "s",
            )
            started = time.perf_counter()
            params = xllamacpp.CommonParams()
            params.model.path = str(model_path)
            params.model_alias = {self.alias}  # A set of names; a bare string would be split.
            params.hostnames = [self.host]
            params.port = self.port
            params.n_parallel = self.parallel_requests
            params.n_ctx = self.context_per_request * self.parallel_requests
            for cpu_params in (params.cpuparams, params.cpuparams_batch):
                cpu_params.n_threads = self.n_threads
                cpu_params.poll = 0  # Sleep, not spin, while waiting: other work shares the cores.
            params.verbosity = -1
            try:
                server = xllamacpp.Server(params)
            except Exception as error:  # noqa: BLE001 - native start-up errors vary.
                raise EmbeddedModelUnavailableError(
                    f"could not start the embedded model server with {model_path}: {error}"
                ) from error
            address = str(server.listening_address).rstrip("/")
            try:
                wait_until_healthy(address, READY_TIMEOUT_S)
            except EmbeddedModelUnavailableError:
                del server
                raise
            self._server = server
            self._address = address
            _logger.info(
                "Embedded model %s loaded in %.1f s, listening on %s",
                self.alias,
                time.perf_counter() - started,
                self._address,
            )

    def stop(self) -> None:
        """Stop the server and free its port (idempotent)."""
        with self._lock:
            server, self._server, self._address = self._server, None, None
        if server is not None:
            del server  # xllamacpp stops the server when the object is destroyed.

    def __enter__(self) -> EmbeddedModelServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


_shared_servers: dict[str, EmbeddedModelServer] = {}
_shared_lock = threading.Lock()


def get_embedded_server(model: str | os.PathLike[str] | None = None) -> EmbeddedModelServer:
    """The process-wide server of ``model`` (see :class:`EmbeddedModelServer`), started on first
    use and stopped at exit; one per model."""
    if model is None:
        from llm_guided_optuna.embedded.selection import default_embedded_model

        model = default_embedded_model().name
    key = os.fspath(model)
    with _shared_lock:
        server = _shared_servers.get(key)
        if server is None:
            server = EmbeddedModelServer(model)
            server.start()
            atexit.register(server.stop)
            _shared_servers[key] = server
        return server
