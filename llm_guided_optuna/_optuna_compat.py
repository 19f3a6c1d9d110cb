"""Every use of Optuna's private study, trial and distribution API, in one module.

The sampler keeps its state in the study's storage (so that threads, worker processes and a
restarted worker see the same thing), and for that it reads and writes through parts of Optuna
that are not public API: ``Study._storage``, ``Study._study_id``, ``Study._get_trials``,
``FrozenTrial._trial_id`` and ``BaseDistribution._contains``. Samplers inside Optuna use them
the same way. An Optuna release that changes them breaks this module alone. Optuna's private
GP code is used in :mod:`llm_guided_optuna._prior._gp_compat`.

Example:
    >>> import optuna
    >>> from optuna.distributions import IntDistribution
    >>> study = optuna.create_study()
    >>> study.optimize(lambda t: t.suggest_int("n", 0, 3), n_trials=2)
    >>> len(study_trials(study))
    2
    >>> contains(IntDistribution(0, 3), 2), contains(IntDistribution(0, 3), 7)
    (True, False)
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any
from typing import TYPE_CHECKING

from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial
from optuna.trial import TrialState


if TYPE_CHECKING:
    from optuna.storages import BaseStorage
    from optuna.study import Study
    from optuna.study._frozen import FrozenStudy


def study_trials(
    study: Study, states: Container[TrialState] | None = None, *, use_cache: bool = True
) -> list[FrozenTrial]:
    """The study's trials (in ``states``, or all), not copied: read them, never change them.

    ``use_cache=False`` reads the storage afresh (what other processes wrote just now).
    """
    return study._get_trials(deepcopy=False, states=states, use_cache=use_cache)


def storage_of(study: Study) -> BaseStorage:
    """The storage the study lives in."""
    return study._storage


def study_id(study: Study) -> int:
    """The study's id in its storage."""
    return study._study_id


def study_key(study: Study) -> tuple[int, int]:
    """A key for the study, unique among the studies of this process (storage and id)."""
    return id(study._storage), study._study_id


def frozen_study_id(study: FrozenStudy) -> int:
    """The id of a study that ``storage.get_all_studies()`` listed (no query of its own)."""
    return int(study._study_id)


def trial_id(trial: FrozenTrial) -> int:
    """The trial's id in its storage (unlike ``trial.number``, unique across studies)."""
    return trial._trial_id


def set_trial_user_attr(study: Study, trial: FrozenTrial, key: str, value: Any) -> None:
    """Write a user attribute of a running ``trial`` (a :class:`FrozenTrial` has no setter)."""
    study._storage.set_trial_user_attr(trial._trial_id, key, value)


def set_trial_system_attr(study: Study, trial: FrozenTrial, key: str, value: Any) -> None:
    """Write a system attribute of a running ``trial``."""
    study._storage.set_trial_system_attr(trial._trial_id, key, value)


def contains(distribution: BaseDistribution, internal_value: float) -> bool:
    """Whether ``internal_value`` (the distribution's internal representation: a float, the
    index of a choice) is a value the distribution can take."""
    return bool(distribution._contains(internal_value))
