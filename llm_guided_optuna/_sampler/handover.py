"""One sampler until a number of trials are complete, another from then on.

:class:`HandoverSampler` composes two samplers: ``first`` proposes while fewer than
``after_trials`` trials of the study are complete, ``then`` afterwards. Both see every trial's
``before_trial`` and ``after_trial``, so ``then`` takes over with the whole history, and
because the switch is read from the study, every worker process switches at the same trial.

The prior strategy uses it to bound its cost per trial: Optuna's GP costs more with every
trial it is fitted on, a multivariate TPE's cost grows slowly, and the prior has long decayed
by the time the TPE takes over (docs/01, the section on cost).

Example:
    >>> import optuna
    >>> sampler = HandoverSampler(
    ...     optuna.samplers.RandomSampler(seed=0),
    ...     optuna.samplers.TPESampler(multivariate=True, seed=0),
    ...     after_trials=10,
    ... )
    >>> study = optuna.create_study(sampler=sampler)
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=12)
    >>> sampler.handed_over(study)
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from typing import TYPE_CHECKING

from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from llm_guided_optuna._optuna_compat import study_trials


if TYPE_CHECKING:
    from optuna.study import Study


def sampler_name(sampler: BaseSampler) -> str:
    """The class name of ``sampler``, or for a :class:`HandoverSampler` that of its first
    sampler (what warnings and logs call the optimizer)."""
    while isinstance(sampler, HandoverSampler):
        sampler = sampler.first
    return type(sampler).__name__


class HandoverSampler(BaseSampler):
    """``first`` until ``after_trials`` trials are complete, ``then`` from there on.

    Args:
        first: The sampler of the study's first trials.
        then: The sampler once ``after_trials`` trials are complete; it sees every trial's
            ``before_trial`` and ``after_trial`` from the start.
        after_trials: Complete trials at which ``then`` takes over (at least 1).
    """

    def __init__(self, first: BaseSampler, then: BaseSampler, *, after_trials: int) -> None:
        if after_trials < 1:
            raise ValueError(f"after_trials must be >= 1, got {after_trials!r}")
        self.first = first
        self.then = then
        self.after_trials = after_trials

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({type(self.first).__name__}, {type(self.then).__name__}, "
            f"after_trials={self.after_trials})"
        )

    def __str__(self) -> str:
        return f"{self.first} until {self.after_trials} complete trials, then {self.then}"

    def handed_over(self, study: Study) -> bool:
        """Whether ``then`` proposes now: ``after_trials`` trials of ``study`` are complete."""
        # The cached read the other samplers use: this runs in every hook of every trial.
        complete = study_trials(study, (TrialState.COMPLETE,))
        return len(complete) >= self.after_trials

    def _current(self, study: Study) -> BaseSampler:
        return self.then if self.handed_over(study) else self.first

    def reseed_rng(self) -> None:
        self.first.reseed_rng()
        self.then.reseed_rng()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return self._current(study).infer_relative_search_space(study, trial)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return self._current(study).sample_relative(study, trial, search_space)

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return self._current(study).sample_independent(
            study, trial, param_name, param_distribution
        )

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self.first.before_trial(study, trial)
        self.then.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self.first.after_trial(study, trial, state, values)
        self.then.after_trial(study, trial, state, values)
