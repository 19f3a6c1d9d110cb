"""Hints a person might give about a task, made from its reference data by one rule.

The knowledge benchmark (issue 16) tells the sampler what a user knows, in
``study.user_attrs["domain_knowledge"]``, under four conditions. The hints are never written
by hand per task: each comes from the task's 500 stored random configurations and their
cross-validated scores (``benchmarks/reference``; test-set scores never enter), by this rule:

1. **The two most influential parameters.** For each parameter, its configurations are put in
   5 bins (quantiles of the value, on a log scale for log-scaled parameters; one bin per
   choice for a categorical one). Its influence is the share of the scores' variance that the
   bin means explain (the correlation ratio η²). The two largest are kept.
2. **Good and bad values.** The *good* value of a parameter is its median over the best 10 %
   of the configurations (by score, in the task's direction); the *bad* value is its median
   over the worst 10 % (for a categorical parameter: the most frequent choice there).
3. **The texts.**

   - *precise*: ``"<name> around <good value>"`` for both parameters, values rounded as a
     person would write them (two significant digits);
   - *vague*: the same knowledge in words only: ``"a low/moderate/high <name>"`` by where
     the good value lies in the parameter's range (thirds, on the log scale for log-scaled
     parameters), ``"the choice of <name> matters"`` for a categorical one;
   - *misleading*: like *precise*, with the bad values;
   - *precise-top1*: like *precise*, with the median over the best 1 % (:data:`TOP1_FRACTION`)
     instead of the best 10 %: a hint of known, very high skill (issue 28);
   - *none*: no hint.

Example:
    >>> hints = task_hints(get_task("svm-wine"))  # doctest: +SKIP
    >>> hints.texts["precise"]  # doctest: +SKIP
    'C around 30, gamma around 0.0005'
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import IntDistribution

from benchmarks._paths import DEFAULT_REFERENCE_DIR
from benchmarks.tasks.reference import reference_path
from benchmarks.tasks.task_types import Task


CONDITIONS: tuple[str, ...] = ("precise", "vague", "misleading", "none", "precise-top1")
N_BINS = 5
N_HINTED = 2
TAIL_FRACTION = 0.1
TOP1_FRACTION = 0.01


@dataclass(frozen=True)
class TaskHints:
    """What the rule gives for one task.

    Attributes:
        parameters: The hinted parameters, most influential first.
        influence: Every parameter's influence (η²).
        good: The good value of each hinted parameter; ``bad`` likewise; ``good_top1`` the
            good value over the best 1 % (the ``precise-top1`` hint).
        texts: The hint of each condition (``""`` for ``none``).
    """

    parameters: tuple[str, ...]
    influence: dict[str, float]
    good: dict[str, Any]
    bad: dict[str, Any]
    texts: dict[str, str]
    good_top1: dict[str, Any] | None = None

    def domain_knowledge(self, condition: str) -> dict[str, str] | None:
        """The ``domain_knowledge`` user attribute of ``condition`` (``None``: set nothing)."""
        text = self.texts[condition]
        return {"hint": text} if text else None

    def partial_configuration(self, condition: str = "precise") -> dict[str, Any]:
        """The hinted values as the hint writes them, as a partial configuration (what
        ``enqueue_trial`` is given)."""
        values = self.bad if condition == "misleading" else self.good
        if condition == "precise-top1" and self.good_top1 is not None:
            values = self.good_top1
        return {name: _as_written(value) for name, value in values.items()}


def _is_log(distribution: BaseDistribution) -> bool:
    return bool(getattr(distribution, "log", False))


def _position(value: float, distribution: BaseDistribution) -> float:
    """Where ``value`` lies in the range of ``distribution``, from 0 to 1."""
    low, high = float(distribution.low), float(distribution.high)  # type: ignore[attr-defined]
    if _is_log(distribution):
        value, low, high = math.log(value), math.log(low), math.log(high)
    return 0.5 if high == low else (value - low) / (high - low)


def influence(values: list[Any], scores: np.ndarray, distribution: BaseDistribution) -> float:
    """The share of the scores' variance explained by the bin means of ``values`` (η²)."""
    if isinstance(distribution, CategoricalDistribution):
        labels = np.array([distribution.choices.index(v) for v in values])
    else:
        x = np.array([_position(float(v), distribution) for v in values])
        edges = np.quantile(x, np.linspace(0, 1, N_BINS + 1)[1:-1])
        labels = np.searchsorted(edges, x, side="right")
    total = float(np.var(scores))
    if total == 0.0:
        return 0.0
    explained = sum(
        float(np.sum(labels == b))
        * (float(np.mean(scores[labels == b])) - float(np.mean(scores))) ** 2
        for b in np.unique(labels)
    ) / len(scores)
    return explained / total


def _tail_value(values: list[Any], distribution: BaseDistribution) -> Any:
    """The median of ``values`` (on the log scale for a log-scaled parameter, rounded for an
    integer one), or the most frequent choice of a categorical parameter."""
    if isinstance(distribution, CategoricalDistribution):
        return Counter(values).most_common(1)[0][0]
    ordered = np.array([float(v) for v in values])
    value = (
        float(np.exp(np.median(np.log(ordered))))
        if _is_log(distribution)
        else float(np.median(ordered))
    )
    return int(round(value)) if isinstance(distribution, IntDistribution) else value


def human_number(value: Any) -> str:
    """``value`` as a person would write it: two significant digits, exponents for the very
    small and very large (``0.0005`` -> ``"0.0005"``, ``312.4`` -> ``"310"``, ``3e-6``)."""
    if isinstance(value, (bool, str)) or value is None:
        return str(value)
    if isinstance(value, int):
        return str(value)
    if value == 0:
        return "0"
    rounded = float(f"{value:.2g}")
    if 1e-4 <= abs(rounded) < 1e5:
        text = f"{rounded:f}".rstrip("0").rstrip(".")
        return text
    return (
        f"{rounded:.1e}".replace(".0e", "e")
        .replace("e-0", "e-")
        .replace("e+0", "e")
        .replace("e+", "e")
    )


def _as_written(value: Any) -> Any:
    """``value`` rounded as :func:`human_number` writes it (numbers only)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return int(human_number(value)) if isinstance(value, int) else float(human_number(value))


def _words(name: str, value: Any, distribution: BaseDistribution) -> str:
    if isinstance(distribution, CategoricalDistribution):
        return f"the choice of {name} matters"
    position = _position(float(value), distribution)
    level = "a low" if position < 1 / 3 else "a high" if position > 2 / 3 else "a moderate"
    return f"{level} {name}"


def task_hints(task: Task, reference_dir: Path = DEFAULT_REFERENCE_DIR) -> TaskHints:
    """The hints of ``task`` made from its stored random configurations by the module's rule."""
    stored = json.loads(reference_path(task.name, reference_dir).read_text())
    configurations = stored["random_params"]
    scores = np.array(stored["random_values"], dtype=float)
    if not task.maximize:
        scores = -scores  # larger is better from here on
    space = task.space
    influences = {
        name: influence([c[name] for c in configurations], scores, d) for name, d in space.items()
    }
    hinted = tuple(
        sorted(influences, key=lambda n: (-influences[n], list(space).index(n)))[:N_HINTED]
    )
    order = np.argsort(-scores, kind="stable")
    tail = max(1, int(round(TAIL_FRACTION * len(order))))
    best = [configurations[i] for i in order[:tail]]
    worst = [configurations[i] for i in order[-tail:]]
    good = {n: _tail_value([c[n] for c in best], space[n]) for n in hinted}
    bad = {n: _tail_value([c[n] for c in worst], space[n]) for n in hinted}
    best_1 = [configurations[i] for i in order[: max(1, int(round(TOP1_FRACTION * len(order))))]]
    good_top1 = {n: _tail_value([c[n] for c in best_1], space[n]) for n in hinted}
    texts = {
        "precise": ", ".join(f"{n} around {human_number(good[n])}" for n in hinted),
        "vague": ", ".join(_words(n, good[n], space[n]) for n in hinted),
        "misleading": ", ".join(f"{n} around {human_number(bad[n])}" for n in hinted),
        "none": "",
        "precise-top1": ", ".join(f"{n} around {human_number(good_top1[n])}" for n in hinted),
    }
    return TaskHints(hinted, influences, good, bad, texts, good_top1)
