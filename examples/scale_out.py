"""Scale out: several worker processes share one study on PostgreSQL and one model server.

Each worker is a separate process (on this machine or another) that loads the same study and
runs trials with its own ``LLMGuidedSampler``, pointed at one shared model server::

    llm-optuna serve --port 8080 --parallel 4 &                        # one model for all workers
    python examples/scale_out.py create --storage $STORAGE --study cnn
    for i in 1 2 3 4; do
        python examples/scale_out.py worker --storage $STORAGE --study cnn \\
            --api-base http://127.0.0.1:8080/v1 --trials 25 --seed $i &
    done; wait
    python examples/scale_out.py status --storage $STORAGE --study cnn

``$STORAGE`` is an SQLAlchemy URL such as ``postgresql+psycopg2://postgres@127.0.0.1:5432/optuna``
(``pip install psycopg2-binary``), or ``--journal FILE`` replaces ``--storage`` for Optuna's
journal file storage on a shared file system. The README's "Scaling out" section and
``docs/06_scaling_out.md`` explain each step.

With RDB storage, workers send a heartbeat: a trial whose worker dies (``kill -9``, a lost
machine) is marked failed by the other workers after ``--grace`` seconds and retried once with
the same parameters; a worker started again simply carries on with the study.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import time
import warnings

import optuna

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings
from llm_guided_optuna import show_llm_progress
from llm_guided_optuna import study_statistics
from llm_guided_optuna.cli.demo import cnn_objective


SERVED_MODEL = (
    "openai/local"  # llama.cpp's server answers with the model it serves, whatever the name
)


def make_storage(args: argparse.Namespace) -> optuna.storages.BaseStorage:
    """RDB storage with heartbeats (dead workers' trials are failed and retried), or a journal."""
    if args.journal:
        return optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(args.journal)
        )
    if args.storage is None:
        raise SystemExit("give --storage URL or --journal FILE")
    retry = getattr(optuna.storages, "RetryHeartbeatStaleTrialCallback", None)
    callback_name = "heartbeat_stale_trial_callback"  # Optuna >= 4.9; failed_trial_callback before
    if (
        retry is None
        or callback_name not in inspect.signature(optuna.storages.RDBStorage).parameters
    ):
        retry, callback_name = optuna.storages.RetryFailedTrialCallback, "failed_trial_callback"
    return optuna.storages.RDBStorage(
        args.storage,
        heartbeat_interval=args.heartbeat,
        grace_period=args.grace,
        **{callback_name: retry(max_retry=1)},
    )


def create(args: argparse.Namespace) -> None:
    study = optuna.create_study(
        study_name=args.study,
        storage=make_storage(args),
        direction="minimize",
        load_if_exists=True,
    )
    study.set_user_attr("problem_type", "neural_network_training")
    study.set_user_attr("problem_description", "CNN optimization for image classification")
    print(f"study {args.study!r} ready ({len(study.trials)} trials so far)")


def worker(args: argparse.Namespace) -> None:
    sampler = LLMGuidedSampler(
        model=args.model,
        llm=LLMSettings(
            api_base=args.api_base,
            structured_output=args.structured_output,  # llguidance: a llama.cpp server's grammar
            timeout=args.timeout,
        ),
        seed=args.seed,  # give each worker its own seed
        strategy=args.strategy,
    )
    study = optuna.load_study(study_name=args.study, storage=make_storage(args), sampler=sampler)
    started = time.perf_counter()
    study.optimize(cnn_objective, n_trials=args.trials, show_progress_bar=True)
    stats = sampler.get_statistics()["sampler_stats"]
    print(
        f"worker {os.getpid()}: {args.trials} trials in {time.perf_counter() - started:.1f} s, "
        f"success rate {stats['success_rate']:.2f}, {stats['llm_calls']} LLM calls"
    )


def status(args: argparse.Namespace) -> None:
    study = optuna.load_study(study_name=args.study, storage=make_storage(args))
    summary = study_statistics(study)
    stats, trials = summary["sampler_stats"], summary["trials"]
    proposals = summary["llm_proposals"]
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
        return
    print(
        f"trials: {trials['total']} (complete {trials['complete']}, running {trials['running']}, "
        f"failed {trials['fail']}, waiting {trials['waiting']}, pruned {trials['pruned']})"
    )
    print("sources: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["sources"].items())))
    print(f"LLM proposals: {proposals['used']} used, {proposals['distinct']} distinct")
    print(
        f"success rate {stats['success_rate']:.2f}, LLM calls {stats['llm_calls']}, "
        f"average LLM time {stats['average_llm_time']:.2f} s, "
        f"failures {stats['failures'] or 'none'}"
    )
    if trials["complete"]:
        print(f"best value {study.best_value:.4f} with {study.best_params}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, handler in (("create", create), ("worker", worker), ("status", status)):
        command = commands.add_parser(name)
        command.set_defaults(handler=handler)
        command.add_argument(
            "--storage", help="SQLAlchemy URL of the RDB storage (e.g. PostgreSQL)"
        )
        command.add_argument("--journal", help="a journal file instead of --storage")
        command.add_argument("--study", required=True, help="the study's name")
        command.add_argument(
            "--heartbeat", type=int, default=10, help="seconds between heartbeats (RDB)"
        )
        command.add_argument(
            "--grace", type=int, default=30, help="seconds without heartbeat before a trial fails"
        )
        if name == "worker":
            command.add_argument(
                "--api-base", required=True, help="the model server, e.g. http://127.0.0.1:8080/v1"
            )
            command.add_argument(
                "--model",
                default=SERVED_MODEL,
                help=f"LiteLLM model name (default {SERVED_MODEL})",
            )
            command.add_argument(
                "--structured-output",
                default="llguidance",
                help="llguidance for llama.cpp servers (default), auto for others",
            )
            command.add_argument(
                "--trials", type=int, default=25, help="trials this worker runs (default 25)"
            )
            command.add_argument(
                "--seed", type=int, default=None, help="this worker's seed (differ per worker)"
            )
            command.add_argument(
                "--timeout", type=float, default=120.0, help="seconds per LLM request"
            )
            command.add_argument("--strategy", default="llm", choices=["llm", "hybrid"])
        if name == "status":
            command.add_argument(
                "--json", action="store_true", help="print study_statistics() as JSON"
            )
    return parser


def main() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    show_llm_progress()
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)  # heartbeats
    args = build_parser().parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
