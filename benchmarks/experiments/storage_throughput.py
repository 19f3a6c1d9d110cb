"""Storage throughput: the claim's cost per trial, and ask/tell trials per second, on PostgreSQL
directly and through Optuna's gRPC storage proxy.

    python -m benchmarks.storage_throughput         # starts its own PostgreSQL and proxy
    python -m benchmarks.storage_throughput --claims 150 --seconds 5 --workers 1 4 16
    python -m benchmarks.storage_throughput --storage postgresql+psycopg2://...  # existing one

Two measurements, each on both storages: ``postgresql`` (``RDBStorage``, wrapped in Optuna's
cache as ``load_study`` wraps it) and ``grpc-proxy`` (``GrpcStorageProxy`` to one
``run_grpc_proxy_server`` process in front of the same database, ``tests/support/grpc_proxy.py``).

- **Claim**: one process asks ``--claims`` trials of a fresh study one after the other; for each
  it times ``llm_guided_optuna._proposal.claims.claim_in_storage`` on a new configuration (two
  attribute writes and one read of the study's unfinished and new trials: what the sampler adds
  to a trial of an LLM proposal in shared storage, without contention) and, apart, the trial's
  ``ask`` and ``tell``. Medians are reported.
- **Rate**: 1, 4 and 16 worker processes (``--workers``; spawned once, before any timing) run
  Optuna's ask/tell cycle on a fresh study for ``--seconds`` each, with ``RandomSampler`` and a
  trivial objective (one ``suggest_float``), so that only the storage is measured. A worker
  loads the study and runs one untimed cycle before the start; the rate is the sum over
  workers of their cycles divided by their own elapsed time.

The PostgreSQL of ``tests/support/postgres_cluster.py`` (started unless ``--storage`` is given)
runs with ``fsync=off`` and ``synchronous_commit=off``, on loopback, like the tests' cluster.
Everything runs on one machine: workers, proxy and database share its cores, so the figures
depend on its load, which is recorded (``os.getloadavg`` before and after, ``--note``).

Writes ``benchmarks/results/storage_throughput.json``.
"""

from __future__ import annotations

import argparse
from importlib import metadata
import json
import multiprocessing
import os
from pathlib import Path
import platform
import queue
import statistics
import sys
import time
from typing import Any
import warnings

import optuna

from benchmarks._paths import RESULTS_DIR
from llm_guided_optuna._proposal.claims import claim_in_storage


DEFAULT_OUTPUT = RESULTS_DIR / "storage_throughput.json"
MODES = ("postgresql", "grpc-proxy")


def open_storage(mode: str, url: str, proxy_address: str) -> optuna.storages.BaseStorage:
    """The storage a worker of ``mode`` uses."""
    if mode == "postgresql":
        return optuna.storages.get_storage(optuna.storages.RDBStorage(url))
    host, _, port = proxy_address.rpartition(":")
    return optuna.storages.GrpcStorageProxy(host=host, port=int(port))


def quiet() -> None:
    """No INFO line per trial, no warning per experimental class."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


# ------------------------------------------------------------------------------ the claim


def measure_claims(storage: optuna.storages.BaseStorage, n_trials: int) -> dict[str, Any]:
    """Median seconds of ``claim_in_storage`` and of ask+tell over ``n_trials`` trials."""
    study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(seed=0))
    claims, cycles = [], []
    for index in range(n_trials):
        started = time.perf_counter()
        trial = study.ask()
        value = trial.suggest_float("x", 0.0, 1.0)
        asked = time.perf_counter()
        frozen = storage.get_trial(trial._trial_id)
        claim_started = time.perf_counter()
        won = claim_in_storage(storage, study._study_id, frozen, (f"x={index}",))
        claim_ended = time.perf_counter()
        study.tell(trial, value)
        told = time.perf_counter()
        if not won:
            raise RuntimeError(f"trial {trial.number} lost an uncontended claim")
        claims.append(claim_ended - claim_started)
        cycles.append((asked - started) + (told - claim_ended))
    return {
        "trials": n_trials,
        "claim_seconds_median": statistics.median(claims),
        "claim_seconds_p90": statistics.quantiles(claims, n=10)[-1],
        "ask_tell_seconds_median": statistics.median(cycles),
    }


# ------------------------------------------------------------------------------ the rate


def rate_worker(index: int, url: str, proxy_address: str, commands: Any, results: Any) -> None:
    """A spawned worker: per command, load the study, report ready, wait for go, run cycles."""
    quiet()
    storages: dict[str, optuna.storages.BaseStorage] = {}
    while True:
        command = commands.get()
        if command is None:
            return
        study_name, mode, seconds = command
        if mode not in storages:
            storages[mode] = open_storage(mode, url, proxy_address)
        study = optuna.load_study(
            study_name=study_name,
            storage=storages[mode],
            sampler=optuna.samplers.RandomSampler(seed=index),
        )
        cycle(study)  # Untimed: the first request of a study fills caches and opens connections.
        results.put(("ready", index))
        if commands.get() != "go":
            raise RuntimeError("expected 'go'")
        durations = []
        started = time.perf_counter()
        end = started + seconds
        while True:
            before = time.perf_counter()
            if before >= end:
                break
            cycle(study)
            durations.append(time.perf_counter() - before)
        results.put(("done", index, len(durations), time.perf_counter() - started, durations))


def cycle(study: optuna.Study) -> None:
    """One ask/tell cycle with a trivial objective."""
    trial = study.ask()
    study.tell(trial, trial.suggest_float("x", 0.0, 1.0))


def receive(
    results: Any, kind: str, count: int, timeout_s: float, workers: list[Any]
) -> list[tuple[Any, ...]]:
    """``count`` messages of ``kind`` from the workers; a worker that died stops the benchmark."""
    messages: list[tuple[Any, ...]] = []
    deadline = time.monotonic() + timeout_s
    while len(messages) < count:
        try:
            message = results.get(timeout=1.0)
        except queue.Empty:
            dead = [worker.name for worker in workers if not worker.is_alive()]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(
                    f"waiting for {kind!r}: dead workers {dead}, or {timeout_s} s passed"
                ) from None
            continue
        if message[0] != kind:
            raise RuntimeError(f"expected {kind!r}, got {message!r}")
        messages.append(message)
    return messages


def measure_rates(
    url: str, proxy_address: str, worker_counts: list[int], seconds: float
) -> list[dict[str, Any]]:
    """Trials per second of ``k`` workers for each ``k`` of ``worker_counts``, on both storages."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    commands = [context.Queue() for _ in range(max(worker_counts))]
    workers = [
        context.Process(
            target=rate_worker, args=(i, url, proxy_address, commands[i], results), daemon=True
        )
        for i in range(len(commands))
    ]
    for worker in workers:
        worker.start()
    rows = []
    try:
        for count in worker_counts:
            for mode in MODES:
                study_name = f"rate-{mode}-{count}-{time.time_ns()}"
                optuna.create_study(study_name=study_name, storage=optuna.storages.RDBStorage(url))
                for channel in commands[:count]:
                    channel.put((study_name, mode, seconds))
                receive(results, "ready", count, 600, workers)
                for channel in commands[:count]:
                    channel.put("go")
                done = receive(results, "done", count, seconds + 600, workers)
                durations = [d for message in done for d in message[4]]
                row = {
                    "storage": mode,
                    "workers": count,
                    "seconds": seconds,
                    "trials": sum(message[2] for message in done),
                    "trials_per_second": sum(message[2] / message[3] for message in done),
                    "cycle_seconds_median": statistics.median(durations) if durations else None,
                }
                rows.append(row)
                print(
                    f"{mode:<12}{count:>8}{row['trials']:>8}{row['trials_per_second']:>12.1f}"
                    f"{1e3 * (row['cycle_seconds_median'] or float('nan')):>14.1f}",
                    flush=True,
                )
    finally:
        for channel in commands:
            channel.put(None)
        for worker in workers:
            worker.join(timeout=60)
            if worker.is_alive():
                worker.terminate()
    return rows


# ------------------------------------------------------------------------------ the command


def versions(url: str) -> dict[str, str | None]:
    """Python, the libraries in the storage path, and the PostgreSQL server."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for package in ("optuna", "sqlalchemy", "psycopg2-binary", "grpcio", "protobuf"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    # Lazy: SQLAlchemy is only needed for the RDB storages.
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            found["postgresql"] = connection.execute(
                sqlalchemy.text("SHOW server_version")
            ).scalar_one()
    finally:
        engine.dispose()
    return found


def run(args: argparse.Namespace, url: str) -> dict[str, Any]:
    """Both measurements on ``url`` and a proxy in front of it."""
    # Lazy: a test helper's local server; only this storage needs it.
    from tests.support.grpc_proxy import GrpcProxy

    load_before = os.getloadavg()
    found = versions(url)
    with GrpcProxy(url) as proxy:
        print(f"claim_in_storage, one process, median of {args.claims} trials")
        print(f"{'storage':<12}{'claim ms':>10}{'p90 ms':>9}{'ask+tell ms':>13}")
        claims = []
        for mode in MODES:
            storage = open_storage(mode, url, proxy.address)
            entry = {"storage": mode, **measure_claims(storage, args.claims)}
            claims.append(entry)
            print(
                f"{mode:<12}{1e3 * entry['claim_seconds_median']:>10.1f}"
                f"{1e3 * entry['claim_seconds_p90']:>9.1f}"
                f"{1e3 * entry['ask_tell_seconds_median']:>13.1f}",
                flush=True,
            )
        print(f"\nask/tell, RandomSampler, trivial objective, {args.seconds:g} s per row")
        print(f"{'storage':<12}{'workers':>8}{'trials':>8}{'trials/s':>12}{'median ms':>14}")
        rates = measure_rates(url, proxy.address, sorted(args.workers), args.seconds)
    return {
        "claims": claims,
        "rates": rates,
        "versions": found,
        "load_before": load_before,
        "load_after": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    """CLI: measure, print tables, write ``storage_throughput.json``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.storage_throughput",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--claims", type=int, default=150, help="trials of the claim measurement")
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="duration of each rate measurement"
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--storage", help="SQLAlchemy URL of an existing PostgreSQL database")
    parser.add_argument("--note", default="", help="what else ran on the machine")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    quiet()

    started = time.monotonic()
    if args.storage:
        measured = run(args, args.storage)
    else:
        # Lazy: a test helper's local server; only this storage needs it.
        from tests.support.postgres_cluster import PostgresCluster

        with PostgresCluster(dbname="storage_throughput") as cluster:
            measured = run(args, cluster.url)
    payload = {
        "description": (
            "Median seconds per trial of llm_guided_optuna._proposal.claims.claim_in_storage "
            "(one process, no contention) and Optuna ask/tell cycles per second of 1, 4 and 16 "
            "worker processes (RandomSampler, one suggest_float), on PostgreSQL directly "
            "(RDBStorage) and through one run_grpc_proxy_server process (GrpcStorageProxy); all "
            "on one machine, loopback."
        ),
        "command": " ".join(
            [
                "python -m benchmarks.storage_throughput",
                *(argv if argv is not None else sys.argv[1:]),
            ]
        ),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_before": measured["load_before"],
            "load_average_after": measured["load_after"],
            "note": args.note,
        },
        "database": "own PostgreSQL cluster (tests/support/postgres_cluster.py)"
        if not args.storage
        else "--storage",
        "versions": measured["versions"],
        "wall_seconds": time.monotonic() - started,
        "claims": measured["claims"],
        "rates": measured["rates"],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"\nWrote {args.output} ({payload['wall_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
