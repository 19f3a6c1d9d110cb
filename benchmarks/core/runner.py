"""Run one (task, sampler, seed) repetition and cache its record as JSON.

A run record holds the objective value and the configuration of every trial (and the LLM's
proposal, for the trials the LLM proposed), the best-so-far and regret curves, the held-out
test score of the best trial, and per-trial costs:

For a noisy task (the neural-network suite) ``values`` are the draws the optimizer saw, and
``best_so_far`` is the best *noise-free* value among the configurations evaluated so far
(``noise_free_values``); ``observed_best_so_far`` is the running best of the draws.

* ``objective_seconds``: the 5-fold cross-validation of the trial's configuration;
* ``llm_seconds`` / ``llm_calls`` / ``prompt_tokens`` / ``completion_tokens``: deltas of
  the sampler's own statistics (zero for samplers without an LLM);
* ``sampler_seconds``: everything else the study spent, i.e. the wall time of
  ``study.optimize`` minus objective, held-out test and LLM seconds. Per trial it is the
  gap between the end of the previous trial's evaluation and the start of this one
  (suggestions included), minus this trial's LLM seconds.
* ``library_commit``: the commit of the library that ran (``+dirty`` with local changes);
  records from before 2026-12-08 lack it.
"""

from __future__ import annotations

import datetime
from importlib import metadata
import json
import math
from pathlib import Path
import platform
import re
import subprocess
import time
from typing import Any

import optuna

from benchmarks.core.metrics import best_so_far
from benchmarks.core.metrics import regret_curve
from benchmarks.core.samplers import build_sampler
from benchmarks.core.samplers import full_statistics
from benchmarks.core.samplers import llm_statistics
from benchmarks.core.samplers import SamplerSetup
from benchmarks.core.samplers import STAT_KEYS
from benchmarks.tasks.task_types import Reference
from benchmarks.tasks.task_types import Task


RECORD_FORMAT = 1
#: The trial user attribute holding the LLM's proposal
#: (``llm_guided_optuna._prompt.context.PROPOSAL_ATTR``; not imported, so that the baselines run
#: without the library).
LLM_PROPOSAL_ATTR = "llm_proposal"
#: The trial user attribute holding the noise-free value of a noisy task's configuration.
NOISE_FREE_ATTR = "noise_free_value"


def run_path(cache_dir: Path, task: str, sampler: str, seed: int, n_trials: int) -> Path:
    """The cache file of one repetition (the sampler name is made file-system safe)."""
    safe_sampler = re.sub(r"[^A-Za-z0-9._-]", "_", sampler)
    return Path(cache_dir) / task / f"{safe_sampler}__seed{seed}__trials{n_trials}.json"


def load_run(
    cache_dir: Path, task: str, sampler: str, seed: int, n_trials: int
) -> dict[str, Any] | None:
    """A finished run record from the cache, or ``None``."""
    path = run_path(cache_dir, task, sampler, seed, n_trials)
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text())
    except json.JSONDecodeError:  # a truncated file from a killed process: rerun it
        return None
    if record.get("format") != RECORD_FORMAT or len(record.get("values", [])) != n_trials:
        return None
    return record


def save_run(cache_dir: Path, record: dict[str, Any]) -> Path:
    """Write ``record`` atomically to its cache file and return the path."""
    path = run_path(
        cache_dir, record["task"], record["sampler"], record["seed"], record["n_trials"]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(record, indent=1, allow_nan=False))
    temporary.replace(path)
    return path


def library_versions() -> dict[str, str | None]:
    """Versions of Python and of the libraries whose behaviour the results depend on."""

    versions: dict[str, str | None] = {"python": platform.python_version()}
    for package in (
        "optuna",
        "scikit-learn",
        "numpy",
        "torch",
        "cmaes",
        "litellm",
        "coco-experiment",
    ):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def library_commit() -> str | None:
    """The git commit of the ``llm_guided_optuna`` checkout that runs, ``+dirty`` when its files
    differ from that commit, or ``None`` outside a git checkout (e.g. an installed wheel).

    Runs recorded at different commits are pooled in one row only where
    ``python -m benchmarks.replay_check`` shows them identical.
    """
    import llm_guided_optuna  # the library, wherever it is imported from

    package = Path(llm_guided_optuna.__file__).resolve().parent

    def git(*arguments: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(package), *arguments],
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    commit = git("rev-parse", "HEAD")
    if not commit:
        return None
    changes = git("status", "--porcelain", "--", ".")
    return commit + ("+dirty" if changes else "")


def _finite_or_none(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def task_study(
    task: Task,
    sampler: optuna.samplers.BaseSampler,
    user_attrs: dict[str, Any] | None = None,
    storage: optuna.storages.BaseStorage | None = None,
    study_name: str | None = None,
) -> optuna.Study:
    """A new study of ``task`` (in memory, or named in ``storage``) with its problem context
    (and ``user_attrs``) set."""
    study = optuna.create_study(
        direction=task.direction, sampler=sampler, storage=storage, study_name=study_name
    )
    study.set_user_attr("problem_type", task.problem_type)
    study.set_user_attr("problem_description", task.problem_description)
    study.set_user_attr("metric", task.metric)
    for key, value in (user_attrs or {}).items():
        study.set_user_attr(key, value)
    return study


def run_one(
    task: Task,
    sampler_name: str,
    seed: int,
    n_trials: int,
    reference: Reference | None = None,
    llm_kwargs: dict[str, Any] | None = None,
    user_attrs: dict[str, Any] | None = None,
    enqueue: dict[str, Any] | None = None,
    *,
    sampler: optuna.samplers.BaseSampler | None = None,
    storage: optuna.storages.BaseStorage | None = None,
    study_name: str | None = None,
    enqueue_all: tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    """Optimise ``task`` for ``n_trials`` with ``sampler_name`` and return the run record.

    ``user_attrs`` are set on the study besides the task's own (e.g. ``domain_knowledge``);
    ``enqueue`` is a (partial) configuration enqueued as the first trial, ``enqueue_all`` the
    configurations enqueued after it. ``sampler`` (built by the caller) runs under the name
    ``sampler_name``; ``storage`` and ``study_name`` put the study beside others (the related
    studies of :mod:`benchmarks.experiments.related`).
    """
    if task.reseed is not None:  # a noisy objective: its draws follow the run's seed
        task.reseed(seed)
    setup = (
        build_sampler(sampler_name, seed, llm_kwargs, task=task)
        if sampler is None
        else SamplerSetup(sampler)
    )
    sampler = setup.sampler
    study = task_study(task, sampler, user_attrs, storage, study_name)
    if setup.enqueue_default and task.default_params is not None:
        study.enqueue_trial(task.default_params)
    for configuration in ((enqueue,) if enqueue else ()) + tuple(enqueue_all):
        study.enqueue_trial(configuration, skip_if_exists=False)

    n = n_trials
    objective_seconds = [0.0] * n
    test_seconds = [0.0] * n
    gap_seconds = [0.0] * n
    stats_at_start: list[dict[str, float] | None] = [None] * n
    clock = {"previous_end": 0.0}

    def objective(trial: optuna.Trial) -> float:
        params = task.suggest(trial)  # suggestions are sampler time, not objective time
        start = time.perf_counter()
        index = trial.number
        gap_seconds[index] = start - clock["previous_end"]
        stats_at_start[index] = llm_statistics(sampler)
        try:
            value = task.evaluate_cv(params)
        finally:
            evaluated = time.perf_counter()
            objective_seconds[index] = evaluated - start
            clock["previous_end"] = evaluated
        trial.set_user_attr("objective_seconds", objective_seconds[index])
        if task.evaluate_noise_free is not None:
            trial.set_user_attr(NOISE_FREE_ATTR, task.evaluate_noise_free(params))
        if task.evaluate_test is not None:
            trial.set_user_attr("test_score", task.evaluate_test(params))
        clock["previous_end"] = time.perf_counter()
        test_seconds[index] = clock["previous_end"] - evaluated
        return value

    clock["previous_end"] = optimize_start = time.perf_counter()
    study.optimize(objective, n_trials=n, catch=(Exception,))
    total_seconds = time.perf_counter() - optimize_start
    final_stats = llm_statistics(sampler)

    trials = sorted(study.trials, key=lambda t: t.number)
    values = [
        _finite_or_none(t.value) if t.state == optuna.trial.TrialState.COMPLETE else None
        for t in trials
    ]
    test_scores = [_finite_or_none(t.user_attrs.get("test_score")) for t in trials]

    # Per-trial LLM deltas between trial starts; what was spent after the last start goes to the
    # last.
    deltas: dict[str, list[float]] = {key: [0.0] * n for key in STAT_KEYS}
    previous = dict.fromkeys(STAT_KEYS, 0.0)
    for index in range(n):
        current = stats_at_start[index] or previous
        for key in STAT_KEYS:
            deltas[key][index] = current[key] - previous[key]
        previous = current
    tail_llm_seconds = final_stats["llm_seconds"] - previous["llm_seconds"]
    for key in STAT_KEYS:
        deltas[key][n - 1] += final_stats[key] - previous[key]
    llm_seconds_in_gaps = deltas["llm_seconds"][:-1] + [
        deltas["llm_seconds"][-1] - tail_llm_seconds
    ]
    sampler_seconds = [max(0.0, gap - llm) for gap, llm in zip(gap_seconds, llm_seconds_in_gaps)]
    accounted = sum(gap_seconds) + sum(objective_seconds) + sum(test_seconds) + tail_llm_seconds
    sampler_seconds[-1] += max(
        0.0, total_seconds - accounted
    )  # tell/after_trial of the last trial

    maximize = task.maximize
    noise_free = None
    if (
        task.evaluate_noise_free is not None
    ):  # the regret reads the noise-free values, not the draws
        noise_free = [
            _finite_or_none(t.user_attrs.get(NOISE_FREE_ATTR))
            if t.state == optuna.trial.TrialState.COMPLETE
            else None
            for t in trials
        ]
    best_curve = best_so_far(values if noise_free is None else noise_free, maximize)
    complete = [
        (value, t)
        for t in trials
        if t.state == optuna.trial.TrialState.COMPLETE
        and (value := _finite_or_none(t.value)) is not None
    ]
    best_trial = None
    if complete:
        # The first best trial, as max/min over the trials by value would pick.
        best_value, best = (
            max(complete, key=lambda pair: pair[0])
            if maximize
            else min(complete, key=lambda pair: pair[0])
        )
        best_trial = {
            "number": best.number,
            "value": best_value,
            "params": best.params,
            "test_score": _finite_or_none(best.user_attrs.get("test_score")),
        }
    return {
        "format": RECORD_FORMAT,
        "task": task.name,
        "family": task.family,
        "sampler": sampler_name,
        "model": getattr(sampler, "model_name", None),
        "seed": seed,
        "n_trials": n,
        "direction": task.direction,
        "values": values,
        **(
            {}
            if noise_free is None
            else {
                "noise_free_values": noise_free,
                "observed_best_so_far": best_so_far(values, maximize),
            }
        ),
        "params": [dict(t.params) for t in trials],
        "llm_proposals": [t.user_attrs.get(LLM_PROPOSAL_ATTR) for t in trials],
        "best_so_far": best_curve,
        "reference": None
        if reference is None
        else {"f_star": reference.f_star, "random_median": reference.random_median},
        "regret": None if reference is None else regret_curve(best_curve, reference),
        "test_scores": test_scores,
        "best_trial": best_trial,
        "objective_seconds": objective_seconds,
        "test_seconds": test_seconds,
        "sampler_seconds": sampler_seconds,
        "llm_seconds": deltas["llm_seconds"],
        "llm_calls": deltas["llm_calls"],
        "prompt_tokens": deltas["prompt_tokens"],
        "completion_tokens": deltas["completion_tokens"],
        "total_seconds": total_seconds,
        "sampler_statistics": full_statistics(sampler),
        "versions": library_versions(),
        "library_commit": library_commit(),
        "finished_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
