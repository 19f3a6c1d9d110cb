"""One worker process of a shared study, for tests/test_scale_out.py.

Run as ``python -m tests.support.scale_out_worker --storage URL --study NAME --api-base URL
--name W ...`` (``--journal FILE`` instead of ``--storage`` for a journal file, ``--grpc
HOST:PORT`` for Optuna's gRPC storage proxy, ``tests/support/grpc_proxy.py``). It loads the
study, runs trials with an ``LLMGuidedSampler`` pointed at ``--api-base``, records its name on
each trial (user attribute ``worker``) and, at the end, writes ``get_statistics()`` as JSON to
``--stats-out``.

``--total N`` stops once the study has N complete trials (whoever ran them) instead of after
``--trials`` of its own. ``--hang-at K`` makes the worker's K-th trial (from 0) mark itself
with the user attribute ``hanging`` and then block, so that a test can kill the worker in the
middle of a trial. With RDB storage and ``--heartbeat S`` (with ``--grace``) the worker sends
heartbeats and retries trials of dead workers once; without it, it sends none. A heartbeat is a
timing contract: on a busy machine a live worker can miss one and have its running trial failed
by another worker (Optuna then stops the live worker at its ``tell``), so only the test that
kills a worker asks for one. Through the gRPC proxy it sends none: Optuna's
``GrpcStorageProxy`` has no heartbeat (see tests/test_grpc_proxy.py).
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import threading
import time
import warnings

import optuna
from optuna.study import MaxTrialsCallback
from optuna.trial import TrialState

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings


HANG_LIMIT_S = 300.0  # A hanging trial that nobody kills ends by itself after this.


def objective(trial: optuna.Trial) -> float:
    lr = trial.suggest_float("learning_rate", 1e-5, 1e-1, log=True)
    batch = trial.suggest_int("batch_size", 16, 256, step=16)
    dropout = trial.suggest_float("dropout", 0.0, 0.5)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"])
    return (math.log10(lr) + 3) ** 2 + (batch - 64) ** 2 / 1e4 + dropout + (optimizer != "adam")


def make_storage(args: argparse.Namespace) -> optuna.storages.BaseStorage:
    if args.grpc:
        host, _, port = args.grpc.rpartition(":")
        proxy = optuna.storages.GrpcStorageProxy(host=host, port=int(port))
        proxy.wait_server_ready(timeout=args.timeout)
        return proxy
    if args.journal:
        return optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(args.journal)
        )
    retry = getattr(optuna.storages, "RetryHeartbeatStaleTrialCallback", None)
    callback_name = "heartbeat_stale_trial_callback"
    if (
        retry is None
        or callback_name not in inspect.signature(optuna.storages.RDBStorage).parameters
    ):
        retry, callback_name = optuna.storages.RetryFailedTrialCallback, "failed_trial_callback"
    if args.heartbeat is None:
        return optuna.storages.RDBStorage(args.storage)
    return optuna.storages.RDBStorage(
        args.storage,
        heartbeat_interval=args.heartbeat,
        grace_period=args.grace,
        **{callback_name: retry(max_retry=1)},
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--storage")
    parser.add_argument("--journal")
    parser.add_argument("--grpc", metavar="HOST:PORT", help="Optuna's gRPC storage proxy")
    parser.add_argument("--study", required=True)
    parser.add_argument("--api-base", required=True)
    parser.add_argument("--model", default="openai/test-model")
    parser.add_argument("--structured-output", default="auto")
    parser.add_argument("--name", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--total", type=int, default=None)
    parser.add_argument("--hang-at", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument(
        "--trial-seconds", type=float, default=0.0, help="simulated training time per trial"
    )
    parser.add_argument(
        "--heartbeat", type=int, default=None, help="seconds between heartbeats (default: none)"
    )
    parser.add_argument("--grace", type=int, default=None)
    parser.add_argument("--stats-out")
    args = parser.parse_args()

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings(
        "ignore", category=optuna.exceptions.ExperimentalWarning
    )  # heartbeats, gRPC
    sampler = LLMGuidedSampler(
        model=args.model,
        llm=LLMSettings(
            api_base=args.api_base,
            api_key=f"sk-{args.name}",  # tells the fake server which worker asked
            timeout=args.timeout,
            retry_backoff=0.05,
            structured_output=args.structured_output,
        ),
        seed=args.seed,
        strategy="llm",
    )
    study = optuna.load_study(study_name=args.study, storage=make_storage(args), sampler=sampler)
    started = [0]

    def run(trial: optuna.Trial) -> float:
        index = started[0]
        started[0] += 1
        trial.set_user_attr("worker", args.name)
        value = objective(trial)
        if index == args.hang_at:
            trial.set_user_attr("hanging", True)
            threading.Event().wait(HANG_LIMIT_S)  # Until the test kills this process.
        if args.trial_seconds:
            time.sleep(args.trial_seconds)  # Simulated training.
        return value

    if args.total is not None:
        callbacks = [MaxTrialsCallback(args.total, states=(TrialState.COMPLETE,))]
        study.optimize(run, n_trials=args.total, callbacks=callbacks)
    else:
        study.optimize(run, n_trials=args.trials)
    if args.stats_out:
        with open(args.stats_out, "w", encoding="utf-8") as handle:
            json.dump(sampler.get_statistics(), handle)


if __name__ == "__main__":
    main()
