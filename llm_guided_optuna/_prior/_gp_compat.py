"""Every use of Optuna's private GP code, in one module.

The prior strategy builds on parts of Optuna's ``GPSampler`` that are not public API: the
``optuna._gp`` package (the normalised search space, the acquisition base class) and a few
attributes and the acquisition hook of ``GPSampler`` itself, which Optuna documents as
overridable but not stable. An Optuna upgrade that changes them breaks this module alone: every
function here turns what such a change raises into
:class:`~llm_guided_optuna.exceptions.OptunaInternalsError`, which the callers catch (and only
that) to go on as the plain GP, with one warning.

Example:
    >>> import numpy as np
    >>> from optuna.distributions import FloatDistribution
    >>> unnormalize({"x": FloatDistribution(0.0, 10.0)}, np.array([0.5]))
    {'x': 5.0}
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
import functools
from typing import Any
from typing import Protocol
from typing import TYPE_CHECKING
from typing import TypeVar

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.samplers import GPSampler
from optuna.trial import FrozenTrial

from llm_guided_optuna.exceptions import OptunaInternalsError


if TYPE_CHECKING:
    import torch


class LogDensity(Protocol):
    """What weights an acquisition: a log-density over the normalised search space."""

    def log_density(self, x: torch.Tensor) -> torch.Tensor: ...


_Result = TypeVar("_Result")
#: What a changed private API raises when it is called the old way.
_CHANGED = (ImportError, AttributeError, TypeError, KeyError, IndexError, ValueError)


def _optuna_private(function: Callable[..., _Result]) -> Callable[..., _Result]:
    """Turn what a changed Optuna private API raises into :class:`OptunaInternalsError`."""

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> _Result:
        try:
            return function(*args, **kwargs)
        except _CHANGED as error:
            raise OptunaInternalsError(
                f"Optuna's private GP code changed ({function.__name__}: "
                f"{type(error).__name__}: {error})"
            ) from error

    return guarded


def _space(search_space: Mapping[str, BaseDistribution]) -> Any:
    from optuna._gp.search_space import SearchSpace

    return SearchSpace(dict(search_space))


@_optuna_private
def normalize_trials(
    search_space: Mapping[str, BaseDistribution], trials: Sequence[FrozenTrial]
) -> np.ndarray:
    """The trials' parameters in the unit cube the GP and the prior work in (one row each)."""
    return np.asarray(_space(search_space).get_normalized_params(list(trials)))


@_optuna_private
def normalize_configurations(
    search_space: Mapping[str, BaseDistribution], configurations: Sequence[Mapping[str, Any]]
) -> np.ndarray:
    """Configurations (parameter name → value) in the unit cube, one row each."""
    rows = [dict(c) for c in configurations]
    return np.asarray(_space(search_space).get_normalized_params([None] * len(rows), rows))


@_optuna_private
def unnormalize(search_space: Mapping[str, BaseDistribution], x: np.ndarray) -> dict[str, Any]:
    """The configuration at point ``x`` of the unit cube."""
    return dict(_space(search_space).get_unnormalized_param(x))


@_optuna_private
def categorical_mask(search_space: Mapping[str, BaseDistribution]) -> np.ndarray:
    """Which coordinates of the unit cube are categorical."""
    return np.asarray(_space(search_space).is_categorical)


@_optuna_private
def acquisition_space(acquisition: Any) -> dict[str, BaseDistribution]:
    """The distributions an acquisition function works on, in its own order of parameters."""
    space: dict[str, BaseDistribution] = acquisition.search_space._optuna_search_space
    return space


@_optuna_private
def acquisition_base() -> type:
    """Optuna's base class of GP acquisitions (``optuna._gp.acqf.BaseAcquisitionFunc``)."""
    from optuna._gp.acqf import BaseAcquisitionFunc

    return BaseAcquisitionFunc


@_optuna_private
def prior_weighted_acquisition(base: Any, prior: LogDensity, weight: float) -> Any:
    """``log α(x) + weight · log π(x)``: Optuna's acquisition ``base`` weighted by ``prior``.

    Its class derives from Optuna's acquisition base class, which imports PyTorch: it is
    built on the first call, never at import, so the package imports without PyTorch.
    """
    return _prior_weighted_acquisition_class()(base, prior, weight)


@functools.cache
def _prior_weighted_acquisition_class() -> type:
    class PriorWeightedAcquisition(acquisition_base()):  # type: ignore[misc]
        """``log α(x) + weight · log π(x)``: an acquisition function weighted by a prior."""

        def __init__(self, base: Any, prior: LogDensity, weight: float) -> None:
            self._base = base
            self._prior = prior
            self._weight = weight
            super().__init__(base.length_scales, base.search_space)

        def eval_acqf(self, x: torch.Tensor) -> torch.Tensor:
            weighted: torch.Tensor = self._base.eval_acqf(x)
            return weighted + self._weight * self._prior.log_density(x)

    return PriorWeightedAcquisition


@_optuna_private
def n_startup_trials(sampler: GPSampler) -> int:
    """Trials the GPSampler fills at random before it models."""
    return int(sampler._n_startup_trials)


@_optuna_private
def n_local_search(sampler: GPSampler) -> int:
    """Starting points the GPSampler's acquisition optimiser searches from."""
    return int(sampler._n_local_search)


@_optuna_private
def sampler_rng(sampler: GPSampler) -> np.random.RandomState:
    """The GPSampler's own random state (reseeded by ``reseed_rng``)."""
    return sampler._rng.rng
