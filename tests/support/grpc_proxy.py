"""Optuna's gRPC storage proxy in a process of its own, for tests and benchmarks.

:class:`GrpcProxy` runs ``python -m tests.support.grpc_proxy --storage URL --port PORT``: that
process calls ``optuna.storages.run_grpc_proxy_server`` on ``127.0.0.1`` in front of an
``RDBStorage`` of ``URL``, wrapped in Optuna's in-process cache as
``optuna.storages.get_storage`` wraps it (``run_grpc_proxy_server``'s documentation asks for
that: a bare ``RDBStorage`` reads every trial of the study for each ``GetTrials``). Clients
connect with ``optuna.storages.GrpcStorageProxy(host="127.0.0.1", port=proxy.port)``.

The port is one the OS chooses (bound to ``127.0.0.1:0`` and released); if another process
takes it before the proxy binds it, the proxy exits and another port is tried, as
``postgres_cluster.PostgresCluster`` does. The proxy counts as started once a client's
``GetAllStudies`` call is answered.

Example::

    from tests.support.grpc_proxy import GrpcProxy
    from tests.support.postgres_cluster import PostgresCluster

    with PostgresCluster() as pg, GrpcProxy(pg.url) as proxy:
        storage = optuna.storages.GrpcStorageProxy(host=proxy.host, port=proxy.port)
        study = optuna.create_study(storage=storage)
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
import socket
import subprocess
import sys
import tempfile
import time
from types import TracebackType
import warnings

import optuna


ROOT = Path(__file__).resolve().parent.parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that the OS chose and that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class GrpcProxy:
    """A ``run_grpc_proxy_server`` process in front of PostgreSQL; use as a context manager.

    Parameters
    ----------
    url:
        SQLAlchemy URL of the database the proxy serves.
    startup_timeout:
        Seconds to wait for the proxy to answer its first request.
    log:
        File for the proxy's output; by default a temporary file, deleted by :meth:`close`.
    """

    def __init__(
        self, url: str, *, startup_timeout: float = 120.0, log: Path | None = None
    ) -> None:
        self.url = url
        self.host = HOST
        self.port: int | None = None
        self.startup_timeout = startup_timeout
        self._own_log = log is None
        if log is None:
            handle, name = tempfile.mkstemp(prefix="grpc-proxy-", suffix=".log")
            os.close(handle)
            log = Path(name)
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """``HOST:PORT`` of the running proxy."""
        if self.port is None:
            raise RuntimeError("GrpcProxy is not running")
        return f"{self.host}:{self.port}"

    def client(self) -> optuna.storages.GrpcStorageProxy:
        """A new ``GrpcStorageProxy`` connected to this proxy."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            assert self.port is not None, "the proxy is not started"
            return optuna.storages.GrpcStorageProxy(host=self.host, port=self.port)

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the proxy's output."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no proxy log)"

    def start(self) -> GrpcProxy:
        """Start the proxy and wait until it answers (at most three ports are tried)."""
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        try:
            for _ in range(3):
                self.port = free_port()
                with open(self.log, "ab") as handle:
                    self.process = subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "tests.support.grpc_proxy",
                            "--storage",
                            self.url,
                            "--port",
                            str(self.port),
                        ],
                        cwd=ROOT,
                        env=env,
                        stdout=handle,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                    )
                if self._wait_ready():
                    return self
            raise RuntimeError(f"the gRPC proxy did not start:\n{self.log_tail()}")
        except BaseException:
            self.close()
            raise

    def _wait_ready(self) -> bool:
        """Whether the proxy answered; False if it exited first (its port was taken)."""
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        client = self.client()
        try:
            while self.process.poll() is None:
                try:
                    client.wait_server_ready(timeout=1.0)
                    client.get_all_studies()
                    return True
                except ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the gRPC proxy did not answer within {self.startup_timeout} s:\n"
                        f"{self.log_tail()}"
                    )
            return False
        finally:
            client.close()

    def stop(self) -> None:
        """Stop the proxy process (SIGTERM, then SIGKILL after 30 s)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        self.process = None

    def close(self) -> None:
        """Stop the proxy and delete its temporary log."""
        self.stop()
        if self._own_log:
            self.log.unlink(missing_ok=True)

    def __enter__(self) -> GrpcProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def main() -> None:
    """Serve ``--storage`` through ``run_grpc_proxy_server`` on 127.0.0.1:``--port`` until
    killed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--storage", required=True, help="SQLAlchemy URL")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # INFO would log every trial
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    storage = optuna.storages.get_storage(optuna.storages.RDBStorage(args.storage))
    optuna.storages.run_grpc_proxy_server(storage, host=HOST, port=args.port)


if __name__ == "__main__":
    main()
