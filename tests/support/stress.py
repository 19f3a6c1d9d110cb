"""The many-worker stress loop: N worker processes share one study on a real PostgreSQL.

Each run creates a study on the every-kind search space
(:data:`~tests.support.mixed_space.EVERY_KIND_SPACE`), gives each of the long-lived workers
(``tests/support/stress_worker.py``) a fresh ``LLMGuidedSampler(temperature=0.0, seed=...,
strategy="prior")`` on it and releases them: ``together`` (every worker at the same moment,
through a barrier on their standard input) or ``staggered`` (worker ``i`` once the study holds
``2 i`` trials). Every run is then checked (:func:`check_run`):

- every trial completes, ``workers x trials`` of them;
- no two trials have the same parameters;
- the study's one LLM call was made: exactly one trial carries the warm start
  (``llm_warm_start``), it records its call (``llm_call``), and the study counts one call;
- ``study_statistics(study)`` equals the sum of the workers' ``get_statistics()``.

``tests/test_stress_workers.py`` runs it in CI; by hand (it starts its own PostgreSQL)::

    # 20 runs, alternately together and staggered, on the small model served once for all workers
    python -m tests.support.stress --runs 20 --serve smollm2-135m
    # the issue's scenario: 3 workers x 6 trials, each loading the default embedded model itself
    python -m tests.support.stress --runs 8 --mode together --model default
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterator
from collections.abc import Sequence
import contextlib
from dataclasses import dataclass
from dataclasses import field
import json
import os
from pathlib import Path
import subprocess
import sys
import time
from typing import Any
from typing import IO

import optuna

from llm_guided_optuna import study_statistics
from llm_guided_optuna._attrs import WARM_START_ATTR


ROOT = Path(__file__).resolve().parent.parent.parent
MODES = ("together", "staggered")
#: Counters of ``get_statistics()`` that ``study_statistics`` must reproduce as the workers' sum.
SUMMED_COUNTERS = (
    "proposals_requested",
    "llm_successes",
    "llm_calls",
    "llm_params",
    "optimizer_params",
    "optimizer_trials",
    "fallback_uses",
    "batched_proposals_used",
    "clamped_values",
    "adjusted_values",
)
SUMMED_BREAKDOWNS = ("failures", "fallback_reasons", "optimizer_reasons")
#: Seconds a run may take before the driver gives up on it (a worker hung).
RUN_TIMEOUT_S = 600.0


@dataclass
class RunResult:
    """One study of the stress loop and what its checks found."""

    study: str
    mode: str
    seconds: float
    problems: list[str] = field(default_factory=list)
    llm_calls: int = 0
    warm_start_trial: int | None = None
    repeats_varied: int = 0


class StressWorkers:
    """Long-lived worker processes, driven over JSON lines (see ``stress_worker.py``)."""

    def __init__(self, n_workers: int, log_dir: Path) -> None:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
        self.logs = [log_dir / f"stress-worker-{i}.log" for i in range(n_workers)]
        self._log_handles: list[IO[bytes]] = [open(log, "ab") for log in self.logs]  # noqa: SIM115
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.support.stress_worker", "--name", f"w{i}"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=handle,
                text=True,
            )
            for i, handle in enumerate(self._log_handles)
        ]

    def send(self, index: int, message: dict[str, Any]) -> None:
        stdin = self.processes[index].stdin
        assert stdin is not None
        stdin.write(json.dumps(message) + "\n")
        stdin.flush()

    def receive(self, index: int) -> dict[str, Any]:
        stdout = self.processes[index].stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            log = self.logs[index].read_text(errors="replace")[-3000:]
            raise RuntimeError(f"worker {index} ended unexpectedly:\n{log}")
        message = json.loads(line)
        if "error" in message:
            raise RuntimeError(
                f"worker {index}: {message['error']}\n{message.get('traceback', '')}"
            )
        return message

    def close(self) -> None:
        for process in self.processes:
            with contextlib.suppress(BrokenPipeError, OSError):
                if process.stdin is not None:
                    process.stdin.write("\n")
                    process.stdin.close()
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        for handle in self._log_handles:
            handle.close()


def run_once(
    workers: StressWorkers,
    storage_url: str,
    *,
    run: int,
    mode: str,
    trials: int,
    api_base: str | None = None,
    model: str | None = None,
    timeout: float | None = None,
) -> RunResult:
    """One study of the loop; its seeds are ``run * 10 + i`` for worker ``i``."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    name = f"stress-{run}-{mode}-{time.time_ns()}"
    storage = optuna.storages.RDBStorage(storage_url)
    study = optuna.create_study(study_name=name, storage=storage)
    study.set_user_attr(
        "problem_description", "Tune a small neural network's training (stress test)"
    )
    n = len(workers.processes)
    started = time.monotonic()
    for i in range(n):
        job = {
            "study": name,
            "storage": storage_url,
            "seed": run * 10 + i,
            "trials": trials,
            "api_base": api_base,
            "model": model,
            "timeout": timeout,
        }
        workers.send(i, job)
    for i in range(n):
        workers.receive(i)  # ready: study loaded, sampler built
    if mode == "together":
        for i in range(n):
            workers.send(i, {"go": name})
    else:
        for i in range(n):
            _wait_for_trials(study, 2 * i, started)
            workers.send(i, {"go": name})
    worker_stats = [workers.receive(i)["stats"] for i in range(n)]
    seconds = time.monotonic() - started
    result = RunResult(study=name, mode=mode, seconds=seconds)
    check_run(
        optuna.load_study(study_name=name, storage=storage), worker_stats, n * trials, result
    )
    return result


def _wait_for_trials(study: optuna.Study, count: int, started: float) -> None:
    """Return once ``study`` holds ``count`` trials (of any state)."""
    delay = 0.01
    while len(study.get_trials(deepcopy=False)) < count:
        if time.monotonic() - started > RUN_TIMEOUT_S:
            raise RuntimeError(f"the study never reached {count} trials")
        time.sleep(delay)  # Polls the storage for a condition; not a synchronisation by time.
        delay = min(2 * delay, 0.2)


def check_run(
    study: optuna.Study, worker_stats: Sequence[dict[str, Any]], expected: int, result: RunResult
) -> None:
    """Append to ``result.problems`` every way the run broke the many-worker guarantee."""
    problems = result.problems
    trials = study.get_trials(deepcopy=False)
    states = Counter(t.state.name for t in trials)
    if len(trials) != expected or states.get("COMPLETE") != expected:
        problems.append(f"expected {expected} complete trials, got {dict(states)}")
    configurations = Counter(json.dumps(t.params, sort_keys=True) for t in trials)
    repeated = {c: k for c, k in configurations.items() if k > 1}
    if repeated:
        holders = [
            (t.number, t.user_attrs.get("llm_source"), t.user_attrs.get("llm_reason"))
            for t in trials
            if json.dumps(t.params, sort_keys=True) in repeated
        ]
        problems.append(
            f"{sum(repeated.values())} trials share {len(repeated)} configurations: {holders}"
        )
    carriers = [t for t in trials if t.user_attrs.get(WARM_START_ATTR)]
    if len(carriers) != 1:
        problems.append(
            f"expected one trial to carry the warm start, got {[t.number for t in carriers]}"
        )
    else:
        result.warm_start_trial = carriers[0].number
        if "llm_call" not in carriers[0].user_attrs:
            problems.append(f"the warm-start trial {carriers[0].number} records no llm_call")
    stats = study_statistics(study)["sampler_stats"]
    result.llm_calls = int(stats["llm_calls"])
    result.repeats_varied = int(stats.get("repeats_varied", 0))
    if stats["llm_calls"] != 1:
        problems.append(f"expected the study's one LLM call, got {stats['llm_calls']}")
    for name in (*SUMMED_COUNTERS, "repeats_varied"):
        total = sum(s["sampler_stats"].get(name, 0) for s in worker_stats)
        if stats.get(name) != total:
            problems.append(
                f"study_statistics {name}={stats.get(name)} but the workers' sum is {total}"
            )
    for name in SUMMED_BREAKDOWNS:
        summed: Counter[str] = Counter()
        for s in worker_stats:
            summed.update(s["sampler_stats"].get(name, {}))
        if dict(Counter(stats.get(name, {}))) != dict(summed):
            problems.append(
                f"study_statistics {name}={stats.get(name)} but the workers' sum is {dict(summed)}"
            )


@contextlib.contextmanager
def served_model(name: str) -> Iterator[str]:
    """``llm-optuna serve`` of the embedded model ``name`` for every worker; yields its URL."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llm_guided_optuna.cli.main",
            "serve",
            "--model",
            name,
            "--port",
            "0",
            "--parallel",
            "4",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if " at http://127.0.0.1:" not in line:
            raise RuntimeError(f"llm-optuna serve did not start: {line!r}")
        yield line.rsplit(" at ", 1)[1].strip()
    finally:
        server.terminate()
        server.wait(timeout=60)


def stress_loop(
    storage_url: str,
    log_dir: Path,
    *,
    runs: int,
    modes: Sequence[str] = MODES,
    n_workers: int = 3,
    trials: int = 6,
    api_base: str | None = None,
    model: str | None = None,
    timeout: float | None = None,
    report: Any = None,
) -> list[RunResult]:
    """``runs`` studies, cycling through ``modes``; ``report(result)`` after each."""
    workers = StressWorkers(n_workers, log_dir)
    results = []
    try:
        for run in range(runs):
            result = run_once(
                workers,
                storage_url,
                run=run,
                mode=modes[run % len(modes)],
                trials=trials,
                api_base=api_base,
                model=model,
                timeout=timeout,
            )
            results.append(result)
            if report is not None:
                report(result)
    finally:
        workers.close()
    return results


def main() -> None:
    from tests.support.postgres_cluster import PostgresCluster

    parser = argparse.ArgumentParser(
        prog="python -m tests.support.stress",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--mode", choices=(*MODES, "both"), default="both")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--trials", type=int, default=6, help="trials per worker")
    parser.add_argument(
        "--serve", metavar="MODEL", help="serve this embedded model once for all workers"
    )
    parser.add_argument(
        "--model",
        help="'default' (each worker loads the default embedded model) or a model string",
    )
    parser.add_argument(
        "--timeout", type=float, default=None, help="the sampler's LLM timeout in seconds"
    )
    args = parser.parse_args()
    modes = MODES if args.mode == "both" else (args.mode,)
    model = None if args.model == "default" else args.model
    log_dir = Path(os.environ.get("STRESS_LOG_DIR", "."))
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def report(result: RunResult) -> None:
        verdict = "clean" if not result.problems else "FAILED: " + "; ".join(result.problems)
        print(
            f"{result.study}: {result.seconds:.1f} s, "
            f"warm start on trial {result.warm_start_trial}, "
            f"{result.llm_calls} LLM call(s), {result.repeats_varied} repeat(s) varied: {verdict}",
            flush=True,
        )

    started = time.monotonic()
    with PostgresCluster() as cluster, contextlib.ExitStack() as stack:
        api_base = stack.enter_context(served_model(args.serve)) if args.serve else None
        results = stress_loop(
            cluster.url,
            log_dir,
            runs=args.runs,
            modes=modes,
            n_workers=args.workers,
            trials=args.trials,
            api_base=api_base,
            model=model,
            timeout=args.timeout,
            report=report,
        )
    failed = [r for r in results if r.problems]
    print(
        f"{len(results) - len(failed)} clean, {len(failed)} failed, "
        f"in {time.monotonic() - started:.0f} s"
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
