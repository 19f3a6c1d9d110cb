"""Many worker processes on one study: PostgreSQL, a journal file, claims, kill -9, statistics.

The workers are real processes (``tests/support/scale_out_worker.py``) sharing a study through a
PostgreSQL cluster that the tests start themselves (``tests/support/postgres_cluster.py``) or
through Optuna's journal file storage. Their LLM is a fake OpenAI-compatible server in this
process that answers concurrent requests *in pairs with the same configurations*, so that two
workers regularly try to claim the same configuration at the same moment: only the claim made
in storage (``claims.claim_in_storage``) keeps them apart. One test runs the real embedded
model, served once by ``llm-optuna serve`` for all workers.
"""

from __future__ import annotations

from collections import Counter
import json
import logging
import os
from pathlib import Path
import re
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import optuna
from optuna.trial import TrialState
import pytest

from llm_guided_optuna import study_statistics
from llm_guided_optuna._attrs import CLAIM_ATTR
from llm_guided_optuna._attrs import LLM_SOURCES
from llm_guided_optuna._proposal.claims import claim_in_storage
from llm_guided_optuna._proposal.claims import ConfigurationClaims
from llm_guided_optuna._stats import SamplerStatistics
from tests.support.fault_server import FaultServer
from tests.support.postgres_cluster import postgres_url  # noqa: F401 - fixture
from tests.support.schema_responder import RandomConfigurationResponder
from tests.support.schema_responder import request_schema


optuna.logging.set_verbosity(optuna.logging.WARNING)
ROOT = Path(__file__).resolve().parent.parent
WORKER_TIMEOUT_S = 240.0
SUMMED_COUNTERS = (
    "proposals_requested",
    "llm_successes",
    "llm_calls",
    "llm_requests",
    "llm_params",
    "optimizer_params",
    "optimizer_trials",
    "fallback_uses",
    "batched_proposals_used",
    "clamped_values",
    "adjusted_values",
    "replay_hits",
)


# ------------------------------------------------------------------------------ helpers


class PairingResponder:
    """Gives two concurrent requests with the same schema the very same configurations.

    The first request of a pair waits (at most ``wait_s``) for a second one; both then get
    one batch of random valid configurations. Unpaired requests get their own batch.
    """

    def __init__(self, seed: int = 0, wait_s: float = 1.0) -> None:
        self._random = RandomConfigurationResponder(seed)
        self._cond = threading.Condition()
        self._open: dict[str, dict[str, Any]] = {}
        self.wait_s = wait_s
        self.pairs = 0

    def __call__(self, request: dict[str, Any]) -> str:
        schema = json.dumps(request_schema(request), sort_keys=True)
        with self._cond:
            slot = self._open.pop(schema, None)
            if slot is not None:
                slot["paired"] = True
                self.pairs += 1
                self._cond.notify_all()
                return slot["answer"]
            slot = {"answer": self._random(request), "paired": False}
            self._open[schema] = slot
            self._cond.wait_for(lambda: slot["paired"], timeout=self.wait_s)
            if self._open.get(schema) is slot:
                del self._open[schema]
            return slot["answer"]


def worker_command(
    storage: dict[str, str], study: str, api_base: str, name: str, *extra: str
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tests.support.scale_out_worker",
        *storage_args(storage),
        "--study",
        study,
        "--api-base",
        api_base,
        "--name",
        name,
        *extra,
    ]


def storage_args(storage: dict[str, str]) -> list[str]:
    return (
        ["--journal", storage["journal"]]
        if "journal" in storage
        else ["--storage", storage["url"]]
    )


def open_storage(storage: dict[str, str]) -> optuna.storages.BaseStorage:
    if "journal" in storage:
        return optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(storage["journal"])
        )
    return optuna.storages.RDBStorage(storage["url"])


def start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    handle = open(log, "wb")  # noqa: SIM115 - closed with the process by the test
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def wait_all(processes: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    deadline = time.monotonic() + WORKER_TIMEOUT_S
    for process, log in zip(processes, logs):
        try:
            process.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for other in processes:
                other.kill()
            pytest.fail(f"a worker did not finish in time:\n{log.read_text()[-3000:]}")
        assert process.returncode == 0, log.read_text()[-3000:]


def poll(condition, timeout_s: float, what: str) -> Any:
    """Poll ``condition()`` until it returns something true, failing after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    delay = 0.05
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)


def kill_when_its_trial_hangs(
    study: optuna.Study, victim: subprocess.Popen[bytes]
) -> optuna.trial.FrozenTrial:
    """Wait until ``victim``'s trial hangs (a running trial with the ``hanging`` attribute),
    kill the worker with SIGKILL and return that trial as it was."""

    def hanging_trial() -> optuna.trial.FrozenTrial | None:
        running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        return next((t for t in running if t.user_attrs.get("hanging")), None)

    hung = poll(hanging_trial, WORKER_TIMEOUT_S, "the victim's trial to hang")
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    return hung


def llm_trials(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    """Trials whose configuration the LLM proposed (not re-runs of failed trials)."""
    return [
        t
        for t in study.trials
        if t.user_attrs.get("llm_source") in LLM_SOURCES and "failed_trial" not in t.system_attrs
    ]


def configuration(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True)


def summed(stats: list[dict[str, Any]], name: str) -> Any:
    values = [s["sampler_stats"][name] for s in stats]
    if isinstance(values[0], dict):
        total: Counter[str] = Counter()
        for value in values:
            total.update(value)
        return dict(total)
    return sum(values)


@pytest.fixture
def journal_storage(tmp_path) -> dict[str, str]:
    return {"journal": str(tmp_path / "journal.log")}


@pytest.fixture
def postgres_storage(postgres_url) -> dict[str, str]:  # noqa: F811 - the fixture
    return {"url": postgres_url}


# ----------------------------------------------------------- the claim, step by step


class TwoWorkers:
    """Two storage objects on one journal file: two "processes" in one test."""

    def __init__(self, path: Path) -> None:
        backend = str(path)
        self.a = optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(backend)
        )
        self.b = optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(backend)
        )
        study = optuna.create_study(storage=self.a)
        self.study_id = study._study_id
        self.first = study.ask()._trial_id  # number 0
        self.second = study.ask()._trial_id  # number 1

    def trial(
        self, storage: optuna.storages.BaseStorage, trial_id: int
    ) -> optuna.trial.FrozenTrial:
        return storage.get_trial(trial_id)


KEY = ("x=0.5", "y='a'")


def test_simultaneous_claims_of_one_configuration_have_one_winner(tmp_path) -> None:
    """Both trials write their marker before either reads (a forced race): the lower wins."""
    two = TwoWorkers(tmp_path / "journal.log")
    barrier = threading.Barrier(2, timeout=30)
    results: dict[str, bool] = {}

    def claim(storage: optuna.storages.BaseStorage, trial_id: int, label: str) -> None:
        read = storage.get_all_trials
        first_read = [True]

        def read_after_both_wrote(*args: Any, **kwargs: Any) -> list[optuna.trial.FrozenTrial]:
            if first_read[0]:
                first_read[0] = False
                barrier.wait()
            return read(*args, **kwargs)

        storage.get_all_trials = read_after_both_wrote  # type: ignore[method-assign]
        results[label] = claim_in_storage(storage, two.study_id, two.trial(storage, trial_id), KEY)

    threads = [
        threading.Thread(target=claim, args=(two.b, two.second, "second")),
        threading.Thread(target=claim, args=(two.a, two.first, "first")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == {"first": True, "second": False}
    markers = {
        t.number: t.system_attrs[CLAIM_ATTR]["state"] for t in two.a.get_all_trials(two.study_id)
    }
    assert markers == {0: "won", 1: "lost"}


def test_a_lower_trial_loses_to_a_higher_one_that_already_won(tmp_path) -> None:
    """The lowest number does not always win: a configuration already won stays won."""
    two = TwoWorkers(tmp_path / "journal.log")
    assert claim_in_storage(two.b, two.study_id, two.trial(two.b, two.second), KEY) is True
    assert claim_in_storage(two.a, two.study_id, two.trial(two.a, two.first), KEY) is False
    assert (
        claim_in_storage(two.a, two.study_id, two.trial(two.a, two.first), ("x=0.6", "y='a'"))
        is True
    )


def test_a_lower_trial_waits_while_a_higher_one_decides(tmp_path) -> None:
    two = TwoWorkers(tmp_path / "journal.log")
    release = threading.Event()
    reads_by_first = [0]
    results: dict[str, bool] = {}
    read_b, read_a = two.b.get_all_trials, two.a.get_all_trials

    def b_reads_when_released(*args: Any, **kwargs: Any) -> list[optuna.trial.FrozenTrial]:
        release.wait(30)
        return read_b(*args, **kwargs)

    def a_reads(*args: Any, **kwargs: Any) -> list[optuna.trial.FrozenTrial]:
        reads_by_first[0] += 1
        return read_a(*args, **kwargs)

    two.b.get_all_trials = b_reads_when_released  # type: ignore[method-assign]
    two.a.get_all_trials = a_reads  # type: ignore[method-assign]
    second = threading.Thread(
        target=lambda: results.update(
            second=claim_in_storage(two.b, two.study_id, two.trial(two.b, two.second), KEY)
        )
    )
    second.start()
    poll(
        lambda: CLAIM_ATTR in two.a.get_trial(two.second).system_attrs,
        30,
        "the second trial's marker",
    )
    first = threading.Thread(
        target=lambda: results.update(
            first=claim_in_storage(two.a, two.study_id, two.trial(two.a, two.first), KEY)
        )
    )
    first.start()
    poll(lambda: reads_by_first[0] >= 3, 30, "the first trial to read again while waiting")
    assert "first" not in results  # Still waiting for the second trial to decide.
    release.set()
    first.join(timeout=60)
    second.join(timeout=60)
    assert results == {"first": True, "second": False}


def test_a_claim_gives_up_on_a_dead_worker_and_ignores_it_once_failed(
    tmp_path, optuna_logs
) -> None:
    two = TwoWorkers(tmp_path / "journal.log")
    # The worker of trial 1 wrote its marker and died before deciding.
    two.b.set_trial_system_attr(two.second, CLAIM_ATTR, {"key": list(KEY), "state": "pending"})
    with optuna_logs.at_level(logging.WARNING):
        assert (
            claim_in_storage(two.a, two.study_id, two.trial(two.a, two.first), KEY, wait_s=0.3)
            is False
        )
    assert any("did its worker die" in message for message in optuna_logs.messages())
    two.b.set_trial_state_values(two.second, TrialState.FAIL)  # What the heartbeat does.
    assert claim_in_storage(two.a, two.study_id, two.trial(two.a, two.first), KEY) is True


def test_claims_go_to_storage_only_when_storage_is_shared(tmp_path) -> None:
    in_memory = optuna.create_study()
    trial = in_memory.ask()
    claims = ConfigurationClaims(SamplerStatistics())
    assert claims.claim(
        KEY, set(), study=in_memory, trial=in_memory._storage.get_trial(trial._trial_id)
    )
    assert CLAIM_ATTR not in in_memory.trials[0].system_attrs

    two = TwoWorkers(tmp_path / "journal.log")
    study = optuna.load_study(study_name=two.a.get_study_name_from_id(two.study_id), storage=two.a)
    stats = SamplerStatistics()
    other = ConfigurationClaims(stats)
    assert other.claim(KEY, set(), study=study, trial=two.trial(two.a, two.second)) is True
    # Another process (another recorder) claims the same configuration for another trial.
    assert (
        ConfigurationClaims(stats).claim(
            KEY, set(), study=study, trial=two.trial(two.a, two.first)
        )
        is False
    )
    assert stats.snapshot()["claim_conflicts"] == 1


# ----------------------------------------------------------------- four worker processes


def run_four_workers(
    storage: dict[str, str], tmp_path: Path, trials_each: int = 12
) -> tuple[optuna.Study, Any, list]:
    study_name = f"four-workers-{tmp_path.name}"
    study = optuna.create_study(study_name=study_name, storage=open_storage(storage))
    study.set_user_attr("problem_description", "a simulated CNN")
    responder = PairingResponder(seed=3)
    with FaultServer(responder=responder) as server:
        names = [f"w{i}" for i in range(4)]
        logs = [tmp_path / f"{name}.log" for name in names]
        processes = [
            start(
                worker_command(
                    storage,
                    study_name,
                    server.base_url,
                    name,
                    "--seed",
                    str(i),
                    "--trials",
                    str(trials_each),
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
    study = optuna.load_study(study_name=study_name, storage=open_storage(storage))
    return study, (responder, requests), worker_stats


def check_four_workers(study: optuna.Study, fake: Any, worker_stats: list[dict[str, Any]]) -> None:
    responder, requests = fake
    trials = study.trials
    # All trials accounted for: 4 x 12, every one complete, numbered without gaps.
    assert len(trials) == 48 and sorted(t.number for t in trials) == list(range(48))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert Counter(t.user_attrs["worker"] for t in trials) == {
        "w0": 12,
        "w1": 12,
        "w2": 12,
        "w3": 12,
    }

    # The LLM proposed most configurations, and no two trials got the same one ...
    proposed = llm_trials(study)
    assert len(proposed) >= 40
    assert len({configuration(t.user_attrs["llm_proposal"]) for t in proposed}) == len(proposed)
    assert len({configuration(t.params) for t in trials}) == len(trials)
    # ... although the fake LLM handed the same configurations to two workers at once, again
    # and again: the claims in storage refused the second taker each time.
    conflicts = sum(s["sampler_stats"].get("claim_conflicts", 0) for s in worker_stats)
    assert responder.pairs >= 3 and conflicts >= 1

    # Each worker's prompt showed the trials other workers were running.
    worker_of = {t.number: t.user_attrs["worker"] for t in trials}
    seen_foreign = False
    for request in requests:
        asker = request.headers.get("Authorization", "").removeprefix("Bearer sk-")
        text = request.body["messages"][1]["content"]
        if "## Running now" in text:
            section = text.split("## Running now", 1)[1].split("\n## ", 1)[0]
            running = [int(n) for n in re.findall(r"^#(\d+) running", section, flags=re.MULTILINE)]
            seen_foreign |= any(worker_of[n] != asker for n in running)
    assert seen_foreign

    # Statistics from storage sum those of the four samplers.
    summary = study_statistics(study)
    stats = summary["sampler_stats"]
    for name in SUMMED_COUNTERS:
        assert stats[name] == summed(worker_stats, name), name
    assert stats["failures"] == summed(worker_stats, "failures")
    assert stats["fallback_reasons"] == summed(worker_stats, "fallback_reasons")
    assert stats["optimizer_reasons"] == summed(worker_stats, "optimizer_reasons")
    assert stats["llm_successes"] == len(proposed)
    assert stats["success_rate"] == pytest.approx(
        stats["llm_successes"] / stats["proposals_requested"]
    )
    # Tokens and time of calls that ended in a failure are in storage only where the sampler
    # records them (provenance.failure_usage); all others are exact.
    failed_calls_recorded = all(
        "latency_s" in t.user_attrs["llm_call"]
        for t in trials
        if "error" in t.user_attrs.get("llm_call", {})
    )
    for name in ("prompt_tokens", "completion_tokens"):
        assert 0 < stats[name] <= summed(worker_stats, name)
        assert stats[name] == summed(worker_stats, name) or not failed_calls_recorded, name
    seconds, summed_seconds = stats["llm_seconds"], summed(worker_stats, "llm_seconds")
    assert 0 < seconds <= summed_seconds + 1e-3 * stats["llm_calls"]
    assert (
        seconds == pytest.approx(summed_seconds, abs=1e-3 * stats["llm_calls"])
        or not failed_calls_recorded
    )
    assert summary["trials"]["complete"] == 48 and summary["trials"]["running"] == 0
    assert summary["llm_proposals"] == {"used": len(proposed), "distinct": len(proposed)}


@pytest.mark.postgres
def test_four_workers_on_postgres(postgres_storage, tmp_path) -> None:
    check_four_workers(*run_four_workers(postgres_storage, tmp_path))


def test_four_workers_on_a_journal_file(journal_storage, tmp_path) -> None:
    check_four_workers(*run_four_workers(journal_storage, tmp_path))


# ----------------------------------------------------------------------- kill -9


@pytest.mark.postgres
def test_a_killed_worker_leaves_a_failed_trial_and_a_restarted_worker_resumes(
    postgres_storage, tmp_path
) -> None:
    study_name = f"kill-{tmp_path.name}"
    total = 16
    optuna.create_study(study_name=study_name, storage=open_storage(postgres_storage))
    with FaultServer(responder=RandomConfigurationResponder(seed=5)) as server:
        common = [
            "--total",
            str(total),
            "--heartbeat",
            "1",
            "--grace",
            "2",
            "--trial-seconds",
            "0.3",
        ]
        victim = start(
            worker_command(
                postgres_storage,
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
            worker_command(
                postgres_storage, study_name, server.base_url, "survivor", "--seed", "2", *common
            ),
            tmp_path / "survivor.log",
        )
        study = optuna.load_study(study_name=study_name, storage=open_storage(postgres_storage))
        hung = kill_when_its_trial_hangs(study, victim)
        killed_at = time.time()
        restarted = start(
            worker_command(
                postgres_storage, study_name, server.base_url, "restarted", "--seed", "3", *common
            ),
            tmp_path / "restarted.log",
        )
        wait_all([survivor, restarted], [tmp_path / "survivor.log", tmp_path / "restarted.log"])

    trials = study.trials
    states = Counter(t.state for t in trials)
    # The killed trial is failed (by the heartbeat), nothing is left running or waiting.
    assert study.trials[hung.number].state == TrialState.FAIL
    assert (
        states[TrialState.FAIL] == 1
        and states[TrialState.RUNNING] == 0
        and states[TrialState.WAITING] == 0
    )
    assert states[TrialState.COMPLETE] >= total and len(trials) == states[TrialState.COMPLETE] + 1
    # Its configuration was retried once, by another worker, with the same parameters.
    retries = [t for t in trials if t.system_attrs.get("failed_trial") == hung.number]
    assert len(retries) == 1 and retries[0].state == TrialState.COMPLETE
    assert retries[0].params == study.trials[hung.number].params
    assert retries[0].user_attrs["worker"] in ("survivor", "restarted")
    # The survivor went on after the kill, and the restarted worker carried on the study.
    after = [t for t in trials if t.datetime_start and t.datetime_start.timestamp() > killed_at]
    assert {t.user_attrs["worker"] for t in after} == {"survivor", "restarted"}
    restarted_llm = [t for t in llm_trials(study) if t.user_attrs["worker"] == "restarted"]
    assert restarted_llm, "the restarted worker's sampler should ask the LLM from the first trial"
    proposals = [configuration(t.user_attrs["llm_proposal"]) for t in llm_trials(study)]
    assert len(set(proposals)) == len(proposals)
    summary = study_statistics(study)
    assert summary["trials"]["fail"] == 1 and summary["trials"]["retried"] == 1
    assert (
        summary["llm_proposals"]["used"] == summary["llm_proposals"]["distinct"] == len(proposals)
    )


# ----------------------------------------------------- the real model, served once


@pytest.mark.llm
@pytest.mark.postgres
def test_four_workers_share_one_served_embedded_model(postgres_storage, tmp_path) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llm_guided_optuna.cli.main",
            "serve",
            "--port",
            "0",
            "--parallel",
            "4",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = server.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("Serving ") and " at http://127.0.0.1:" in line, line
        api_base = line.rsplit(" at ", 1)[1].strip()
        example = [sys.executable, str(ROOT / "examples" / "scale_out.py")]
        storage = ["--storage", postgres_storage["url"], "--study", "served"]
        subprocess.run([*example, "create", *storage], check=True, env=env, cwd=ROOT, timeout=120)
        logs = [tmp_path / f"served-{i}.log" for i in range(4)]
        workers = [
            start(
                [
                    *example,
                    "worker",
                    *storage,
                    "--api-base",
                    api_base,
                    "--trials",
                    "2",
                    "--seed",
                    str(i),
                ],
                log,
            )
            for i, log in enumerate(logs)
        ]
        wait_all(workers, logs)
        status = subprocess.run(
            [*example, "status", *storage],
            check=True,
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert server.returncode == 0
    study = optuna.load_study(study_name="served", storage=postgres_storage["url"])
    assert len(study.trials) == 8 and all(t.state == TrialState.COMPLETE for t in study.trials)
    proposed = llm_trials(study)
    assert proposed, "the served model should propose some configurations"
    assert len({configuration(t.user_attrs["llm_proposal"]) for t in proposed}) == len(proposed)
    assert all("smollm2" in t.user_attrs["llm_call"]["model"] for t in proposed)
    stats = study_statistics(study)["sampler_stats"]
    assert stats["llm_calls"] >= 1 and stats["llm_successes"] == len(proposed)
    assert (
        "trials: 8 (complete 8" in status
        and f"{len(proposed)} used, {len(proposed)} distinct" in status
    )
