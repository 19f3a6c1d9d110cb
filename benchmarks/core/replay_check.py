"""Rerun archived benchmark runs with today's code and check they come out the same.

The archive (``benchmarks/results/archive``) holds every published run record and every
recorded LLM exchange. This check restores it into a fresh cache, removes the records of the
chosen (task, sampler, seed) runs, runs them again with ``python -m benchmarks.run`` (the LLM
answers replayed from the recorded exchanges, the advisors of known skill answering again as
the functions of the request they are), and compares each new record with the archived one on
everything that does not measure time: the configurations, the values, the regret curve, the
LLM's proposals and calls. A refactoring that changes what a sampler proposes fails it.

A Gaussian process fitted on another CPU can differ in the last digit (PyTorch's sums run in
another order), and one such digit changes the GP's next proposal: runs archived on another
machine need not replay here. ``--before`` then compares with the code before a change run on
this machine (a git worktree of that commit), which is what "behaviour unchanged" means.

Examples::

    python -m benchmarks.replay_check --tasks svm-wine --samplers gp llm-prior+useless
    git worktree add /tmp/before HEAD~1
    python -m benchmarks.replay_check --before /tmp/before --tasks svm-wine --samplers llm-prior
    python -m benchmarks.replay_check --tasks svm-wine dt-iris \\
        --samplers llm-trust+oracle-top1 --archive-dir benchmarks/results/advisors_archive
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import os
from pathlib import Path
import subprocess
import sys
import tempfile
from typing import Any

from benchmarks.core.runner import load_run
from benchmarks.core.runner import run_path


ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ARCHIVE = ROOT / "benchmarks" / "results" / "archive"
#: Record fields that are the same on every rerun of the same code (what a run *did*).
COMPARED_FIELDS = (
    "params",
    "values",
    "best_so_far",
    "regret",
    "best_trial",
    "llm_proposals",
    "llm_calls",
    "test_scores",
)


def differences(archived: dict[str, Any], rerun: dict[str, Any]) -> list[str]:
    """The compared fields in which ``rerun`` differs from ``archived``.

    A field the archived record lacks (it was recorded before the field existed) is not
    compared. ``llm_calls`` counts the calls made to a model: a rerun that replays every answer
    makes none, so a rerun with no calls at all is not compared on it with a run that asked the
    model live; its answers are compared through ``llm_proposals`` and ``params``.

    Example:
        >>> archived = {"params": [{"x": 1}], "values": [2.0], "llm_calls": [1.0]}
        >>> differences(archived, {"params": [{"x": 1}], "values": [3.0], "llm_calls": [0.0]})
        ['values']
    """
    replayed_all = not any(rerun.get("llm_calls") or [])
    return [
        f
        for f in COMPARED_FIELDS
        if f in archived
        and not (f == "llm_calls" and replayed_all)
        and archived[f] != rerun.get(f)
    ]


def _rerun(
    code: Path,
    cache: Path,
    tasks: Sequence[str],
    samplers: Sequence[str],
    seeds: Sequence[int],
    trials: int,
) -> None:
    """Run the missing (task, sampler, seed) runs in ``cache`` with the checkout at ``code``."""
    # benchmarks.run runs seeds 0..N-1: the runs not removed are cached, hence skipped.
    # One thread, as the published runs: PyTorch's sums in another order give other GPs.
    threads = os.environ.get("REPLAY_THREADS", "1")
    subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--tasks", *tasks, "--samplers", *samplers,
         "--seeds", str(max(seeds) + 1), "--trials", str(trials), "--cache-dir", str(cache),
         "--no-archive", "--no-progress"],
        check=False, cwd=code,
        env={**os.environ, "OMP_NUM_THREADS": threads, "PYTHONPATH": str(code)},
    )  # fmt: skip


def _restore(cache: Path, archive_dir: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "benchmarks.archive", "restore", "--cache-dir", str(cache),
         "--archive-dir", str(archive_dir)],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def check(
    tasks: Sequence[str],
    samplers: Sequence[str],
    seeds: Sequence[int],
    trials: int,
    archive_dir: Path,
    before: Path | None = None,
) -> list[tuple[str, str, int, list[str]]]:
    """Rerun each (task, sampler, seed) run with this checkout; the fields that differ from the
    archived record, or, with ``before`` (another checkout), from that code's rerun."""
    keys = [(t, s, k) for t in tasks for s in samplers for k in seeds]
    with tempfile.TemporaryDirectory(prefix="replay-check-") as folder:
        caches = {"now": Path(folder) / "now", "before": Path(folder) / "before"}
        references: dict[tuple[str, str, int], dict[str, Any] | None] = {}
        for name in ("now", "before") if before is not None else ("now",):
            _restore(caches[name], archive_dir)  # The recorded LLM exchanges, and the runs.
            for task, sampler, seed in keys:
                archived = load_run(caches[name], task, sampler, seed, trials)
                if archived is None and before is None:
                    raise SystemExit(f"{task} {sampler} seed {seed}: not in {archive_dir}")
                if name == "now":
                    references[(task, sampler, seed)] = archived
                run_path(caches[name], task, sampler, seed, trials).unlink(missing_ok=True)
        if before is not None:
            _rerun(before, caches["before"], tasks, samplers, seeds, trials)
            for task, sampler, seed in keys:
                references[(task, sampler, seed)] = load_run(
                    caches["before"], task, sampler, seed, trials
                )
        _rerun(ROOT, caches["now"], tasks, samplers, seeds, trials)
        results = []
        for task, sampler, seed in keys:
            reference = references[(task, sampler, seed)]
            rerun = load_run(caches["now"], task, sampler, seed, trials)
            if reference is None or rerun is None:
                results.append((task, sampler, seed, ["no record: the run failed"]))
            else:
                results.append((task, sampler, seed, differences(reference, rerun)))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.replay_check",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tasks", nargs="+", required=True)
    parser.add_argument("--samplers", nargs="+", required=True)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--archive-dir", type=Path, default=DEFAULT_ARCHIVE)
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="another checkout (e.g. a git worktree of the commit before a refactoring): compare "
        "with its reruns on this machine instead of the archived records",
    )
    args = parser.parse_args(argv)
    results = check(
        args.tasks, args.samplers, args.seeds, args.trials, args.archive_dir, args.before
    )
    for task, sampler, seed, differing in results:
        verdict = "identical" if not differing else "DIFFERS in " + ", ".join(differing)
        print(f"{task:28} {sampler:36} seed {seed}: {verdict}")
    failed = sum(1 for *_, differing in results if differing)
    print(f"{len(results) - failed} of {len(results)} runs replayed identically")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
