"""Multi-objective and constrained benchmark: hypervolume and feasibility against NSGA-II and TPE.

Two kinds of task, both built on Bayesmark-lite's random forest (10 trees, the search space
of :data:`benchmarks.tasks.bayesmark.TREE_SPACE`):

* **two objectives** (``rf-<dataset>-size``): maximise the 5-fold cross-validated accuracy
  and minimise the model size, the number of tree nodes of the forest (mean over the 5
  fold models). Measured by the **hypervolume** of the front after 10 and 30 trials, in a
  normalised space where both objectives lie in [0, 1]: the error ``1 - accuracy`` divided
  by the error of the majority-class guess, and ``log(nodes / 10) / log(max nodes / 10)``
  (10 single-node trees is the smallest forest, ``10 * (2 n - 1)`` nodes the largest for
  ``n`` training rows). The reference point is (1, 1): a front point counts only if it
  beats the majority guess. 1 would be a perfect classifier of 10 one-node trees.
* **constrained** (``rf-wine-nodes20``): maximise the accuracy subject to at most 20 nodes
  in the forest, reported with ``trial.set_constraint("forest_nodes", nodes - 20)`` and
  written for the LLM in ``study.user_attrs["constraints"]``. Measured by the **share of
  feasible trials** and the **best feasible accuracy** after 10 and 30 trials.

Samplers: ``random``, ``tpe`` (Optuna 5's default TPESampler, multi-objective and
constraint-aware), ``nsga2`` (NSGAIISampler with its default population of 50, so that 30
trials are its random first generation), ``nsga2-p10`` (population 10), ``gp``
(GPSampler: logEHVI, constrained) and the ``llm`` strategies, built as
``LLMGuidedSampler(seed=seed, strategy=..., timeout=120)``.

Example::

    OMP_NUM_THREADS=1 python -m benchmarks.multiobjective --seeds 3 --trials 30
    python -m benchmarks.render_multiobjective      # the Markdown section

Each run is cached under ``benchmarks/.cache/multiobjective/<task>/`` as soon as it finishes,
so the command resumes; the summary goes to ``benchmarks/results/multiobjective.json``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
import datetime
from importlib import metadata
import json
import logging
import math
import os
from pathlib import Path
import platform
import re
import subprocess
import sys
import time
from typing import Any
import warnings

import numpy as np
import optuna

from benchmarks._paths import BENCHMARKS_DIR
from benchmarks._paths import REPO_ROOT
from benchmarks._paths import RESULTS_DIR
from benchmarks.core.runner import load_run
from benchmarks.core.runner import RECORD_FORMAT
from benchmarks.core.runner import save_run
from benchmarks.core.samplers import full_statistics
from benchmarks.core.samplers import llm_statistics
from benchmarks.core.samplers import llm_strategy
from benchmarks.tasks.bayesmark import build_estimator
from benchmarks.tasks.bayesmark import load_split
from benchmarks.tasks.bayesmark import TREE_SPACE
from benchmarks.tasks.task_types import Direction
from benchmarks.tasks.task_types import suggest_from_space
from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings
from llm_guided_optuna._attrs import LLM_SOURCES
from llm_guided_optuna._sampler.strategies import STRATEGIES


N_TREES = 10
CV_FOLDS = 5
CHECKPOINTS: tuple[int, ...] = (10, 30)
DEFAULT_CACHE_DIR = BENCHMARKS_DIR / ".cache" / "multiobjective"
DEFAULT_RESULTS = RESULTS_DIR / "multiobjective.json"
BASELINES: tuple[str, ...] = ("random", "tpe", "nsga2", "nsga2-p10", "gp")
LLM_TIMEOUT_S = 120.0


# --------------------------------------------------------------------------- tasks


@dataclass(frozen=True)
class MultiObjectiveTask:
    """A random-forest task with two objectives (accuracy, nodes) or a node-count constraint.

    Attributes:
        name: ``rf-<dataset>-size`` or ``rf-<dataset>-nodes<limit>``.
        dataset: A classification dataset of Bayesmark-lite.
        node_limit: ``None`` for the two-objective task, else the constraint's bound.
    """

    name: str
    dataset: str
    node_limit: int | None = None

    @property
    def constrained(self) -> bool:
        """Whether this is the constrained single-objective task."""
        return self.node_limit is not None

    @property
    def directions(self) -> list[Direction]:
        """Optuna directions: (accuracy, nodes) or accuracy alone."""
        return ["maximize"] if self.constrained else ["maximize", "minimize"]

    def evaluate(self, params: dict[str, Any]) -> tuple[float, float]:
        """5-fold CV accuracy and mean number of nodes of the forest over the fold models."""
        # Lazy: scikit-learn is heavy (~1 s); only the scikit-learn tasks need it.
        from sklearn.model_selection import cross_validate

        data = load_split(self.dataset)
        estimator = build_estimator("rf", False, params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = cross_validate(
                estimator,
                data.x_train,
                data.y_train,
                cv=CV_FOLDS,
                scoring="accuracy",
                return_estimator=True,
            )
        nodes = [
            sum(tree.tree_.node_count for tree in forest.estimators_)
            for forest in result["estimator"]
        ]
        return float(np.mean(result["test_score"])), float(np.mean(nodes))

    def majority_error(self) -> float:
        """The error of always guessing the most frequent training class."""
        y = load_split(self.dataset).y_train
        return 1.0 - float(np.bincount(y.astype(int)).max()) / len(y)

    def max_nodes(self) -> float:
        """The largest possible forest: ``N_TREES`` full trees on a cross-validation fold."""
        n_fit = math.ceil(len(load_split(self.dataset).y_train) * (CV_FOLDS - 1) / CV_FOLDS)
        return float(N_TREES * (2 * n_fit - 1))

    def normalise(self, accuracy: float, nodes: float) -> tuple[float, float]:
        """(scaled error, scaled log size), both to be minimised; (1, 1) is the reference point."""
        error = (1.0 - accuracy) / self.majority_error()
        size = math.log(max(nodes, N_TREES) / N_TREES) / math.log(self.max_nodes() / N_TREES)
        return error, size

    def describe(self) -> dict[str, Any]:
        """What LLM samplers are told through ``study.user_attrs`` and the metric names."""
        data = load_split(self.dataset)
        shape = (
            f"{len(data.y_train)} training rows, {data.x_train.shape[1]} numeric features, "
            f"{data.n_classes} classes"
        )
        forest = (
            f"a scikit-learn random forest classifier with {N_TREES} trees on the {self.dataset} "
            f"dataset ({shape})"
        )
        if self.constrained:
            return {
                "problem_type": "hyperparameter tuning of a classifier under a model-size limit",
                "problem_description": (
                    f"Tune {forest}; maximise the 5-fold cross-validated accuracy while the "
                    "forest stays small."
                ),
                "constraints": [
                    f"the forest has at most {self.node_limit} tree nodes in all (mean over the 5 "
                    "CV fold models)"
                ],
                "metric_names": ["cv_accuracy"],
            }
        return {
            "problem_type": "multi-objective hyperparameter tuning of a classifier",
            "problem_description": (
                f"Tune {forest}. Objective 0: the 5-fold cross-validated accuracy (maximise). "
                "Objective 1: the model size, the number of tree nodes of the forest (minimise). "
                "Find the best trade-offs between accuracy and size."
            ),
            "metric_names": ["cv_accuracy", "forest_nodes"],
        }


MULTI_OBJECTIVE_TASKS: tuple[str, ...] = ("rf-wine-size", "rf-breast_cancer-size")
CONSTRAINED_TASKS: tuple[str, ...] = ("rf-wine-nodes20",)


def get_task(name: str) -> MultiObjectiveTask:
    """The task called ``name`` (``rf-<dataset>-size`` or ``rf-<dataset>-nodes<k>``)."""
    match = re.fullmatch(r"rf-(iris|wine|breast_cancer)-(size|nodes(\d+))", name)
    if match is None:
        raise KeyError(
            f"unknown task {name!r}; e.g. {', '.join(MULTI_OBJECTIVE_TASKS + CONSTRAINED_TASKS)}"
        )
    limit = int(match.group(3)) if match.group(3) else None
    return MultiObjectiveTask(name=name, dataset=match.group(1), node_limit=limit)


# --------------------------------------------------------------------------- metrics


def hypervolume_2d(
    points: Sequence[tuple[float, float]], reference: tuple[float, float] = (1.0, 1.0)
) -> float:
    """Area dominated by ``points`` (both coordinates minimised) and bounded by ``reference``.

    >>> hypervolume_2d([(0.2, 0.5), (0.5, 0.2)])
    0.55
    """
    inside = sorted((x, y) for x, y in points if x < reference[0] and y < reference[1])
    area, ceiling = 0.0, reference[1]
    for x, y in inside:
        if y < ceiling:
            area += (reference[0] - x) * (ceiling - y)
            ceiling = y
    return round(area, 12)


def hypervolume_curve(
    task: MultiObjectiveTask, values: Sequence[Sequence[float] | None]
) -> list[float]:
    """Hypervolume of the first k trials' front for every k (failed trials count as nothing)."""
    curve: list[float] = []
    points: list[tuple[float, float]] = []
    for value in values:
        if value is not None:
            points.append(task.normalise(value[0], value[1]))
        curve.append(hypervolume_2d(points))
    return curve


def best_feasible_curve(
    values: Sequence[float | None], feasible: Sequence[bool]
) -> list[float | None]:
    """Best accuracy among the feasible trials so far, after every trial."""
    curve: list[float | None] = []
    best: float | None = None
    for value, ok in zip(values, feasible):
        if ok and value is not None and (best is None or value > best):
            best = value
        curve.append(best)
    return curve


def mean_and_se(samples: Sequence[float]) -> tuple[float | None, float | None]:
    """Mean and standard error of the mean (``None`` for one sample); ``(None, None)`` without
    samples."""
    array = np.asarray([s for s in samples if s is not None], dtype=float)
    if array.size == 0:
        return None, None
    se = float(array.std(ddof=1) / math.sqrt(array.size)) if array.size > 1 else None
    return float(array.mean()), se


# --------------------------------------------------------------------------- samplers


def llm_strategies() -> list[str]:
    """The strategies ``LLMGuidedSampler`` accepts now (``prior`` only where it exists)."""
    return [s for s in ("llm", "hybrid", "prior") if s in STRATEGIES]


def default_samplers() -> list[str]:
    """Baselines plus one name per available LLM strategy (``llm``, ``llm-hybrid``, ...)."""
    return list(BASELINES) + ["llm" if s == "llm" else f"llm-{s}" for s in llm_strategies()]


def build_sampler(name: str, seed: int) -> optuna.samplers.BaseSampler:
    """The sampler called ``name``, seeded with ``seed``."""
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    if name.startswith("nsga2-p"):
        return optuna.samplers.NSGAIISampler(
            seed=seed, population_size=int(name[len("nsga2-p") :])
        )
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    if name.startswith("llm"):
        return LLMGuidedSampler(
            seed=seed, strategy=llm_strategy(name), llm=LLMSettings(timeout=LLM_TIMEOUT_S)
        )
    raise ValueError(f"unknown sampler {name!r}; known: {', '.join(BASELINES)}, llm[-<strategy>]")


# --------------------------------------------------------------------------- runs


def run_one(
    task: MultiObjectiveTask, sampler_name: str, seed: int, n_trials: int
) -> dict[str, Any]:
    """Optimise ``task`` for ``n_trials`` trials with ``sampler_name`` and return the run
    record."""

    sampler = build_sampler(sampler_name, seed)
    study = optuna.create_study(directions=task.directions, sampler=sampler)
    description = task.describe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(description.pop("metric_names"))
    for key, value in description.items():
        study.set_user_attr(key, value)

    def objective(trial: optuna.Trial) -> float | tuple[float, float]:
        params = suggest_from_space(trial, TREE_SPACE)
        accuracy, nodes = task.evaluate(params)
        trial.set_user_attr("forest_nodes", nodes)
        if task.constrained:
            trial.set_constraint("forest_nodes", nodes - float(task.node_limit or 0))
            return accuracy
        return accuracy, nodes

    started = time.perf_counter()
    study.optimize(objective, n_trials=n_trials, catch=(Exception,))
    total_seconds = time.perf_counter() - started

    trials = sorted(study.trials, key=lambda t: t.number)
    complete = [t.state == optuna.trial.TrialState.COMPLETE for t in trials]
    nodes = [t.user_attrs.get("forest_nodes") for t in trials]
    accuracy = [float(t.values[0]) if ok else None for t, ok in zip(trials, complete)]
    record: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "task": task.name,
        "kind": "constrained" if task.constrained else "multiobjective",
        "sampler": sampler_name,
        "seed": seed,
        "n_trials": n_trials,
        "values": [
            [a, n] if a is not None and n is not None else None for a, n in zip(accuracy, nodes)
        ],
        "sources": [t.user_attrs.get("llm_source") for t in trials],
        "total_seconds": total_seconds,
        "llm": llm_statistics(sampler),
        "sampler_statistics": full_statistics(sampler),
        "versions": _versions(),
        "code": _code_version(),
        "finished_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    if task.constrained:
        feasible = [
            ok and n is not None and n <= float(task.node_limit or 0)
            for ok, n in zip(complete, nodes)
        ]
        record["feasible"] = feasible
        record["best_feasible"] = best_feasible_curve(accuracy, feasible)
    else:
        record["hypervolume"] = hypervolume_curve(task, record["values"])
    return record


def _code_version() -> str | None:
    """The checkout's commit, with ``+dirty`` when the library has uncommitted changes."""

    root = REPO_ROOT
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "llm_guided_optuna"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


def _versions() -> dict[str, str | None]:

    versions: dict[str, str | None] = {}
    for package in ("optuna", "scikit-learn", "numpy", "torch", "litellm"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def run_all(
    tasks: list[str], samplers: list[str], seeds: int, trials: int, cache_dir: Path
) -> dict[str, int]:
    """Run every missing repetition, seed-major; a failed run is reported and retried next time."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    plan = [(t, s, k) for k in range(seeds) for t in tasks for s in samplers]
    counts = {"cached": 0, "ran": 0, "failed": 0}
    for task_name, sampler, seed in plan:
        if load_run(cache_dir, task_name, sampler, seed, trials) is not None:
            counts["cached"] += 1
            continue
        started = time.perf_counter()
        try:
            record = run_one(get_task(task_name), sampler, seed, trials)
        except Exception as error:  # noqa: BLE001 - one broken run must not lose the others
            counts["failed"] += 1
            print(
                f"FAILED {task_name} {sampler} seed {seed}: {type(error).__name__}: {error}",
                file=sys.stderr,
            )
            continue
        save_run(cache_dir, record)
        counts["ran"] += 1
        print(
            f"{task_name} {sampler} seed {seed}: {time.perf_counter() - started:.0f} s", flush=True
        )
    return counts


# --------------------------------------------------------------------------- summary


def run_metrics(
    task: MultiObjectiveTask, record: dict[str, Any], checkpoints: Sequence[int]
) -> dict[str, Any]:
    """One run's figures at the checkpoints: hypervolume, or feasible share and best feasible
    value."""
    metrics: dict[str, Any] = {}
    for c in checkpoints:
        if task.constrained:
            metrics[f"feasible_share@{c}"] = sum(record["feasible"][:c]) / c
            metrics[f"best_feasible@{c}"] = record["best_feasible"][c - 1]
        else:
            metrics[f"hypervolume@{c}"] = record["hypervolume"][c - 1]
    return metrics


def aggregate(
    per_seed: dict[str, dict[str, Any]], seeds: Sequence[str] | None = None
) -> dict[str, Any]:
    """Mean and standard error of each figure over ``seeds`` (default: every seed of
    ``per_seed``)."""
    chosen = [per_seed[k] for k in (seeds if seeds is not None else per_seed) if k in per_seed]
    names = list(chosen[0]) if chosen else []
    result: dict[str, Any] = {}
    for name in names:
        samples = [m[name] for m in chosen]
        result[name] = mean_and_se([v for v in samples if v is not None])
        if name.startswith("best_feasible@"):
            result["runs_with_feasible@" + name.split("@")[1]] = sum(
                v is not None for v in samples
            )
    return result


def summarise(
    tasks: list[str], samplers: list[str], seeds: int, trials: int, cache_dir: Path
) -> dict[str, Any]:
    """Per task and sampler: hypervolume or feasibility at the checkpoints, over cached seeds.

    Each entry keeps the figures of every seed (``per_seed``) for paired comparisons.
    """
    checkpoints = [c for c in CHECKPOINTS if c <= trials]
    result: dict[str, Any] = {"multiobjective": {}, "constrained": {}}
    for task_name in tasks:
        task = get_task(task_name)
        section = result["constrained" if task.constrained else "multiobjective"].setdefault(
            task_name, {}
        )
        for sampler in samplers:
            runs = [
                (k, run)
                for k in range(seeds)
                if (run := load_run(cache_dir, task_name, sampler, k, trials)) is not None
            ]
            if not runs:
                continue
            per_seed = {str(k): run_metrics(task, r, checkpoints) for k, r in runs}
            section[sampler] = {
                "seeds": [k for k, _ in runs],
                "wall_seconds": mean_and_se([r["total_seconds"] for _, r in runs])[0],
                "llm_calls": mean_and_se([r["llm"]["llm_calls"] for _, r in runs])[0],
                "llm_share": mean_and_se([_llm_share(r) for _, r in runs])[0],
                **aggregate(per_seed),
                "per_seed": per_seed,
            }
    return result


def _llm_share(record: dict[str, Any]) -> float:
    sources = record.get("sources") or []
    if not sources:
        return 0.0
    return sum(1 for s in sources if s in LLM_SOURCES) / len(sources)


def write_results(
    path: Path,
    tasks: list[str],
    samplers: list[str],
    seeds: int,
    trials: int,
    cache_dir: Path,
    command: str,
) -> dict[str, Any]:
    """Summarise the cached runs into ``path`` (JSON) and return what was written."""

    summary = summarise(tasks, samplers, seeds, trials, cache_dir)
    results = {
        "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "tasks": tasks,
        "samplers": samplers,
        "seeds": seeds,
        "n_trials": trials,
        "checkpoints": [c for c in CHECKPOINTS if c <= trials],
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        },
        "versions": _versions(),
        "llm_timeout_s": LLM_TIMEOUT_S,
        **summary,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, allow_nan=False) + "\n")
    return results


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m benchmarks.multiobjective``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.multiobjective",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--tasks",
        nargs="+",
        default=None,
        help=f"default: {' '.join(MULTI_OBJECTIVE_TASKS + CONSTRAINED_TASKS)}",
    )
    parser.add_argument(
        "--samplers", nargs="+", default=None, help="default: baselines and every LLM strategy"
    )
    parser.add_argument(
        "--seeds", type=int, default=3, help="repetitions, seeds 0..N-1 (default 3)"
    )
    parser.add_argument("--trials", type=int, default=30, help="budget per run (default 30)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--output", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument(
        "--summarise-only", action="store_true", help="write the results from the cache only"
    )
    return parser


def run_command(argv: list[str] | None = None) -> tuple[dict[str, Any], int]:
    """Run ``python -m benchmarks.multiobjective``'s command line and write its results.

    Returns the results and the exit status (1 if a run failed); the command prints their
    section, which :mod:`benchmarks.report.render_multiobjective` renders.
    """
    args = build_parser().parse_args(argv)
    tasks = args.tasks or list(MULTI_OBJECTIVE_TASKS + CONSTRAINED_TASKS)
    for name in tasks:
        get_task(name)
    samplers = list(dict.fromkeys(args.samplers or default_samplers()))
    logging.getLogger("LiteLLM").setLevel(logging.WARNING)
    failed = 0
    if not args.summarise_only:
        counts = run_all(tasks, samplers, args.seeds, args.trials, args.cache_dir)
        failed = counts["failed"]
        print(f"{counts['ran']} runs done, {counts['cached']} from the cache, {failed} failed.")
    command = (
        f"python -m benchmarks.multiobjective --tasks {' '.join(tasks)} --samplers "
        f"{' '.join(samplers)} --seeds {args.seeds} --trials {args.trials}"
    )
    results = write_results(
        args.output, tasks, samplers, args.seeds, args.trials, args.cache_dir, command
    )
    return results, 1 if failed else 0
