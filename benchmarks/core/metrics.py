"""Metrics: normalised regret, its mean and standard error, ranks and trials-to-target.

Normalised regret (bayesmark): ``r = (f* - best so far) / (f* - random median)`` for a
maximised objective, ``(best so far - f*) / (random median - f*)`` for a minimised one,
clipped to ``[0, 1]``. ``r = 0`` means the best known value was reached, ``r = 1`` means
no better than the median random configuration. Where the reference says ``log`` (the
neural-network suite's losses, which span orders of magnitude) the three values are
logarithms first.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
import math
from typing import Any
from typing import Iterable
from typing import Mapping
from typing import Sequence

import numpy as np

from benchmarks.tasks.task_types import Reference


CHECKPOINTS: tuple[int, ...] = (5, 10, 20, 30)
TARGET_REGRET = 0.05
COST_KEYS: tuple[str, ...] = (
    "sampler_seconds",
    "llm_seconds",
    "llm_calls",
    "prompt_tokens",
    "completion_tokens",
)


def best_so_far(values: Sequence[float | None], maximize: bool) -> list[float | None]:
    """Running best of ``values``; ``None`` (failed trial) never improves it."""
    curve: list[float | None] = []
    best: float | None = None
    for value in values:
        if value is not None and math.isfinite(value):
            if best is None or (value > best if maximize else value < best):
                best = float(value)
        curve.append(best)
    return curve


def normalised_regret(best: float | None, reference: Reference) -> float:
    """Regret of ``best`` normalised by the task's f* and random median, clipped to [0, 1]."""
    if best is None:
        return 1.0
    if getattr(reference, "log", False):
        if best <= 0 or reference.f_star <= 0 or reference.random_median <= 0:
            raise ValueError(f"log-space regret of {reference.task} needs positive values")
        reference = replace(
            reference,
            f_star=math.log(reference.f_star),
            random_median=math.log(reference.random_median),
            log=False,
        )
        best = math.log(best)
    if reference.maximize:
        gap, scale = reference.f_star - best, reference.f_star - reference.random_median
    else:
        gap, scale = best - reference.f_star, reference.random_median - reference.f_star
    if scale <= 0:  # degenerate task: the median random configuration is already optimal
        return 0.0 if gap <= 0 else 1.0
    return float(min(1.0, max(0.0, gap / scale)))


def regret_curve(best_curve: Sequence[float | None], reference: Reference) -> list[float]:
    """Normalised regret after every trial."""
    return [normalised_regret(best, reference) for best in best_curve]


def trials_to_target(regrets: Sequence[float], target: float = TARGET_REGRET) -> int | None:
    """1-based number of the first trial with regret ≤ ``target``, or ``None`` if never."""
    for index, regret in enumerate(regrets):
        if regret <= target:
            return index + 1
    return None


def mean_and_standard_error(samples: Iterable[float]) -> tuple[float, float]:
    """Mean and standard error of the mean (0 for a single sample)."""
    array = np.asarray(list(samples), dtype=float)
    if array.size == 0:
        return math.nan, math.nan
    if array.size == 1:
        return float(array[0]), 0.0
    return float(array.mean()), float(array.std(ddof=1) / math.sqrt(array.size))


def oriented_test_score(test_score: float | None, maximize: bool) -> float | None:
    """Held-out score on a higher-is-better scale: accuracy, or ``1 - MSE`` (standardised
    target)."""
    if test_score is None:
        return None
    return test_score if maximize else 1.0 - test_score


@dataclass
class SamplerSummary:
    """Aggregated results of one sampler over the chosen tasks and seeds."""

    name: str
    regret: dict[str, float] = field(default_factory=dict)
    regret_se: dict[str, float] = field(default_factory=dict)
    curve_mean: list[float] = field(default_factory=list)
    curve_se: list[float] = field(default_factory=list)
    mean_rank: float = math.nan
    trials_to_target: float = math.nan
    target_reached_fraction: float = math.nan
    test_score: float | None = None
    cost_per_trial: dict[str, float] = field(default_factory=dict)
    per_task_final_regret: dict[str, float] = field(default_factory=dict)
    per_task_best_value: dict[str, float] = field(default_factory=dict)
    per_task_test_score: dict[str, float | None] = field(default_factory=dict)
    n_runs: int = 0
    seeds: list[int] = field(default_factory=list)


def summarise(
    runs: dict[tuple[str, str, int], dict[str, Any]],
    tasks: Sequence[str],
    samplers: Sequence[str],
    seeds: Sequence[int] | Mapping[str, Sequence[int]],
    n_trials: int,
    references: dict[str, Reference],
) -> dict[str, SamplerSummary]:
    """Aggregate run records keyed by ``(task, sampler, seed)``.

    ``seeds`` is either one list of seeds for every sampler or, when the samplers were run
    with different numbers of seeds, a mapping ``sampler -> its seeds``. A (task, sampler,
    seed) missing from ``runs`` is skipped: each sampler's figures are computed on the
    (task, seed) runs it has (``n_runs``; per-task figures are NaN for a task it lacks).

    Regrets are recomputed from each run's best-so-far curve with ``references`` (so every
    sampler is normalised by the same, latest f*). Means and standard errors are taken over
    the sampler's (task, seed) runs. The mean rank ranks the final regrets of the samplers
    that have a run for a (task, seed) within it (ties share the average rank), averages
    over the sampler's seeds, then over tasks. Where fewer than all samplers have a run for
    a (task, seed), the ranks there are rescaled linearly from 1..n to 1..N (N = number of
    samplers), so that every rank is on the same scale; with equal seeds nothing changes.
    Trials-to-target counts a run that never reaches ``r ≤ 0.05`` as ``n_trials + 1``.
    """
    # Lazy: scipy.stats is heavy (~1 s); only the ranks need it.
    from scipy.stats import rankdata

    if isinstance(seeds, Mapping):
        seeds_of = {sampler: list(seeds[sampler]) for sampler in samplers}
    else:
        seeds_of = {sampler: list(seeds) for sampler in samplers}
    all_seeds = sorted({seed for sampler_seeds in seeds_of.values() for seed in sampler_seeds})

    regrets: dict[tuple[str, str, int], list[float]] = {}
    for (task, sampler, seed), record in runs.items():
        regrets[(task, sampler, seed)] = regret_curve(record["best_so_far"], references[task])

    n_samplers = len(samplers)
    ranks: dict[str, list[float]] = {sampler: [] for sampler in samplers}
    for task in tasks:
        task_ranks: dict[str, list[float]] = {sampler: [] for sampler in samplers}
        for seed in all_seeds:
            present = [
                sampler
                for sampler in samplers
                if seed in seeds_of[sampler] and (task, sampler, seed) in runs
            ]
            if not present:
                continue
            finals = [regrets[(task, sampler, seed)][-1] for sampler in present]
            for sampler, rank in zip(present, rankdata(finals)):
                if len(present) < n_samplers:
                    rank = (
                        1.0 + (rank - 1.0) * (n_samplers - 1) / (len(present) - 1)
                        if len(present) > 1
                        else (n_samplers + 1) / 2
                    )
                task_ranks[sampler].append(float(rank))
        for sampler in samplers:
            if task_ranks[sampler]:
                ranks[sampler].append(float(np.mean(task_ranks[sampler])))

    checkpoints = [c for c in CHECKPOINTS if c <= n_trials]
    if n_trials not in checkpoints:
        checkpoints.append(n_trials)
    summaries: dict[str, SamplerSummary] = {}
    for sampler in samplers:
        sampler_seeds = seeds_of[sampler]
        keys = [
            (task, sampler, seed)
            for task in tasks
            for seed in sampler_seeds
            if (task, sampler, seed) in runs
        ]
        curves = np.array([regrets[key] for key in keys], dtype=float)
        summary = SamplerSummary(
            name=sampler,
            n_runs=len(keys),
            seeds=list(sampler_seeds),
            mean_rank=float(np.mean(ranks[sampler])),
        )
        for checkpoint in checkpoints:
            mean, se = mean_and_standard_error(curves[:, checkpoint - 1])
            summary.regret[str(checkpoint)] = mean
            summary.regret_se[str(checkpoint)] = se
        for trial in range(n_trials):
            mean, se = mean_and_standard_error(curves[:, trial])
            summary.curve_mean.append(mean)
            summary.curve_se.append(se)
        hits = [trials_to_target(regrets[key]) for key in keys]
        summary.trials_to_target = float(
            np.mean([n_trials + 1 if hit is None else hit for hit in hits])
        )
        summary.target_reached_fraction = float(np.mean([hit is not None for hit in hits]))
        total_trials = sum(runs[key]["n_trials"] for key in keys)
        summary.cost_per_trial = {
            cost: float(sum(sum(runs[key][cost]) for key in keys) / total_trials)
            for cost in COST_KEYS
        }
        task_test_scores: list[float] = []
        for task in tasks:
            task_keys = [
                (task, sampler, seed) for seed in sampler_seeds if (task, sampler, seed) in runs
            ]
            if not task_keys:
                summary.per_task_final_regret[task] = math.nan
                summary.per_task_best_value[task] = math.nan
                summary.per_task_test_score[task] = None
                continue
            summary.per_task_final_regret[task] = float(
                np.mean([regrets[key][-1] for key in task_keys])
            )
            bests = [
                runs[key]["best_so_far"][-1]
                for key in task_keys
                if runs[key]["best_so_far"][-1] is not None
            ]
            summary.per_task_best_value[task] = float(np.mean(bests)) if bests else math.nan
            found = [(runs[key]["best_trial"] or {}).get("test_score") for key in task_keys]
            scores = [score for score in found if score is not None]
            summary.per_task_test_score[task] = float(np.mean(scores)) if scores else None
            oriented = oriented_test_score(
                summary.per_task_test_score[task], references[task].maximize
            )
            if oriented is not None:
                task_test_scores.append(oriented)
        summary.test_score = float(np.mean(task_test_scores)) if task_test_scores else None
        summaries[sampler] = summary
    return summaries


#: A paired difference above this is a loss a user notices (issue 42).
LOSS_MARGIN = 0.1


def paired_summary(differences: Iterable[float]) -> dict[str, float]:
    """Mean and standard error of paired differences (lower is better for the first sampler),
    the share of pairs that lose by more than :data:`LOSS_MARGIN`, and the 90th percentile.

    Example:
        >>> paired_summary([0.0, 0.2, -0.1, 0.0])
        {'mean': 0.025, 'se': 0.0629, 'losing_share': 0.25, 'p90': 0.14}
    """
    array = np.asarray(list(differences), dtype=float)
    mean, se = mean_and_standard_error(array)
    return {
        "mean": round(mean, 4),
        "se": round(se, 4),
        "losing_share": round(float(np.mean(array > LOSS_MARGIN)), 4),
        "p90": round(float(np.percentile(array, 90)), 4),
    }


def paired_cell(summary: dict[str, float]) -> str:
    """A :func:`paired_summary` as the pages write it: mean ± SE, then (the share of pairs that
    lose by more than :data:`LOSS_MARGIN`, the 90th percentile of the differences).

    Example:
        >>> paired_cell(paired_summary([0.0, 0.2, -0.1, 0.0]))
        '+0.025 ± 0.063 (25%, +0.14)'
    """
    return (
        f"{summary['mean']:+.3f} ± {summary['se']:.3f} "
        f"({summary['losing_share']:.0%}, {summary['p90']:+.2f})"
    )


def paired_figures(differences: Iterable[float]) -> dict[str, float]:
    """:func:`paired_summary` with the mean and its standard error unrounded, for results whose
    pages round them once (to 3 decimals) and quote them.

    Example:
        >>> paired_figures([0.0, 0.2, -0.1, 0.0])["se"]
        0.06291528696058958
    """
    array = np.asarray(list(differences), dtype=float)
    mean, se = mean_and_standard_error(array)
    return {**paired_summary(array), "mean": float(mean), "se": float(se)}
