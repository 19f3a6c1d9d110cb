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


#: Every kind of distribution Optuna has: float, log float, stepped float, int, log int and two
#: categoricals (of strings and of mixed types). The many-worker stress test runs on it.
EVERY_KIND_SPACE = {
    "width": FloatDistribution(0.0, 1.0),
    "learning_rate": FloatDistribution(1e-5, 1e-1, log=True),
    "dropout": FloatDistribution(0.0, 0.5, step=0.05),
    "layers": IntDistribution(1, 6),
    "batch_size": IntDistribution(8, 256, log=True),
    "optimizer": CategoricalDistribution(["adam", "sgd", "rmsprop"]),
    "activation": CategoricalDistribution(["relu", "tanh", None, 1]),
}


def every_kind_objective(trial: optuna.Trial) -> float:
    """A smooth objective over :data:`EVERY_KIND_SPACE` (minimum 0 at width 0.3, lr 1e-3, dropout
    0.1, 2 layers, batch 64, adam, relu)."""
    width = trial.suggest_float("width", 0.0, 1.0)
    lr = trial.suggest_float("learning_rate", 1e-5, 1e-1, log=True)
    dropout = trial.suggest_float("dropout", 0.0, 0.5, step=0.05)
    layers = trial.suggest_int("layers", 1, 6)
    batch = trial.suggest_int("batch_size", 8, 256, log=True)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"])
    activation = trial.suggest_categorical("activation", ["relu", "tanh", None, 1])
    return (
        (width - 0.3) ** 2
        + (math.log10(lr) + 3.0) ** 2
        + (dropout - 0.1) ** 2
        + 0.1 * abs(layers - 2)
        + 0.1 * abs(math.log2(batch) - 6)
        + 0.5 * (optimizer != "adam")
        + 0.5 * (activation != "relu")
    )
