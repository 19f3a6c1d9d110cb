"""A small mixed search space (float, log-float, int, categorical) and its objective, shared by
the prior's tests: the optimum is x = 2, lr = 1e-3, layers = 1, kind = "b"."""

from __future__ import annotations

import math

import optuna
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution


SPACE = {
    "x": FloatDistribution(-5.0, 5.0),
    "lr": FloatDistribution(1e-5, 1e-1, log=True),
    "layers": IntDistribution(1, 8),
    "kind": CategoricalDistribution(["a", "b", "c"]),
}


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 8)
    kind = trial.suggest_categorical("kind", ["a", "b", "c"])
    return (x - 2.0) ** 2 + (math.log10(lr) + 3.0) ** 2 + 0.1 * layers + (kind != "b")
