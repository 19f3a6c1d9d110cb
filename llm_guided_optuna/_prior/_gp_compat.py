"""Every use of Optuna's private GP code, in one module.

The prior strategy builds on parts of Optuna's ``GPSampler`` that are not public API: the
``optuna._gp`` package (the normalised search space, the acquisition base class) and a few
attributes and the acquisition hook of ``GPSampler`` itself, which Optuna documents as
overridable but not stable. An Optuna upgrade that changes them breaks this module alone; the
callers catch what it raises and fall back to the plain GP (with one warning).

Example:
    >>> import numpy as np
    >>> from optuna.distributions import FloatDistribution
    >>> space = normalized_space({"x": FloatDistribution(0.0, 10.0)})
    >>> space.get_unnormalized_param(np.array([0.5]))
    {'x': 5.0}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.samplers import GPSampler


def normalized_space(search_space: Mapping[str, BaseDistribution]) -> Any:
    """Optuna's normalised GP search space (``optuna._gp.search_space.SearchSpace``): its
    ``get_normalized_params(trials)`` and ``get_unnormalized_param(x)`` map between a trial's
    values and the unit cube the GP and the prior work in."""
    from optuna._gp.search_space import SearchSpace

    return SearchSpace(dict(search_space))


def acquisition_space(acquisition: Any) -> dict[str, BaseDistribution]:
    """The distributions an acquisition function works on, in its own order of parameters."""
    return acquisition.search_space._optuna_search_space


def acquisition_base() -> type:
    """Optuna's base class of GP acquisitions (``optuna._gp.acqf.BaseAcquisitionFunc``)."""
    from optuna._gp.acqf import BaseAcquisitionFunc

    return BaseAcquisitionFunc


def n_startup_trials(sampler: GPSampler) -> int:
    """Trials the GPSampler fills at random before it models."""
    return int(sampler._n_startup_trials)


def n_local_search(sampler: GPSampler) -> int:
    """Starting points the GPSampler's acquisition optimiser searches from."""
    return int(sampler._n_local_search)


def sampler_rng(sampler: GPSampler) -> np.random.RandomState:
    """The GPSampler's own random state (reseeded by ``reseed_rng``)."""
    return sampler._rng.rng
