"""Rerun archived benchmark runs with today's code and check they come out the same.

The archive (``benchmarks/results/archive``) holds every published run record and every
recorded LLM exchange. This check restores it into a fresh cache, removes the records of the
chosen (task, sampler, seed) runs, runs them again with ``python -m benchmarks.run`` (the LLM
answers replayed from the recorded exchanges, the advisors of known skill answering again as
the functions of the request they are), and compares each new record with the archived one on
everything that does not measure time: the configurations, the values, the regret curve, the
LLM's proposals and calls. A refactoring that changes what a sampler proposes fails it.

Examples::

    python -m benchmarks.replay_check --tasks svm-wine --samplers gp llm-prior+useless
    python -m benchmarks.replay_check --tasks svm-wine dt-iris \\
        --samplers llm-trust+oracle-top1 --archive-dir benchmarks/results/advisors_archive
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import json
from pathlib import Path
import re
import subprocess
import sys
import tempfile
from typing import Any


ROOT = Path(__file__).resolve().parent.parent
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


def _record_path(cache_dir: Path, task: str, sampler: str, seed: int, trials: int) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", sampler)
    return cache_dir / task / f"{safe}__seed{seed}__trials{trials}.json"


def differences(archived: dict[str, Any], rerun: dict[str, Any]) -> list[str]:
    """The compared fields in which ``rerun`` differs from ``archived``.

    Example:
        >>> differences({"params": [{"x": 1}], "values": [2.0]}, {"params": [{"x": 1}], "values": [3.0]})
        ['values']
    """
    return [f for f in COMPARED_FIELDS if archived.get(f) != rerun.get(f)]


def check(
    tasks: Sequence[str],
    samplers: Sequence[str],
    seeds: Sequence[int],
    trials: int,
    archive_dir: Path,
) -> list[tuple[str, str, int, list[str]]]:
    """Rerun each archived (task, sampler, seed) run; the differing fields of each."""
    results: list[tuple[str, str, int, list[str]]] = []
    with tempfile.TemporaryDirectory(prefix="replay-check-") as folder:
        cache = Path(folder)
        python = [sys.executable, "-m"]
        subprocess.run(
            [*python, "benchmarks.archive", "restore", "--cache-dir", str(cache),
             "--archive-dir", str(archive_dir)],
            check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        archived: dict[tuple[str, str, int], dict[str, Any]] = {}
        for task in tasks:
            for sampler in samplers:
                for seed in seeds:
                    path = _record_path(cache, task, sampler, seed, trials)
                    if not path.exists():
                        raise SystemExit(f"{task} {sampler} seed {seed}: not in {archive_dir}")
                    archived[(task, sampler, seed)] = json.loads(path.read_text())
                    path.unlink()
        # benchmarks.run runs seeds 0..N-1: the runs not removed are cached, hence skipped.
        subprocess.run(
            [*python, "benchmarks.run", "--tasks", *tasks, "--samplers", *samplers,
             "--seeds", str(max(seeds) + 1), "--trials", str(trials), "--cache-dir", str(cache),
             "--no-archive", "--no-progress"],
            check=True, cwd=ROOT,
        )  # fmt: skip
        for (task, sampler, seed), record in archived.items():
            path = _record_path(cache, task, sampler, seed, trials)
            rerun = json.loads(path.read_text()) if path.exists() else {}
            results.append((task, sampler, seed, differences(record, rerun)))
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
    args = parser.parse_args(argv)
    results = check(args.tasks, args.samplers, args.seeds, args.trials, args.archive_dir)
    for task, sampler, seed, differing in results:
        verdict = "identical" if not differing else "DIFFERS in " + ", ".join(differing)
        print(f"{task:28} {sampler:36} seed {seed}: {verdict}")
    failed = sum(1 for *_, differing in results if differing)
    print(f"{len(results) - failed} of {len(results)} runs replayed identically")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
