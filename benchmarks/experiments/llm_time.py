"""The LLM time of a study with the default strategy on the default embedded model.

Issue 28 asks that the default keeps the LLM time of a 30-trial study under two minutes on a
2-core machine. This runs whole studies with nothing recorded to replay (every call goes to the
model) and writes what each study spent in LLM calls to ``benchmarks/results/llm_time.json``.
Run it on an otherwise idle machine: llama.cpp's threads spin, so another CPU-heavy process
makes every call several times slower (the file records the load average at the start).

The default tasks are those where the trust strategy asked the model most often in the
benchmark's archived runs (four calls: the warm start and three more), so the figures are the
upper range of what a study costs, not its average.

Example::

    python -m benchmarks.llm_time                       # 4 tasks x seed 0, about 8 minutes
    python -m benchmarks.llm_time --tasks svm-wine --seeds 1
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import statistics
import sys
import tempfile
from typing import Any

from benchmarks._paths import DEFAULT_REFERENCE_DIR
from benchmarks._paths import RESULTS_DIR
from benchmarks.core.runner import library_versions
from benchmarks.core.runner import load_run
from benchmarks.core.samplers import library_default_strategy
from benchmarks.core.suite import run_all
from benchmarks.tasks.registry import resolve_task_names


DEFAULT_OUTPUT = RESULTS_DIR / "llm_time.json"
#: Tasks where ``llm-trust`` made four calls (seed 0) in the archived benchmark runs.
DEFAULT_TASKS = ("dt-wine", "rf-iris", "mlp-sgd-iris", "dt-breast_cancer")
#: The goal of issue 28: the LLM time of a 30-trial study, in seconds.
GOAL_SECONDS = 120.0


def study_rows(
    cache_dir: Path, tasks: list[str], sampler: str, seeds: int, trials: int
) -> list[dict[str, Any]]:
    """One row per finished study: its task, seed, LLM calls and seconds, the calls after the
    warm start and their prompt tokens, and the study's total seconds."""
    rows = []
    for seed in range(seeds):
        for task in tasks:
            record = load_run(cache_dir, task, sampler, seed, trials)
            if record is None:
                continue
            calls, prompt = record["llm_calls"], record["prompt_tokens"]
            asked = [index for index, count in enumerate(calls) if count > 0]
            later = asked[1:]  # the calls after the warm start, which show the history
            rows.append(
                {
                    "task": task,
                    "seed": seed,
                    "llm_calls": int(sum(calls)),
                    "later_calls": int(sum(calls[index] for index in later)),
                    "later_prompt_tokens": int(sum(prompt[index] for index in later)),
                    "llm_seconds": round(float(sum(record["llm_seconds"])), 1),
                    "study_seconds": round(float(record["total_seconds"]), 1),
                }
            )
    return rows


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and largest LLM seconds per study, and how many studies stayed under the goal.

    Example:
        >>> row = {"llm_seconds": 50.0, "llm_calls": 2, "later_calls": 1,
        ...        "later_prompt_tokens": 900}
        >>> summarise([row, {**row, "llm_seconds": 130.0}])["under_goal"]
        1
    """
    seconds = [row["llm_seconds"] for row in rows]
    calls = [row["llm_calls"] for row in rows]
    later_calls = sum(row["later_calls"] for row in rows)
    later_tokens = sum(row["later_prompt_tokens"] for row in rows)
    return {
        "studies": len(rows),
        "median_llm_seconds": round(statistics.median(seconds), 1) if seconds else None,
        "max_llm_seconds": max(seconds) if seconds else None,
        "mean_llm_calls": round(statistics.mean(calls), 2) if calls else None,
        "prompt_tokens_per_later_call": round(later_tokens / later_calls) if later_calls else None,
        "goal_seconds": GOAL_SECONDS,
        "under_goal": sum(1 for value in seconds if value < GOAL_SECONDS),
    }


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.llm_time``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.llm_time",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tasks", nargs="+", default=list(DEFAULT_TASKS))
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    tasks = resolve_task_names(args.tasks)
    sampler = library_default_strategy()
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="llm-time-") as directory:
        cache_dir = Path(directory)  # empty: nothing to replay, every call reaches the model
        counts = run_all(
            tasks,
            [sampler],
            args.seeds,
            args.trials,
            cache_dir,
            DEFAULT_REFERENCE_DIR,
            show_progress=not args.no_progress,
        )
        rows = study_rows(cache_dir, tasks, sampler, args.seeds, args.trials)
    if counts["failed"]:
        print(f"{counts['failed']} studies failed; see the messages above.", file=sys.stderr)
    results = {
        "sampler": sampler,
        "model": "the default embedded model",
        "trials": args.trials,
        "cpu_count": os.cpu_count(),
        "load_average_at_start": round(load_at_start, 2),
        "inference_threads": os.environ.get("LLM_GUIDED_OPTUNA_THREADS", "the library's default"),
        "versions": library_versions(),
        "summary": summarise(rows),
        "studies": rows,
        "command": "python -m benchmarks.llm_time "
        + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    for row in rows:
        print(
            f"{row['task']:<20} seed {row['seed']}: {row['llm_calls']} calls, "
            f"{row['llm_seconds']:.1f} s of LLM time ({row['study_seconds']:.1f} s in all)"
        )
    summary = results["summary"]
    print(
        f"median {summary['median_llm_seconds']} s, largest {summary['max_llm_seconds']} s; "
        f"{summary['under_goal']} of {summary['studies']} under {GOAL_SECONDS:.0f} s"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1) + "\n")
    print(f"Wrote {args.output}")
    return 0 if rows else 1
