"""What the sampler reads from trials: which have ended, a trial's fixed (enqueued) parameters,
and feasibility and Pareto fronts (what the context says about constrained and multi-objective
studies).

Constraint values are read the way Optuna stores them: ``trial.set_constraint(name, value)``
writes ``system_attrs["constraints:<name>"]`` (Optuna 5), and a sampler's ``constraints_func``
writes the list ``system_attrs["constraints"]`` (named ``c0``, ``c1``, ... here). A value of
zero or less is satisfied; a trial is feasible when all its values are. Unreadable values
(``None`` written after a failing ``constraints_func``, text, NaN) are ignored.

The Pareto front is that of the feasible complete trials, as in ``study.best_trials``. The
context shows a bounded, evenly spread sample of it (:func:`spread_sample`) and, for two
objectives, the two neighbouring front trials around its widest gap (:func:`widest_gap`).

Example:
    >>> import optuna
    >>> t = optuna.trial.create_trial(values=[1.0, 2.0], constraints={"memory_mb": 30.0})
    >>> reported_constraints(t), total_violation(reported_constraints(t))
    ({'memory_mb': 30.0}, 30.0)
    >>> a = optuna.trial.create_trial(values=[1.0, 3.0])
    >>> b = optuna.trial.create_trial(values=[2.0, 1.0])
    >>> c = optuna.trial.create_trial(values=[2.0, 4.0])
    >>> [t.values for t in pareto_front([a, b, c], ["minimize", "minimize"])]
    [[1.0, 3.0], [2.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
import math
import re
from typing import Any
from typing import TYPE_CHECKING

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from llm_guided_optuna._optuna_compat import study_trials


if TYPE_CHECKING:
    from optuna.study import Study


#: The system attribute (and key prefix) under which Optuna stores constraint values.
CONSTRAINTS_KEY = "constraints"
MAX_CONSTRAINT_NAME_CHARS = 40
#: The states of a trial that has ended.
FINISHED_STATES = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)

_UNSAFE_NAME = re.compile(r"[^\w.:+-]")


def loss_sign(direction: Any) -> float:
    """1 for a minimised objective, −1 for a maximised one: ``sign · value`` is a loss."""
    return 1.0 if str(getattr(direction, "name", direction)).lower() == "minimize" else -1.0


def constraint_label(name: str) -> str:
    """A constraint name made safe for the prompt: one token, at most 40 characters."""
    label = _UNSAFE_NAME.sub("_", str(name))[:MAX_CONSTRAINT_NAME_CHARS]
    return label or "_"


def reported_constraints(trial: FrozenTrial) -> dict[str, float]:
    """The constraint values ``trial`` reported, by (prompt-safe) name; ``{}`` if none."""
    return constraints_from_system_attrs(trial.system_attrs)


def constraints_from_system_attrs(system_attrs: Mapping[str, Any]) -> dict[str, float]:
    """Constraint values in a trial's system attributes (both of Optuna's formats)."""
    raw: dict[str, Any] = {}
    legacy = system_attrs.get(CONSTRAINTS_KEY)
    if isinstance(legacy, Sequence) and not isinstance(legacy, (str, bytes)):
        for index, value in enumerate(legacy):
            raw[f"c{index}"] = value
    prefix = CONSTRAINTS_KEY + ":"
    for key, value in system_attrs.items():
        if isinstance(key, str) and key.startswith(prefix):
            raw[key[len(prefix) :]] = value
    values: dict[str, float] = {}
    for name, value in raw.items():
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            continue
        if not math.isnan(number):
            values[constraint_label(name)] = number
    return values


def total_violation(constraints: Mapping[str, float]) -> float:
    """The sum of the positive constraint values (0 for a feasible trial)."""
    return float(sum(max(0.0, value) for value in constraints.values()))


def is_feasible(constraints: Mapping[str, float]) -> bool:
    """Whether every constraint value is zero or less (true when there is none)."""
    return all(value <= 0.0 for value in constraints.values())


def losses(trials: Sequence[FrozenTrial], directions: Sequence[Any]) -> np.ndarray:
    """Objective values as losses (to be minimised), one row per trial; NaN counts as worst."""
    signs = np.array([loss_sign(d) for d in directions])
    values = np.array([list(t.values) for t in trials], dtype=float).reshape(
        len(trials), len(signs)
    )
    result: np.ndarray = values * signs
    result[np.isnan(result)] = math.inf
    return result


def dominating(loss: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Which rows of ``loss`` dominate ``point`` (losses, one column per objective): no worse in
    any objective and better in one.

    Example:
        >>> dominating(np.array([[1.0, 1.0], [1.0, 3.0], [2.0, 2.0]]), np.array([1.0, 2.0]))
        array([ True, False, False])
    """
    dominates: np.ndarray = np.all(loss <= point, axis=1) & np.any(loss < point, axis=1)
    return dominates


def pareto_front(trials: Sequence[FrozenTrial], directions: Sequence[str]) -> list[FrozenTrial]:
    """The trials that no other trial of ``trials`` dominates, in their original order.

    Trials with equal values are all kept. Two objectives take ``O(n log n)``; more take
    ``O(n^2)`` vectorised comparisons.
    """
    if not trials:
        return []
    loss = losses(trials, directions)
    n = len(trials)
    on_front = np.zeros(n, dtype=bool)
    if loss.shape[1] == 2:
        order = np.lexsort((loss[:, 1], loss[:, 0]))
        best_second = math.inf
        last: np.ndarray | None = None
        for index in order:
            point = loss[index]
            if point[1] < best_second or (last is not None and np.array_equal(point, last)):
                on_front[index] = True
                best_second = min(best_second, float(point[1]))
                last = point
    else:
        for index in range(n):
            point = loss[index]
            on_front[index] = not dominating(loss, point).any()
    return [trial for trial, keep in zip(trials, on_front) if keep]


def spread_sample(
    front: Sequence[FrozenTrial], directions: Sequence[str], limit: int
) -> list[FrozenTrial]:
    """At most ``limit`` front trials, evenly spread along the front, best of each objective first.

    The result is ordered by the first objective (best first), so that for two objectives it
    walks along the front from one end to the other.
    """
    if limit <= 0 or not front:
        return []
    loss = losses(front, directions)
    order = sorted(range(len(front)), key=lambda i: (tuple(loss[i]), front[i].number))
    if len(front) <= limit:
        return [front[i] for i in order]
    chosen: list[int] = []
    extremes = [
        min(order, key=lambda i: (loss[i, k], front[i].number)) for k in range(loss.shape[1])
    ]
    spaced = [order[round(j * (len(order) - 1) / max(1, limit - 1))] for j in range(limit)]
    for index in extremes + spaced + order:
        if len(chosen) >= limit:
            break
        if index not in chosen:
            chosen.append(index)
    return [front[i] for i in order if i in chosen]


def widest_gap(
    front: Sequence[FrozenTrial], directions: Sequence[str]
) -> tuple[FrozenTrial, FrozenTrial] | None:
    """The two neighbouring front trials farthest apart (two objectives only), else ``None``.

    Neighbours are consecutive along the first objective; distances are measured after
    scaling each objective by its range on the front.
    """
    if len(directions) != 2 or len(front) < 2:
        return None
    loss = losses(front, directions)
    if not np.isfinite(loss).all():
        return None
    order = sorted(range(len(front)), key=lambda i: (tuple(loss[i]), front[i].number))
    span = loss.max(axis=0) - loss.min(axis=0)
    span[span == 0] = 1.0
    scaled = loss[order] / span
    distances = np.linalg.norm(np.diff(scaled, axis=0), axis=1)
    if distances.size == 0 or float(distances.max()) <= 0.0:
        return None
    k = int(np.argmax(distances))
    return front[order[k]], front[order[k + 1]]


def count_finished_trials(study: Study) -> int:
    """Number of finished (complete, pruned or failed) trials of the study."""
    return len(study_trials(study, FINISHED_STATES))


def fixed_params(
    trial: FrozenTrial, search_space: Mapping[str, BaseDistribution]
) -> dict[str, Any]:
    """The trial's fixed (enqueued) parameters that belong to ``search_space``."""
    fixed = trial.system_attrs.get("fixed_params") or {}
    return {name: value for name, value in fixed.items() if name in search_space}
