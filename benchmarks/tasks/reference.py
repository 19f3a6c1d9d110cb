"""Reference values per task: the random-search median and the best value f*.

Normalised regret (bayesmark's definition) needs two fixed numbers per task: f*, the best
objective value known, and the median objective value of uniformly random configurations.
Both come from cached evaluations: at least 500 random configurations per task, plus the
best value any benchmark run has reached (``best_from_runs``, refreshed by the report).
They are stored in ``benchmarks/reference/<task>.json`` with the scikit-learn version.

The computation is resumable: it checkpoints every few seconds and continues where it
stopped. Run it with::

    OMP_NUM_THREADS=1 nice -n 10 python -m benchmarks.reference --tasks all
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys
import time
from typing import Any

import numpy as np
from tqdm import tqdm

from benchmarks._paths import DEFAULT_REFERENCE_DIR
from benchmarks.tasks.bbob import bbob_available
from benchmarks.tasks.nn import nn_reference
from benchmarks.tasks.nn import NN_TASK_NAMES
from benchmarks.tasks.registry import get_task
from benchmarks.tasks.registry import resolve_task_names
from benchmarks.tasks.task_types import Reference
from benchmarks.tasks.task_types import sample_uniform_config
from benchmarks.tasks.task_types import Task


DEFAULT_RANDOM_CONFIGS = 500
RANDOM_SEED = 20240501  # fixed: the random configurations are the same on every machine
CHECKPOINT_SECONDS = 15.0


def sklearn_version() -> str:
    """Installed scikit-learn version (reference values depend on it)."""
    # Lazy: scikit-learn is heavy (~1 s); only the scikit-learn tasks need it.
    import sklearn

    return str(sklearn.__version__)


def reference_path(task_name: str, reference_dir: Path = DEFAULT_REFERENCE_DIR) -> Path:
    """Where the reference JSON of ``task_name`` lives."""
    return Path(reference_dir) / f"{task_name}.json"


def read_reference_file(
    task_name: str, reference_dir: Path = DEFAULT_REFERENCE_DIR
) -> dict[str, Any] | None:
    """The raw reference record of a task, or ``None`` if it was never computed."""
    path = reference_path(task_name, reference_dir)
    if not path.exists():
        return None
    return json.loads(path.read_text())


def _write_atomically(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(payload, separators=(",", ":")) + "\n")  # compact: 500 configs
    temporary.replace(path)


def _best(values: list[float], maximize: bool) -> float:
    return float(max(values) if maximize else min(values))


def load_reference(
    task_name: str,
    reference_dir: Path = DEFAULT_REFERENCE_DIR,
    min_random: int = DEFAULT_RANDOM_CONFIGS,
) -> Reference | None:
    """The task's reference, or ``None`` when fewer than ``min_random`` configs are cached.

    The neural-network suite's tasks take theirs from their whole table instead
    (:func:`benchmarks.tasks.nn.nn_reference`): no file, nothing to compute.
    """

    if task_name in NN_TASK_NAMES:
        return nn_reference(task_name)
    record = read_reference_file(task_name, reference_dir)
    if record is None or len(record["random_values"]) < min_random:
        return None
    maximize = record["direction"] == "maximize"
    candidates = list(record["random_values"])
    if record.get("best_from_runs") is not None:
        candidates.append(record["best_from_runs"]["value"])
    return Reference(
        task=task_name,
        maximize=maximize,
        f_star=_best(candidates, maximize),
        random_median=float(np.median(record["random_values"])),
        n_random=len(record["random_values"]),
    )


def require_reference(reference: Reference | None, task_name: str) -> Reference:
    """``reference``, or an error that says how to compute the missing one."""
    if reference is None:
        raise FileNotFoundError(
            f"no reference values for {task_name!r}: run "
            f"`python -m benchmarks.reference --tasks {task_name}`"
        )
    return reference


def _new_record(task: Task) -> dict[str, Any]:
    return {
        "task": task.name,
        "direction": task.direction,
        "metric": task.metric,
        "sklearn_version": sklearn_version(),
        "random_seed": RANDOM_SEED,
        "random_values": [],
        "random_params": [],
        "best_from_runs": None,
    }


def compute_random_reference(
    task: Task,
    n_random: int = DEFAULT_RANDOM_CONFIGS,
    reference_dir: Path = DEFAULT_REFERENCE_DIR,
    progress: Any = None,
) -> dict[str, Any]:
    """Evaluate random configurations of ``task`` until ``n_random`` are cached.

    Configuration ``i`` is drawn from a generator seeded with ``(RANDOM_SEED, i)``, so a
    resumed computation evaluates exactly the configurations an uninterrupted one would.
    ``progress`` (a tqdm bar) is advanced once per evaluation if given.
    """
    path = reference_path(task.name, reference_dir)
    record = read_reference_file(task.name, reference_dir) or _new_record(task)
    if record["sklearn_version"] != sklearn_version() and task.family == "bayesmark":
        raise RuntimeError(
            f"{path} was computed with scikit-learn {record['sklearn_version']}, this is "
            f"{sklearn_version()}: delete it (or pass --force) to recompute"
        )
    last_checkpoint = time.monotonic()
    while len(record["random_values"]) < n_random:
        index = len(record["random_values"])
        params = sample_uniform_config(task.space, np.random.default_rng([RANDOM_SEED, index]))
        record["random_values"].append(task.evaluate_cv(params))
        record["random_params"].append(params)
        if progress is not None:
            progress.update(1)
        if time.monotonic() - last_checkpoint > CHECKPOINT_SECONDS:
            _write_atomically(path, record)
            last_checkpoint = time.monotonic()
    _write_atomically(path, record)
    return record


def update_best_from_runs(
    task_name: str,
    value: float,
    params: dict[str, Any],
    source: str,
    reference_dir: Path = DEFAULT_REFERENCE_DIR,
) -> bool:
    """Record ``value`` as the best seen in benchmark runs if it beats the stored one.

    Returns whether the file changed. Does nothing when the task has no reference file.
    """
    record = read_reference_file(task_name, reference_dir)
    if record is None:
        return False
    maximize = record["direction"] == "maximize"
    current = record.get("best_from_runs")
    better = current is None or (
        value > current["value"] if maximize else value < current["value"]
    )
    if not better:
        return False
    record["best_from_runs"] = {"value": float(value), "params": params, "source": source}
    _write_atomically(reference_path(task_name, reference_dir), record)
    return True


def main(argv: list[str] | None = None) -> int:
    """CLI: compute (or resume) the random-configuration reference of the chosen tasks."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--tasks", nargs="+", default=["all"], help="task names, or all / bayesmark / bbob"
    )
    parser.add_argument("--n-random", type=int, default=DEFAULT_RANDOM_CONFIGS)
    parser.add_argument("--reference-dir", type=Path, default=DEFAULT_REFERENCE_DIR)
    parser.add_argument(
        "--force", action="store_true", help="discard existing files and recompute"
    )
    args = parser.parse_args(argv)

    if any(item in ("all", "bbob") for item in args.tasks):
        available, reason = bbob_available()
        if not available:
            print(f"Skipping the BBOB tasks: {reason}", file=sys.stderr)
    names = resolve_task_names(args.tasks)
    missing = 0
    for name in names:
        record = None if args.force else read_reference_file(name, args.reference_dir)
        if args.force:
            reference_path(name, args.reference_dir).unlink(missing_ok=True)
        missing += max(0, args.n_random - (len(record["random_values"]) if record else 0))
    with tqdm(total=missing, desc="random configurations", unit="eval") as bar:
        for name in names:
            bar.set_postfix_str(name)
            compute_random_reference(
                get_task(name), args.n_random, args.reference_dir, progress=bar
            )
    for name in names:
        reference = load_reference(name, args.reference_dir, args.n_random)
        assert reference is not None
        print(
            f"{name:24s} f*={reference.f_star:.4f}  random median={reference.random_median:.4f}  "
            f"(n={reference.n_random})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
