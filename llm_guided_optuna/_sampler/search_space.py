"""The search space as the sampler sees it: the union of the parameters seen so far.

Optuna learns a study's parameters only when the objective suggests them. The LLM must
propose a complete configuration in one call, so the sampler asks it for every parameter that
any finished trial used, conditional ones included. :class:`UnionSearchSpace` keeps that
union incrementally (each finished trial is read once), which keeps the sampler's own cost
per trial flat on long studies.

Example:
    >>> import optuna
    >>> study = optuna.create_study()
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=3)
    >>> sorted(UnionSearchSpace().calculate(study))
    ['x']
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from optuna.distributions import BaseDistribution
from optuna.distributions import check_distribution_compatibility

from llm_guided_optuna._optuna_compat import study_id
from llm_guided_optuna._optuna_compat import study_trials
from llm_guided_optuna._optuna_compat import trial_id
from llm_guided_optuna._trials import FINISHED_STATES


if TYPE_CHECKING:
    from optuna.study import Study


class UnionSearchSpace:
    """Union of the distributions of every finished trial of one study.

    A parameter whose bounds changed between trials keeps the most recent distribution; one
    whose kind, log scale or choices changed is left out (Optuna would refuse a relative value
    for it), and so are single-value distributions (nothing to choose), as Optuna's samplers
    do. Parameters left out are sampled by the fallback sampler.
    This object is meant for one study; it is thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._study_id: int | None = None
        self._seen_trial_ids: set[int] = set()
        self._distributions: dict[str, BaseDistribution] = {}
        self._latest_number: dict[str, int] = {}
        self._incompatible: set[str] = set()

    def calculate(self, study: Study) -> dict[str, BaseDistribution]:
        """Return the union search space, sorted by parameter name."""
        with self._lock:
            if study_id(study) != self._study_id:
                self._study_id = study_id(study)
                self._seen_trial_ids.clear()
                self._distributions.clear()
                self._latest_number.clear()
                self._incompatible.clear()
            for trial in study_trials(study, FINISHED_STATES):
                if trial_id(trial) in self._seen_trial_ids:
                    continue
                self._seen_trial_ids.add(trial_id(trial))
                for name, distribution in trial.distributions.items():
                    known = self._distributions.get(name)
                    if known is not None and not _compatible(known, distribution):
                        self._incompatible.add(name)
                    if self._latest_number.get(name, -1) > trial.number:
                        continue
                    self._latest_number[name] = trial.number
                    self._distributions[name] = distribution
            return {
                name: distribution
                for name, distribution in sorted(self._distributions.items())
                if not distribution.single() and name not in self._incompatible
            }


def _compatible(first: BaseDistribution, second: BaseDistribution) -> bool:
    try:
        check_distribution_compatibility(first, second)
    except ValueError:
        return False
    return True
