"""A throw-away PostgreSQL cluster for tests of Optuna's ``RDBStorage``.

:class:`PostgresCluster` runs ``initdb`` into a fresh temporary directory,
starts ``postgres`` on ``127.0.0.1`` at a free port (unix socket inside the
temporary directory, ``trust`` authentication, ``fsync=off``), waits until a
connection succeeds, creates a database and exposes an SQLAlchemy URL. On exit
it stops the server with ``pg_ctl stop -m fast`` and deletes the directory.

The binaries (``initdb``, ``pg_ctl``, ``postgres``) are looked up on ``PATH``,
in ``/usr/local/bin``, ``/usr/lib/postgresql/*/bin`` (newest first) and in
``pg_config --bindir``. If none is found a :class:`RuntimeError` says to run
``scripts/install_postgres.sh``; tests are never skipped silently.

``initdb`` refuses to run as root, so when the tests run as root the server
programs run as the ``postgres`` OS user (through ``runuser``, or ``su``),
and the temporary directory is handed to that user.

Example::

    import optuna
    from tests.support.postgres_cluster import PostgresCluster

    with PostgresCluster() as pg:
        storage = optuna.storages.RDBStorage(pg.url)
        study = optuna.create_study(storage=storage)

In a ``conftest.py``, re-export the session-scoped fixture::

    from tests.support.postgres_cluster import postgres_url  # noqa: F401

    def test_something(postgres_url):
        ...  # "postgresql+psycopg2://postgres@127.0.0.1:PORT/optuna_test"
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Iterator
from typing import Sequence


try:
    import pytest
except ImportError:  # usable from plain scripts too; the fixture then is not defined
    pytest = None  # type: ignore[assignment]

__all__ = ["PostgresCluster", "find_postgres_bindir", "postgres_url"]

INSTALL_HINT = (
    "run scripts/install_postgres.sh (installs the Debian 'postgresql' package) and retry"
)
_REQUIRED = ("initdb", "pg_ctl", "postgres")
_LOCAL_BIN_DIRS = ("/usr/local/bin",)
_DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def _has_binaries(directory: str) -> bool:
    return all(os.access(os.path.join(directory, name), os.X_OK) for name in _REQUIRED)


def _version_key(directory: str) -> tuple[int, ...]:
    match = re.search(r"/postgresql/(\d+)(?:\.(\d+))?/", directory + "/")
    return tuple(int(part) for part in match.groups() if part) if match else (0,)


def find_postgres_bindir() -> str:
    """Return a directory holding ``initdb``, ``pg_ctl`` and ``postgres``.

    Raises :class:`RuntimeError` naming ``scripts/install_postgres.sh`` when
    there is none.
    """
    candidates: list[str] = []
    on_path = shutil.which("initdb")
    if on_path:
        # Resolve /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb so
        # that pg_ctl finds its sibling ``postgres``.
        candidates += [os.path.dirname(os.path.realpath(on_path)), os.path.dirname(on_path)]
    for directory in _LOCAL_BIN_DIRS:
        initdb = os.path.join(directory, "initdb")
        if os.path.exists(initdb):
            candidates += [os.path.dirname(os.path.realpath(initdb)), directory]
    candidates += sorted(glob.glob(_DEBIAN_BIN_GLOB), key=_version_key, reverse=True)
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            bindir = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if bindir:
                candidates.append(bindir)
        except (OSError, subprocess.SubprocessError):
            pass
    for directory in candidates:
        if _has_binaries(directory):
            return directory
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH, in "
        "/usr/local/bin, /usr/lib/postgresql/*/bin or `pg_config --bindir` "
        f"(looked in: {candidates or 'nothing'}); " + INSTALL_HINT
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresCluster:
    """Start a disposable PostgreSQL server; use as a context manager.

    Parameters
    ----------
    dbname:
        Database created after start-up (``url`` points at it).
    user:
        Name of the bootstrap superuser (``initdb -U``); connections use it
        with ``trust`` authentication, so no password.
    bindir:
        Directory of the server binaries; found automatically by default.
    startup_timeout:
        Seconds to wait for the server to accept connections.
    settings:
        Extra ``postgresql.conf`` settings, e.g. ``{"max_connections": 200}``.
    """

    def __init__(
        self,
        dbname: str = "optuna_test",
        *,
        user: str = "postgres",
        bindir: str | None = None,
        startup_timeout: float = 60.0,
        settings: dict[str, object] | None = None,
    ) -> None:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", dbname) or not re.fullmatch(
            r"[A-Za-z_][A-Za-z0-9_]*", user
        ):
            raise ValueError("dbname and user must be plain SQL identifiers")
        self.dbname = dbname
        self.user = user
        self.bindir = bindir
        self.startup_timeout = startup_timeout
        self.settings = dict(settings or {})
        self.host = "127.0.0.1"
        self.port: int | None = None
        self.tmpdir: Path | None = None
        self._started = False
        self._run_as: str | None = None

    # -- paths ---------------------------------------------------------------
    @property
    def datadir(self) -> Path:
        assert self.tmpdir is not None, "cluster not started"
        return self.tmpdir / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.tmpdir is not None, "cluster not started"
        return self.tmpdir / "sock"

    @property
    def logfile(self) -> Path:
        assert self.tmpdir is not None, "cluster not started"
        return self.tmpdir / "postgres.log"

    @property
    def url(self) -> str:
        """SQLAlchemy URL ``postgresql+psycopg2://USER@127.0.0.1:PORT/DBNAME``."""
        if not self._started:
            raise RuntimeError("PostgresCluster is not running")
        return f"postgresql+psycopg2://{self.user}@{self.host}:{self.port}/{self.dbname}"

    @property
    def dsn(self) -> str:
        """libpq connection string for psycopg2.connect()."""
        return f"host={self.host} port={self.port} user={self.user} dbname={self.dbname}"

    # -- process helpers -----------------------------------------------------
    def _command(self, args: Sequence[str]) -> list[str]:
        if self._run_as is None:
            return list(args)
        if shutil.which("runuser"):
            return ["runuser", "-u", self._run_as, "--", *args]
        return ["su", "-s", "/bin/sh", self._run_as, "-c", shlex.join(args)]

    def _run(
        self, args: Sequence[str], timeout: float = 120.0
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self._command(args),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            cwd=str(self.tmpdir) if self.tmpdir else None,
        )
        return result

    def _bin(self, name: str) -> str:
        assert self.bindir is not None
        return os.path.join(self.bindir, name)

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def _prepare_tmpdir(self) -> Path:
        if os.geteuid() != 0:
            return Path(tempfile.mkdtemp(prefix="pgtest-"))
        import pwd

        try:
            entry = pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError(
                "running as root, but there is no 'postgres' OS user to run initdb as; "
                + INSTALL_HINT
            ) from None
        self._run_as = "postgres"
        parent = tempfile.gettempdir()
        # The postgres user must be able to traverse every ancestor directory.
        if not all(os.stat(p).st_mode & 0o001 for p in [parent, *map(str, Path(parent).parents)]):
            parent = "/tmp"
        path = Path(tempfile.mkdtemp(prefix="pgtest-", dir=parent))
        os.chown(path, entry.pw_uid, entry.pw_gid)
        return path

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> "PostgresCluster":
        if self._started:
            return self
        if self.bindir is None:
            self.bindir = find_postgres_bindir()
        elif not _has_binaries(self.bindir):
            raise RuntimeError(f"{self.bindir} lacks one of {_REQUIRED}; " + INSTALL_HINT)
        self.tmpdir = self._prepare_tmpdir()
        try:
            self._initdb()
            last_error: Exception | None = None
            for _ in range(3):  # a free port can be taken between probing and binding
                self.port = _free_port()
                self._write_config()
                try:
                    self._start_server()
                    break
                except _PortInUse as error:
                    last_error = error
            else:
                raise RuntimeError(f"could not start PostgreSQL: {last_error}")
            self._started = True
            self._create_database()
        except BaseException:
            self.stop()
            raise
        return self

    def _initdb(self) -> None:
        os.makedirs(self.socket_dir, exist_ok=True)
        if self._run_as is not None:
            import pwd

            entry = pwd.getpwnam(self._run_as)
            os.chown(self.socket_dir, entry.pw_uid, entry.pw_gid)
        result = self._run(
            [
                self._bin("initdb"),
                "-D",
                str(self.datadir),
                "-U",
                self.user,
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
                "--no-instructions",
            ]
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"initdb failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )

    def _write_config(self) -> None:
        settings: dict[str, object] = {
            "listen_addresses": "127.0.0.1",
            "port": self.port,
            "unix_socket_directories": str(self.socket_dir),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": 100,
            "shared_buffers": "32MB",
            "logging_collector": "off",
        }
        settings.update(self.settings)
        lines = []
        for key, value in settings.items():
            if isinstance(value, bool):
                value = "on" if value else "off"
            quoted = "'" + str(value).replace("\\", "\\\\").replace("'", "''") + "'"
            lines.append(f"{key} = {quoted}")  # quoting is valid for every setting type
        conf = self.datadir / "postgresql.auto.conf"
        # postgresql.auto.conf is read last, so these win; written by the test
        # process (root or not) and readable by the server user.
        conf.write_text(
            "# written by tests/support/postgres_cluster.py\n" + "\n".join(lines) + "\n"
        )
        if self._run_as is not None:
            import pwd

            entry = pwd.getpwnam(self._run_as)
            os.chown(conf, entry.pw_uid, entry.pw_gid)
        os.chmod(conf, 0o600)

    def _start_server(self) -> None:
        import psycopg2

        if self.logfile.exists():
            self.logfile.unlink()
        if self._run_as is not None:
            # The server user must be able to create its log file.
            self.logfile.touch()
            import pwd

            entry = pwd.getpwnam(self._run_as)
            os.chown(self.logfile, entry.pw_uid, entry.pw_gid)
        result = self._run(
            [self._bin("pg_ctl"), "-D", str(self.datadir), "-l", str(self.logfile), "-W", "start"]
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"pg_ctl start failed ({result.returncode}):\n{result.stderr}\n{self._log_tail()}"
            )
        deadline = time.monotonic() + self.startup_timeout
        delay = 0.02
        while True:
            try:
                conn = psycopg2.connect(
                    host=self.host,
                    port=self.port,
                    user=self.user,
                    dbname="postgres",
                    connect_timeout=2,
                )
                conn.close()
                return
            except psycopg2.OperationalError as error:
                last = str(error).strip()
            log = self._log_tail()
            if "could not bind" in log or "Address already in use" in log:
                self._stop_server(mode="immediate")
                raise _PortInUse(log)
            if (
                not self._postmaster_alive()
                and time.monotonic() > deadline - self.startup_timeout + 1.0
            ):
                raise RuntimeError(f"PostgreSQL exited during start-up: {last}\n{log}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"PostgreSQL did not accept connections within {self.startup_timeout}s: "
                    f"{last}\n{log}"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 0.2)

    def _postmaster_alive(self) -> bool:
        pid_file = self.datadir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def _create_database(self) -> None:
        import psycopg2

        conn = psycopg2.connect(host=self.host, port=self.port, user=self.user, dbname="postgres")
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{self.dbname}"')
        finally:
            conn.close()

    @property
    def running(self) -> bool:
        """Whether the server process is alive (``pg_ctl status``)."""
        if self.tmpdir is None or not self.datadir.exists():
            return False
        return (
            self._run(
                [self._bin("pg_ctl"), "-D", str(self.datadir), "status"], timeout=30
            ).returncode
            == 0
        )

    def _stop_server(self, mode: str = "fast") -> bool:
        if self.tmpdir is None or not (self.datadir / "postmaster.pid").exists():
            return True
        result = self._run(
            [self._bin("pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "-t", "30", "stop"],
            timeout=60,
        )
        return result.returncode == 0 or not self._postmaster_alive()

    def stop(self) -> None:
        """Stop the server (``pg_ctl stop -m fast``) and delete the directory."""
        try:
            if self.tmpdir is not None and self.datadir.exists():
                if not self._stop_server("fast"):
                    self._stop_server("immediate")
        finally:
            self._started = False
            if self.tmpdir is not None:
                shutil.rmtree(self.tmpdir, ignore_errors=True)

    close = stop

    def __enter__(self) -> "PostgresCluster":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _PortInUse(RuntimeError):
    pass


if pytest is not None:

    @pytest.fixture(scope="session")
    def postgres_url() -> Iterator[str]:
        """Session-scoped SQLAlchemy URL of a throw-away PostgreSQL database."""
        with PostgresCluster() as cluster:
            yield cluster.url
