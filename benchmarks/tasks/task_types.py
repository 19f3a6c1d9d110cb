"""The benchmarks' basic types: a task, its parameters and its regret normalisation.

Every suite builds its tasks from these (:mod:`benchmarks.tasks.bayesmark`,
:mod:`benchmarks.tasks.bbob`, :mod:`benchmarks.tasks.nn`; :mod:`benchmarks.tasks.registry` finds
them by name), and :mod:`benchmarks.tasks.reference` computes the :class:`Reference` of a task;
this module imports none of them, so the imports among the suites run one way.

Example:
    >>> from optuna.distributions import FloatDistribution
    >>> clip_to_space({"x": 3.0}, {"x": FloatDistribution(0.0, 1.0)})
    {'x': 1.0}
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
import math
import time
from typing import Any
from typing import Callable
from typing import Literal

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution


Params = dict[str, Any]
#: Optuna's spelling of an optimisation direction.
Direction = Literal["minimize", "maximize"]


@dataclass(frozen=True)
class Task:
    """One benchmark problem, usable as an Optuna objective.

    Attributes:
        name: Short identifier such as ``"svm-wine"`` or ``"bbob-f15"``.
        family: ``"bayesmark"`` or ``"bbob"``.
        direction: ``"maximize"`` or ``"minimize"`` (Optuna's spelling).
        space: Parameter name -> Optuna distribution, in suggestion order.
        metric: Human-readable name of the objective value.
        problem_type: Short label given to LLM samplers through ``study.user_attrs``.
        problem_description: One sentence given to LLM samplers.
        evaluate_cv: Objective value of a configuration.
        evaluate_test: Held-out test score of a configuration (``None`` if the task has none).
        default_params: The estimator's default configuration clipped into ``space``.
        evaluate_noise_free: Where the objective is noisy (the neural-network suite), the
            noise-free value of a configuration; the regret is read from it.
        reseed: Where the objective is noisy, seeds its noise (called with the run's seed).
    """

    name: str
    family: str
    direction: Direction
    space: dict[str, BaseDistribution]
    metric: str
    problem_type: str
    problem_description: str
    evaluate_cv: Callable[[Params], float] = field(repr=False)
    evaluate_test: Callable[[Params], float] | None = field(default=None, repr=False)
    default_params: Params | None = None
    evaluate_noise_free: Callable[[Params], float] | None = field(default=None, repr=False)
    reseed: Callable[[int], None] | None = field(default=None, repr=False)

    @property
    def maximize(self) -> bool:
        """Whether larger objective values are better."""
        return self.direction == "maximize"

    def suggest(self, trial: optuna.Trial) -> Params:
        """Ask ``trial`` for every parameter of the search space with ``trial.suggest_*``."""
        return suggest_from_space(trial, self.space)

    def objective(self, trial: optuna.Trial) -> float:
        """Optuna objective: suggest, evaluate, and record the test score as a user attribute."""
        params = self.suggest(trial)
        start = time.perf_counter()
        value = self.evaluate_cv(params)
        trial.set_user_attr("objective_seconds", time.perf_counter() - start)
        if self.evaluate_test is not None:
            trial.set_user_attr("test_score", self.evaluate_test(params))
        return value


def suggest_from_space(trial: optuna.Trial, space: dict[str, BaseDistribution]) -> Params:
    """Suggest every parameter of ``space`` through the public ``trial.suggest_*`` API."""
    params: Params = {}
    for name, distribution in space.items():
        if isinstance(distribution, FloatDistribution):
            params[name] = trial.suggest_float(
                name, distribution.low, distribution.high, log=distribution.log
            )
        elif isinstance(distribution, IntDistribution):
            params[name] = trial.suggest_int(
                name, distribution.low, distribution.high, log=distribution.log
            )
        elif isinstance(distribution, CategoricalDistribution):
            params[name] = trial.suggest_categorical(name, distribution.choices)
        else:
            raise TypeError(f"unsupported distribution for {name!r}: {distribution!r}")
    return params


def sample_uniform_config(space: dict[str, BaseDistribution], rng: np.random.Generator) -> Params:
    """Draw one configuration the way ``optuna.samplers.RandomSampler`` does."""
    params: Params = {}
    for name, distribution in space.items():
        if isinstance(distribution, CategoricalDistribution):
            params[name] = distribution.choices[int(rng.integers(len(distribution.choices)))]
            continue
        if not isinstance(distribution, (FloatDistribution, IntDistribution)):
            raise TypeError(f"unsupported distribution for {name!r}: {distribution!r}")
        low, high = float(distribution.low), float(distribution.high)
        if isinstance(distribution, IntDistribution):
            params[name] = int(rng.integers(int(low), int(high) + 1))
        elif distribution.log:
            params[name] = float(math.exp(rng.uniform(math.log(low), math.log(high))))
        else:
            params[name] = float(rng.uniform(low, high))
    return params


def clip_to_space(params: Params, space: dict[str, BaseDistribution]) -> Params:
    """Clip each value into its distribution's range (integers stay integers)."""
    clipped: Params = {}
    for name, distribution in space.items():
        if not isinstance(distribution, (FloatDistribution, IntDistribution)):
            raise TypeError(f"unsupported distribution for {name!r}: {distribution!r}")
        value = min(max(params[name], distribution.low), distribution.high)
        clipped[name] = (
            int(round(value)) if isinstance(distribution, IntDistribution) else float(value)
        )
    return clipped


@dataclass(frozen=True)
class Reference:
    """The two numbers that normalise a task's regret (in log space where ``log``)."""

    task: str
    maximize: bool
    f_star: float
    random_median: float
    n_random: int
    log: bool = False
