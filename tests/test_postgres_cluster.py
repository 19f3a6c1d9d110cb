"""Tests of the throw-away PostgreSQL helper in tests/support/postgres_cluster.py."""

from __future__ import annotations

import socket
import threading

import optuna
import psycopg2
import pytest


try:
    from tests.support import postgres_cluster as pgmod
    from tests.support.postgres_cluster import postgres_url  # noqa: F401 - fixture
    from tests.support.postgres_cluster import PostgresCluster  # noqa: F401 - fixture
except ImportError:  # tests/ is on sys.path instead of the repository root
    from support import postgres_cluster as pgmod
    from support.postgres_cluster import postgres_url  # noqa: F401 - fixture
    from support.postgres_cluster import PostgresCluster  # noqa: F401 - fixture

pytestmark = pytest.mark.postgres


def _objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -10.0, 10.0)
    n = trial.suggest_int("n", 1, 5)
    trial.set_user_attr("thread", threading.get_ident())
    return (x - 2.0) ** 2 + n


def test_optuna_rdb_storage_with_two_threads(postgres_url):
    assert postgres_url.startswith("postgresql+psycopg2://")
    assert "@127.0.0.1:" in postgres_url
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.RDBStorage(postgres_url)
    study = optuna.create_study(
        study_name="two-threads", storage=storage, sampler=optuna.samplers.RandomSampler(seed=0)
    )
    study.optimize(_objective, n_trials=5, n_jobs=2)

    reloaded = optuna.load_study(
        study_name="two-threads", storage=optuna.storages.RDBStorage(postgres_url)
    )
    trials = reloaded.get_trials(deepcopy=False)
    assert len(trials) == 5
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    assert sorted(t.number for t in trials) == list(range(5))
    assert all(set(t.params) == {"x", "n"} for t in trials)
    assert reloaded.best_value == min(t.value for t in trials)
    storage.remove_session()


def test_cluster_lifecycle_stops_and_cleans_up():
    cluster = PostgresCluster(dbname="lifecycle_db")
    with cluster as pg:
        assert pg.running
        assert pg.url == f"postgresql+psycopg2://postgres@127.0.0.1:{pg.port}/lifecycle_db"
        conn = psycopg2.connect(pg.dsn)
        try:
            with conn.cursor() as cursor:
                cursor.execute("SHOW fsync")
                assert cursor.fetchone() == ("off",)
                cursor.execute("SHOW listen_addresses")
                assert cursor.fetchone() == ("127.0.0.1",)
                cursor.execute("SELECT current_database()")
                assert cursor.fetchone() == ("lifecycle_db",)
        finally:
            conn.close()
        tmpdir, port = pg.tmpdir, pg.port
        assert tmpdir is not None and (tmpdir / "data" / "postmaster.pid").exists()
    assert not tmpdir.exists()
    assert not cluster.running
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    with pytest.raises(RuntimeError):
        _ = cluster.url


def test_missing_binaries_raise_runtime_error(monkeypatch, tmp_path):
    with pytest.raises(RuntimeError, match="scripts/install_postgres.sh"):
        PostgresCluster(bindir=str(tmp_path)).start()

    monkeypatch.setattr(pgmod.shutil, "which", lambda name: None)
    monkeypatch.setattr(pgmod, "_LOCAL_BIN_DIRS", (str(tmp_path),))
    monkeypatch.setattr(pgmod, "_DEBIAN_BIN_GLOB", str(tmp_path / "*" / "bin"))
    with pytest.raises(RuntimeError, match="scripts/install_postgres.sh"):
        pgmod.find_postgres_bindir()
