"""Benchmark tasks: "Bayesmark-lite" (16 scikit-learn tasks).

Bayesmark-lite re-creates the tuning tasks of the ``bayesmark`` package (used by the
LLAMBO paper) for current scikit-learn: four models (SVM with RBF kernel, decision tree,
random forest with 10 trees, MLP trained with SGD) on the four datasets bundled with
scikit-learn (iris, wine, breast_cancer, diabetes). The data are split 80/20 with
``random_state=0``; the objective is the 5-fold cross-validated score on the 80 % and the
20 % gives a held-out test score. Classification tasks maximise accuracy; the diabetes
tasks minimise the mean squared error of a target standardised with the training mean
and standard deviation. Hyperparameter names are scikit-learn's own, because their
meaning is the only thing a language model knows that a generic sampler does not.

The BBOB controls (names ``x0..x4`` carry no meaning) live in :mod:`benchmarks.tasks.bbob`,
the neural-network suite in :mod:`benchmarks.tasks.nn`; :mod:`benchmarks.tasks.registry` finds a
task by name among all three.
"""

from __future__ import annotations

from dataclasses import dataclass
import functools
import math
from typing import Any
import warnings

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution

from benchmarks.tasks.task_types import clip_to_space
from benchmarks.tasks.task_types import Params
from benchmarks.tasks.task_types import Task


DATASETS: tuple[str, ...] = ("iris", "wine", "breast_cancer", "diabetes")
MODELS: tuple[str, ...] = ("svm", "dt", "rf", "mlp-sgd")
CV_FOLDS = 5
TEST_FRACTION = 0.2
SPLIT_SEED = 0
ESTIMATOR_SEED = 0


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class SplitData:
    """The 80 % used for cross-validation and the 20 % held out for the test score."""

    name: str
    is_regression: bool
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int


@functools.lru_cache(maxsize=None)
def load_split(dataset: str) -> SplitData:
    """Load a bundled scikit-learn dataset and split it 80/20 with ``random_state=0``.

    For the regression dataset (diabetes) both targets are standardised with the mean
    and standard deviation of the training part.
    """
    # Lazy: scikit-learn is heavy (~1 s); only the scikit-learn tasks need it.
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    loaders = {
        "iris": datasets.load_iris,
        "wine": datasets.load_wine,
        "breast_cancer": datasets.load_breast_cancer,
        "diabetes": datasets.load_diabetes,
    }
    x, y = loaders[dataset](return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=TEST_FRACTION, random_state=SPLIT_SEED
    )
    is_regression = dataset == "diabetes"
    if is_regression:
        mean, std = float(np.mean(y_train)), float(np.std(y_train))
        y_train = (y_train - mean) / std
        y_test = (y_test - mean) / std
    n_classes = 0 if is_regression else int(len(np.unique(y)))
    return SplitData(dataset, is_regression, x_train, y_train, x_test, y_test, n_classes)


# --------------------------------------------------------------------------- search spaces


def _log_float(low: float, high: float) -> FloatDistribution:
    return FloatDistribution(low, high, log=True)


SVM_SPACE: dict[str, BaseDistribution] = {
    "C": _log_float(1.0, 1e3),
    "gamma": _log_float(1e-4, 1e-3),
    "tol": _log_float(1e-5, 1e-1),
}

TREE_SPACE: dict[str, BaseDistribution] = {
    "max_depth": IntDistribution(1, 15),
    "max_features": _log_float(0.01, 0.99),
    "min_impurity_decrease": FloatDistribution(0.0, 0.5),
    "min_samples_leaf": _log_float(0.01, 0.49),
    "min_samples_split": _log_float(0.01, 0.99),
    "min_weight_fraction_leaf": _log_float(0.01, 0.49),
}

MLP_SPACE: dict[str, BaseDistribution] = {
    "hidden_layer_sizes": IntDistribution(50, 200),
    "alpha": _log_float(1e-5, 10.0),
    "batch_size": IntDistribution(10, 250),
    "learning_rate_init": _log_float(1e-5, 1e-1),
    "power_t": _log_float(0.1, 0.9),
    "momentum": _log_float(0.001, 0.999),
}

MODEL_SPACES: dict[str, dict[str, BaseDistribution]] = {
    "svm": SVM_SPACE,
    "dt": TREE_SPACE,
    "rf": TREE_SPACE,
    "mlp-sgd": MLP_SPACE,
}

MODEL_DESCRIPTIONS: dict[str, str] = {  # "{kind}" is "classifier" or "regressor"
    "svm": "support vector {kind} with an RBF kernel",
    "dt": "decision tree {kind}",
    "rf": "random forest {kind} with 10 trees",
    "mlp-sgd": "one-hidden-layer MLP {kind} trained with SGD (invscaling learning rate, Nesterov "
    "momentum, early stopping, at most 40 epochs)",
}


# --------------------------------------------------------------------------- estimators


def build_estimator(model: str, is_regression: bool, params: Params) -> Any:
    """Instantiate the scikit-learn estimator of ``model`` with ``params`` and fixed settings."""
    # Lazy: scikit-learn is heavy (~1 s); only the scikit-learn tasks need it.
    from sklearn import ensemble
    from sklearn import neural_network
    from sklearn import svm
    from sklearn import tree

    if model == "svm":
        if is_regression:  # SVR takes no random_state: it is deterministic.
            return svm.SVR(kernel="rbf", **params)
        return svm.SVC(kernel="rbf", random_state=ESTIMATOR_SEED, **params)
    if model == "dt":
        cls = tree.DecisionTreeRegressor if is_regression else tree.DecisionTreeClassifier
        return cls(random_state=ESTIMATOR_SEED, **params)
    if model == "rf":
        cls = ensemble.RandomForestRegressor if is_regression else ensemble.RandomForestClassifier
        return cls(n_estimators=10, random_state=ESTIMATOR_SEED, **params)
    if model == "mlp-sgd":
        mlp_params = dict(params)
        mlp_params["hidden_layer_sizes"] = (int(mlp_params["hidden_layer_sizes"]),)
        fixed = dict(
            solver="sgd",
            early_stopping=True,
            max_iter=40,
            learning_rate="invscaling",
            nesterovs_momentum=True,
            random_state=ESTIMATOR_SEED,
        )
        if is_regression:
            return neural_network.MLPRegressor(activation="tanh", **fixed, **mlp_params)
        return neural_network.MLPClassifier(**fixed, **mlp_params)
    raise ValueError(f"unknown model {model!r}")


def default_config(model: str, data: SplitData) -> Params:
    """The estimator's scikit-learn defaults expressed in the task's parameters, clipped to range.

    ``None`` / string defaults are mapped to the value they stand for: ``max_depth=None``
    -> the upper bound, ``max_features=None`` -> 1.0, ``"sqrt"`` -> sqrt(d)/d,
    ``gamma="scale"`` -> 1 / (d * Var(X)), ``batch_size="auto"`` -> min(200, n); integer
    sample counts (``min_samples_leaf=1``, ``min_samples_split=2``) -> their fraction of the
    cross-validation training fold. Every value is then clipped into the task's range.
    """
    n_features = data.x_train.shape[1]
    n_fit = int(len(data.x_train) * (CV_FOLDS - 1) / CV_FOLDS)
    if model == "svm":
        raw: Params = {
            "C": 1.0,
            "gamma": 1.0 / (n_features * float(np.var(data.x_train))),
            "tol": 1e-3,
        }
    elif model in ("dt", "rf"):
        max_features = 1.0
        if model == "rf" and not data.is_regression:
            max_features = math.sqrt(n_features) / n_features
        raw = {
            "max_depth": 10**9,
            "max_features": max_features,
            "min_impurity_decrease": 0.0,
            "min_samples_leaf": 1.0 / n_fit,
            "min_samples_split": 2.0 / n_fit,
            "min_weight_fraction_leaf": 0.0,
        }
    elif model == "mlp-sgd":
        raw = {
            "hidden_layer_sizes": 100,
            "alpha": 1e-4,
            "batch_size": min(200, n_fit),
            "learning_rate_init": 1e-3,
            "power_t": 0.5,
            "momentum": 0.9,
        }
    else:
        raise ValueError(f"unknown model {model!r}")
    return clip_to_space(raw, MODEL_SPACES[model])


def cross_validated_score(model: str, data: SplitData, params: Params) -> float:
    """Mean 5-fold CV accuracy (classification) or MSE (regression) on the 80 % split."""
    # Lazy: scikit-learn is heavy (~1 s); only the scikit-learn tasks need it.
    from sklearn.model_selection import cross_val_score

    estimator = build_estimator(model, data.is_regression, params)
    scoring = "neg_mean_squared_error" if data.is_regression else "accuracy"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = cross_val_score(
            estimator, data.x_train, data.y_train, cv=CV_FOLDS, scoring=scoring
        )
    mean = float(np.mean(scores))
    return -mean if data.is_regression else mean


def held_out_score(model: str, data: SplitData, params: Params) -> float:
    """Fit on the whole 80 % and score on the 20 %: accuracy, or MSE for regression."""
    estimator = build_estimator(model, data.is_regression, params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.fit(data.x_train, data.y_train)
        predictions = estimator.predict(data.x_test)
    if data.is_regression:
        return float(np.mean((predictions - data.y_test) ** 2))
    return float(np.mean(predictions == data.y_test))


def make_bayesmark_task(model: str, dataset: str) -> Task:
    """Build the Bayesmark-lite task ``<model>-<dataset>`` (data are loaded lazily)."""
    space = MODEL_SPACES[model]
    is_regression = dataset == "diabetes"
    kind = "regressor" if is_regression else "classifier"
    if is_regression:
        metric = "5-fold CV MSE (standardised target)"
        goal = "minimise the 5-fold cross-validated mean squared error on the standardised target"
    else:
        metric = "5-fold CV accuracy"
        goal = "maximise the 5-fold cross-validated accuracy"
    sizes = {
        "iris": (120, 4, 3),
        "wine": (142, 13, 3),
        "breast_cancer": (455, 30, 2),
        "diabetes": (353, 10, 0),
    }
    n_rows, n_features, n_classes = sizes[dataset]
    scaling = "already scaled by scikit-learn" if is_regression else "not standardised"
    shape = f"{n_rows} training rows, {n_features} numeric features {scaling}"
    if n_classes:
        shape += f", {n_classes} classes"
    estimator = MODEL_DESCRIPTIONS[model].format(kind=kind)
    description = f"Tune a scikit-learn {estimator} on the {dataset} dataset ({shape}); {goal}."

    def evaluate_cv(params: Params) -> float:
        return cross_validated_score(model, load_split(dataset), params)

    def evaluate_test(params: Params) -> float:
        return held_out_score(model, load_split(dataset), params)

    return Task(
        name=f"{model}-{dataset}",
        family="bayesmark",
        direction="minimize" if is_regression else "maximize",
        space=space,
        metric=metric,
        problem_type=f"hyperparameter tuning of a {kind}",
        problem_description=description,
        evaluate_cv=evaluate_cv,
        evaluate_test=evaluate_test,
        default_params=None,  # filled lazily by get_task (needs the data)
    )


BAYESMARK_TASK_NAMES: tuple[str, ...] = tuple(f"{m}-{d}" for m in MODELS for d in DATASETS)
