"""How a full run's lead depends on its warm start: did the LLM's trial 1 beat the random one?

For every (task, seed) that both samplers ran, the single-trial regret of trial 1 (the LLM's
warm-start configuration in the default strategy; a random one in ``gp-startup5``) says
whether the warm start *won* (its trial 1 is strictly better than the other's). The lead of the
full run, the paired difference of best-so-far regret at each checkpoint, is then reported
separately for the runs the warm start won and for the others, with the share of runs it won.

The split answers two questions the aggregate cannot: is the lead at 10 trials carried by the
warm start's own configuration (a lead where it won, none where it did not), and how often a
model's configuration would have to win for the lead to clear a bar, if the two conditional
leads stayed as measured (``projected`` rows; an extrapolation, not a measurement).

Example::

    python -m benchmarks.warm_start_effect llm-prior gp-startup5
    python -m benchmarks.warm_start_effect llm-prior@smollm2-135m gp-startup5
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
import sys

from benchmarks._paths import DEFAULT_CACHE_DIR
from benchmarks._paths import DEFAULT_REFERENCE_DIR
from benchmarks.core.archive import add_archive_arguments
from benchmarks.core.archive import restore_from_arguments
from benchmarks.core.metrics import mean_and_standard_error
from benchmarks.core.metrics import normalised_regret
from benchmarks.core.metrics import regret_curve
from benchmarks.core.runner import load_run
from benchmarks.tasks.reference import load_reference
from benchmarks.tasks.registry import resolve_task_names


CHECKPOINTS = (5, 10, 30)
PROJECTED_SHARES = (0.6, 0.7, 0.8, 0.9)


@dataclass(frozen=True)
class PairedRun:
    """One (task, seed): whether the first sampler's trial 1 won, and the leads at checkpoints."""

    task: str
    seed: int
    warm_start_won: bool
    leads: dict[int, float]


def paired_runs(
    first: str,
    second: str,
    tasks: list[str],
    seeds: int,
    trials: int,
    cache_dir: Path,
    reference_dir: Path,
) -> list[PairedRun]:
    """Every (task, seed) both samplers have a cached run of ``trials`` trials for."""
    runs = []
    for task in tasks:
        reference = load_reference(task, reference_dir)
        if reference is None:
            continue
        for seed in range(seeds):
            mine, theirs = (
                load_run(cache_dir, task, name, seed, trials) for name in (first, second)
            )
            if mine is None or theirs is None:
                continue
            curves = [regret_curve(run["best_so_far"], reference) for run in (mine, theirs)]
            won = normalised_regret(mine["values"][1], reference) < normalised_regret(
                theirs["values"][1], reference
            )
            leads = {c: curves[0][c - 1] - curves[1][c - 1] for c in CHECKPOINTS if c <= trials}
            runs.append(PairedRun(task, seed, won, leads))
    return runs


def describe(runs: list[PairedRun], first: str, second: str) -> list[str]:
    """The report's lines: the split at each checkpoint and the projected leads."""
    if not runs:
        return [f"{first} - {second}: no paired runs"]
    won = [run for run in runs if run.warm_start_won]
    lost = [run for run in runs if not run.warm_start_won]
    lines = [
        f"{first} - {second}: {len(runs)} paired runs; {first}'s trial 1 beat {second}'s in "
        f"{len(won)} ({len(won) / len(runs):.0%})"
    ]

    def cell(group: list[PairedRun], checkpoint: int) -> str:
        if len(group) < 2:
            return "n/a"
        mean, error = mean_and_standard_error([run.leads[checkpoint] for run in group])
        return f"{mean:+.3f} ± {error:.3f}"

    for checkpoint in sorted(runs[0].leads):
        lines.append(
            f"  Δr@{checkpoint}: all {cell(runs, checkpoint)} | trial 1 won ({len(won)}) "
            f"{cell(won, checkpoint)} | not ({len(lost)}) {cell(lost, checkpoint)}"
        )
    if len(won) >= 2 and len(lost) >= 2 and 10 in runs[0].leads:
        lead_won = mean_and_standard_error([run.leads[10] for run in won])[0]
        lead_lost = mean_and_standard_error([run.leads[10] for run in lost])[0]
        projected = ", ".join(
            f"{share:.0%}: {share * lead_won + (1 - share) * lead_lost:+.3f}"
            for share in PROJECTED_SHARES
        )
        lines.append(
            "  projected Δr@10 if trial 1 won in a share of runs (conditional leads as "
            f"measured): {projected}"
        )
    return lines


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.warm_start_effect", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("first", help="the sampler with the warm start (e.g. llm-prior)")
    parser.add_argument(
        "second", help="its ablation with random start-up trials (e.g. gp-startup5)"
    )
    parser.add_argument("--tasks", nargs="+", default=["bayesmark"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--reference-dir", type=Path, default=DEFAULT_REFERENCE_DIR)
    add_archive_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    restore_from_arguments(args)
    tasks = resolve_task_names(args.tasks)
    runs = paired_runs(
        args.first, args.second, tasks, args.seeds, args.trials, args.cache_dir, args.reference_dir
    )
    print("\n".join(describe(runs, args.first, args.second)))
    return 0 if runs else 1


if __name__ == "__main__":
    sys.exit(main())
