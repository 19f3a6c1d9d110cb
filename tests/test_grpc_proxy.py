"""Worker processes that reach PostgreSQL only through Optuna's gRPC storage proxy.

One ``optuna.storages.run_grpc_proxy_server`` process (``tests/support/grpc_proxy.py``) stands
in front of the test's PostgreSQL on 127.0.0.1; the workers (``tests/support/scale_out_worker.py
--grpc HOST:PORT``) are given its address only, never the database's, and use
``optuna.storages.GrpcStorageProxy`` as their storage. Their LLM is the fake OpenAI-compatible
server of ``tests/test_scale_out.py``. The tests read the outcome from the database directly.

Heartbeats do not pass the proxy in Optuna 5.0.0. ``Study.optimize`` records heartbeats and
fails stale trials only when ``study._storage`` is a ``BaseHeartbeat`` with an interval
(``optuna.storages._heartbeat.is_heartbeat_enabled``); ``GrpcStorageProxy`` subclasses
``BaseStorage`` only, and the proxy's protocol (``_grpc/auto_generated/api_pb2_grpc.py``) has
no heartbeat call among its 18 methods. Heartbeat settings on the proxy's own ``RDBStorage``
change nothing: no heartbeat row is ever written for a trial run through the proxy, and
``RDBStorage._get_stale_trial_ids`` skips trials without one. So a worker killed behind the
proxy leaves its trial ``RUNNING`` for good, and ``fail_stale_trials`` cannot find it. What
recovers it here is what the heartbeat callback does, done by the one who sees the worker die
(the test, standing for a process supervisor or a job scheduler): fail the worker's running
trials and enqueue each again with ``RetryHeartbeatStaleTrialCallback(max_retry=1)``
(:func:`fail_and_retry_running_trials_of`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
import json
from pathlib import Path
import sys
import warnings

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.storages import RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState
import pytest
import sqlalchemy

from llm_guided_optuna import study_statistics
from tests.support.fault_server import FaultServer
from tests.support.grpc_proxy import GrpcProxy
from tests.support.postgres_cluster import postgres_url  # noqa: F401 - fixture
from tests.support.schema_responder import RandomConfigurationResponder
from tests.test_scale_out import check_four_workers
from tests.test_scale_out import configuration
from tests.test_scale_out import kill_when_its_trial_hangs
from tests.test_scale_out import llm_trials
from tests.test_scale_out import PairingResponder
from tests.test_scale_out import start
from tests.test_scale_out import wait_all


optuna.logging.set_verbosity(optuna.logging.WARNING)
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def proxy(postgres_url: str, tmp_path: Path) -> Iterator[GrpcProxy]:  # noqa: F811 - the fixture
    """The gRPC proxy in front of the session's PostgreSQL, on a port the OS chose."""
    with GrpcProxy(postgres_url, log=tmp_path / "proxy.log") as running:
        yield running


def proxy_worker_command(
    proxy: GrpcProxy, study: str, api_base: str, name: str, *extra: str
) -> list[str]:
    """A worker that knows the proxy's address and nothing of the database."""
    return [
        sys.executable,
        "-m",
        "tests.support.scale_out_worker",
        "--grpc",
        proxy.address,
        "--study",
        study,
        "--api-base",
        api_base,
        "--name",
        name,
        *extra,
    ]


def fail_and_retry_running_trials_of(
    storage: optuna.storages.BaseStorage, study: optuna.Study, worker: str
) -> list[int]:
    """Fail the running trials of a worker known to be dead and enqueue each again, once.

    The two steps of Optuna's ``fail_stale_trials`` with
    ``RetryHeartbeatStaleTrialCallback(max_retry=1)``, for a storage without heartbeats: a
    trial is failed only if this call changed its state (another supervisor, or the worker,
    may have finished it), and only a trial failed here is retried. The worker's trials are
    those with its name in the user attribute ``worker``. Returns the failed trials' numbers.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        retry = RetryHeartbeatStaleTrialCallback(max_retry=1)
    failed = []
    for trial in study.get_trials(deepcopy=True, states=(TrialState.RUNNING,)):
        if trial.user_attrs.get("worker") != worker:
            continue
        try:
            if not storage.set_trial_state_values(trial._trial_id, TrialState.FAIL):
                continue
        except UpdateFinishedTrialError:
            continue
        retry(study, trial)
        failed.append(trial.number)
    return failed


def heartbeat_rows(url: str, study_id: int) -> int:
    """Rows of Optuna's ``trial_heartbeats`` table for the trials of a study."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sqlalchemy.text(
                    "SELECT count(*) FROM trial_heartbeats h "
                    "JOIN trials t ON t.trial_id = h.trial_id WHERE t.study_id = :study_id"
                ),
                {"study_id": study_id},
            ).scalar_one()
    finally:
        engine.dispose()


def test_four_workers_through_the_grpc_proxy(
    postgres_url: str,  # noqa: F811 - the fixture
    proxy: GrpcProxy,
    tmp_path: Path,
) -> None:
    """Four workers, 12 trials each, behind the proxy: the checks of the four-worker tests.

    ``check_four_workers`` (tests/test_scale_out.py) asserts that all 48 trials are in storage
    and complete (none lost), that no two trials have the same configuration or LLM proposal
    although the fake LLM gave concurrent requests the same ones (claims were refused), and
    that ``study_statistics`` equals the sum of the four samplers' ``get_statistics()``.
    """
    study_name = f"grpc-four-{tmp_path.name}"
    client = proxy.client()
    optuna.create_study(study_name=study_name, storage=client).set_user_attr(
        "problem_description", "a simulated CNN"
    )
    client.close()
    responder = PairingResponder(seed=3)
    names = [f"w{i}" for i in range(4)]
    logs = [tmp_path / f"{name}.log" for name in names]
    with FaultServer(responder=responder) as server:
        processes = [
            start(
                proxy_worker_command(
                    proxy,
                    study_name,
                    server.base_url,
                    name,
                    "--seed",
                    str(i),
                    "--trials",
                    "12",
                    "--stats-out",
                    str(tmp_path / f"{name}.json"),
                ),
                log,
            )
            for i, (name, log) in enumerate(zip(names, logs))
        ]
        wait_all(processes, logs)
        requests = server.requests
    worker_stats = [json.loads((tmp_path / f"{name}.json").read_text()) for name in names]

    assert proxy.process is not None and proxy.process.poll() is None, proxy.log_tail()
    # Read from the database itself, not through the proxy.
    study = optuna.load_study(
        study_name=study_name, storage=optuna.storages.RDBStorage(postgres_url)
    )
    check_four_workers(study, (responder, requests), worker_stats)


def test_a_killed_worker_behind_the_proxy_is_failed_by_its_supervisor_and_retried(
    postgres_url: str,  # noqa: F811 - the fixture
    proxy: GrpcProxy,
    tmp_path: Path,
) -> None:
    study_name = f"grpc-kill-{tmp_path.name}"
    total = 16
    optuna.create_study(study_name=study_name, storage=optuna.storages.RDBStorage(postgres_url))
    database = optuna.load_study(
        study_name=study_name, storage=optuna.storages.RDBStorage(postgres_url)
    )
    with FaultServer(responder=RandomConfigurationResponder(seed=5)) as server:
        common = ["--total", str(total), "--trial-seconds", "0.3"]
        victim = start(
            proxy_worker_command(
                proxy,
                study_name,
                server.base_url,
                "victim",
                "--seed",
                "1",
                "--hang-at",
                "2",
                *common,
            ),
            tmp_path / "victim.log",
        )
        survivor = start(
            proxy_worker_command(
                proxy, study_name, server.base_url, "survivor", "--seed", "2", *common
            ),
            tmp_path / "survivor.log",
        )
        hung = kill_when_its_trial_hangs(database, victim)
        # The supervisor saw the worker die; it reaches the study through the proxy, as the worker
        # did.
        supervisor_storage = proxy.client()
        supervisor_study = optuna.load_study(study_name=study_name, storage=supervisor_storage)
        assert fail_and_retry_running_trials_of(
            supervisor_storage, supervisor_study, "victim"
        ) == [hung.number]
        assert (
            fail_and_retry_running_trials_of(supervisor_storage, supervisor_study, "victim") == []
        )
        supervisor_storage.close()
        # A restarted worker runs 4 trials of its own: the retry (unless the survivor takes it) and
        # new ones.
        restarted = start(
            proxy_worker_command(
                proxy, study_name, server.base_url, "restarted", "--seed", "3", "--trials", "4"
            ),
            tmp_path / "restarted.log",
        )
        wait_all([survivor, restarted], [tmp_path / "survivor.log", tmp_path / "restarted.log"])

    trials = database.trials
    states = Counter(t.state for t in trials)
    # The killed trial is failed, nothing is left running or waiting, nothing else failed.
    assert trials[hung.number].state == TrialState.FAIL
    assert (
        states[TrialState.FAIL] == 1
        and states[TrialState.RUNNING] == 0
        and states[TrialState.WAITING] == 0
    )
    assert states[TrialState.COMPLETE] >= total and len(trials) == states[TrialState.COMPLETE] + 1
    # Its configuration was retried once, by a live worker, with the same parameters.
    retries = [t for t in trials if t.system_attrs.get("failed_trial") == hung.number]
    assert len(retries) == 1 and retries[0].state == TrialState.COMPLETE
    assert retries[0].params == trials[hung.number].params
    assert retries[0].user_attrs["worker"] in ("survivor", "restarted")
    # The restarted worker ran its 4 trials, and its sampler asked the LLM for the new ones.
    assert Counter(t.user_attrs.get("worker") for t in trials)["restarted"] == 4
    assert [t for t in llm_trials(database) if t.user_attrs["worker"] == "restarted"]
    # No configuration was proposed twice.
    proposals = [configuration(t.user_attrs["llm_proposal"]) for t in llm_trials(database)]
    assert len(set(proposals)) == len(proposals)
    summary = study_statistics(database)
    assert summary["trials"]["fail"] == 1 and summary["trials"]["retried"] == 1
    assert (
        summary["llm_proposals"]["used"] == summary["llm_proposals"]["distinct"] == len(proposals)
    )
    # Why the supervisor had to step in: no heartbeat of any trial reached the database.
    assert heartbeat_rows(postgres_url, database._study_id) == 0
