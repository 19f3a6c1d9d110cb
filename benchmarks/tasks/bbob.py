"""BBOB control tasks from ``coco-experiment==2.8.2`` (module ``cocoex``).

The parameter names are ``x0..x4``: they mean nothing, so a language model has no prior
knowledge to exploit. This is the control that tells whether an LLM strategy wins by
knowing hyperparameters or by being a generally better optimiser. The objective is
``log10(f(x) - f_opt)`` (floored at 1e-8) in 5-D on ``[-5, 5]^5``, instance 1.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import tempfile
import threading
from typing import Any
from typing import Iterator

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.distributions import FloatDistribution

from benchmarks.tasks.task_types import Params
from benchmarks.tasks.task_types import Task


BBOB_FUNCTIONS: tuple[int, ...] = (1, 6, 8, 15, 21)
BBOB_DIMENSION = 5
BBOB_INSTANCE = 1
BBOB_TASK_NAMES: tuple[str, ...] = tuple(f"bbob-f{k}" for k in BBOB_FUNCTIONS)
PRECISION_FLOOR = 1e-8

_CHDIR_LOCK = threading.Lock()


def bbob_available() -> tuple[bool, str]:
    """Whether ``cocoex`` imports; the second item says why not."""
    try:
        import cocoex  # noqa: F401
    except Exception as error:  # ImportError, or a broken binary wheel
        return False, (
            f"cannot import cocoex ({error}); install it with `pip install "
            "coco-experiment==2.8.2` to run the BBOB controls"
        )
    return True, ""


@contextlib.contextmanager
def _inside_temporary_directory() -> Iterator[None]:
    """cocoex writes the optimum to a file in the working directory: keep it out of the repo."""
    with _CHDIR_LOCK, tempfile.TemporaryDirectory() as folder:
        previous = os.getcwd()
        os.chdir(folder)
        try:
            yield
        finally:
            os.chdir(previous)


@functools.lru_cache(maxsize=None)
def _suite() -> Any:
    # Lazy: coco-experiment is optional (only the BBOB controls need it).
    import cocoex

    functions = ",".join(str(k) for k in BBOB_FUNCTIONS)
    options = (
        f"dimensions:{BBOB_DIMENSION} function_indices:{functions} "
        f"instance_indices:{BBOB_INSTANCE}"
    )
    return cocoex.Suite("bbob", "", options)


@functools.lru_cache(maxsize=None)
def _problem_and_optimum(function: int) -> tuple[Any, float]:
    """The cocoex problem of ``function`` and its optimal value ``f_opt``."""
    suite = _suite()
    problem = suite.get_problem_by_function_dimension_instance(
        function, BBOB_DIMENSION, BBOB_INSTANCE
    )
    with _inside_temporary_directory():
        problem._best_parameter("print")  # the only public route to x_opt in cocoex 2.8.2
        x_opt = np.loadtxt("._bbob_problem_best_parameter.txt")
    return problem, float(problem(x_opt))


def make_bbob_task(name: str) -> Task:
    """Build ``bbob-f<k>``: minimise log10(f - f_opt) over [-5, 5]^5."""
    available, reason = bbob_available()
    if not available:
        raise RuntimeError(reason)
    function = int(name.removeprefix("bbob-f"))
    if function not in BBOB_FUNCTIONS:
        raise KeyError(f"unknown BBOB task {name!r}; known: {', '.join(BBOB_TASK_NAMES)}")
    problem, f_opt = _problem_and_optimum(function)
    lower, upper = problem.lower_bounds, problem.upper_bounds
    space: dict[str, BaseDistribution] = {
        f"x{i}": FloatDistribution(float(lower[i]), float(upper[i])) for i in range(BBOB_DIMENSION)
    }

    def evaluate(params: Params) -> float:
        x = np.array([params[f"x{i}"] for i in range(BBOB_DIMENSION)], dtype=float)
        return math.log10(max(float(problem(x)) - f_opt, PRECISION_FLOOR))

    return Task(
        name=name,
        family="bbob",
        direction="minimize",
        space=space,
        metric="log10(f - f_opt)",
        problem_type="black-box function minimisation",
        problem_description=(
            f"Minimise an unknown continuous black-box function of {BBOB_DIMENSION} variables "
            f"x0..x{BBOB_DIMENSION - 1}, each in [-5, 5]; the value reported is log10 of the gap "
            "to the optimum."
        ),
        evaluate_cv=evaluate,
        evaluate_test=None,
        default_params={key: 0.0 for key in space},  # the centre of the domain
    )
