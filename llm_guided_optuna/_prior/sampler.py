"""The prior strategy's optimizer: GPSampler with an acquisition weighted by the LLM's prior.

:class:`PriorWeightedGPSampler` is Optuna's :class:`~optuna.samplers.GPSampler` whose acquisition
after ``n`` finished trials is ``log EI(x) + (β / n) · log π(x)`` (πBO), with the prior ``π`` built
from the LLM's beliefs by :mod:`llm_guided_optuna._prior.configuration_prior`. It reads the beliefs
from the study itself (the ``llm_proposal`` of every trial the LLM proposed, and the values the
user states in ``domain_knowledge``, :mod:`llm_guided_optuna._proposal.stated_beliefs`), so every
worker process sees the same prior and a restarted worker rebuilds it. It uses the acquisition hook
``GPSampler._optimize_acqf``, which Optuna documents as overridable but not stable: if Optuna's
private GP code changes (:mod:`~llm_guided_optuna._prior._gp_compat` raises
:class:`~llm_guided_optuna.exceptions.OptunaInternalsError`), the sampler warns once and goes on as
the plain GPSampler. An error of the prior's own code is not hidden that way.

The TPE handover past 100 trials that bounds the prior strategy's cost is not part of this
class: the strategy composes it (:class:`~llm_guided_optuna._sampler.handover.HandoverSampler`).

With ``initial_design="prior"`` the start-up trials the GP fills before it models are drawn
from the prior (πBO's initial design) while the evidence supports the beliefs. It is off by
default: on the knowledge benchmark it helped a good hint a little and cost with a vague or a
misleading one (docs/01, section 5.6).

Example:
    >>> import optuna
    >>> sampler = PriorWeightedGPSampler(prior_strength=1.0, seed=0)  # doctest: +SKIP
    >>> study = optuna.create_study(sampler=sampler)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
import threading
from typing import Any
from typing import TYPE_CHECKING

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.samplers import GPSampler
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from llm_guided_optuna._attrs import PRIOR_DRAW_ATTR
from llm_guided_optuna._attrs import PRIOR_RELIABILITY_ATTR
from llm_guided_optuna._attrs import PRIOR_WEIGHT_ATTR
from llm_guided_optuna._attrs import PROPOSAL_ATTR
from llm_guided_optuna._optuna_compat import set_trial_system_attr
from llm_guided_optuna._optuna_compat import set_trial_user_attr
from llm_guided_optuna._optuna_compat import study_trials
from llm_guided_optuna._prior._gp_compat import acquisition_space
from llm_guided_optuna._prior._gp_compat import n_local_search
from llm_guided_optuna._prior._gp_compat import n_startup_trials
from llm_guided_optuna._prior._gp_compat import prior_weighted_acquisition
from llm_guided_optuna._prior._gp_compat import sampler_rng
from llm_guided_optuna._prior._gp_compat import unnormalize
from llm_guided_optuna._prior.configuration_prior import belief_weights
from llm_guided_optuna._prior.configuration_prior import build_prior
from llm_guided_optuna._prior.configuration_prior import ConfigurationPrior
from llm_guided_optuna._prior.configuration_prior import DEFAULT_PRIOR_STRENGTH
from llm_guided_optuna._prior.configuration_prior import DEFAULT_PRIOR_WIDTH
from llm_guided_optuna._prior.configuration_prior import llm_belief_trials
from llm_guided_optuna._prior.options import check_prior_choices
from llm_guided_optuna._prior.reliability import belief_reliability
from llm_guided_optuna._prior.reliability import density_reliability
from llm_guided_optuna._prior.reliability import rank_reliability
from llm_guided_optuna._prompt.problem import read_problem_context
from llm_guided_optuna._proposal.stated_beliefs import read_stated_beliefs
from llm_guided_optuna._warnings import llm_warn
from llm_guided_optuna.exceptions import OptunaInternalsError


if TYPE_CHECKING:
    from optuna.study import Study


class PriorWeightedGPSampler(GPSampler):
    """Optuna's GPSampler whose acquisition is weighted by the LLM's prior, decaying as β/n.

    Args:
        prior_strength: ``β``: the prior's exponent is ``β / n`` after ``n`` finished trials.
            0 gives the plain GPSampler.
        prior_width: Standard deviation of the prior around each believed configuration, in
            the normalised search space.
        beliefs: Fixed believed configurations; by default they are read from the study
            (:func:`llm_beliefs`).
        belief_weighting: ``"uniform"`` (every belief alike) or ``"evidence"`` (each belief
            weighs by how its trial did, :func:`belief_weights`).
        prior_horizon: Finished trials after which the prior is dropped altogether (``None``:
            it only decays).
        stated_beliefs: Whether the values the user states in ``domain_knowledge`` become
            beliefs of the prior, with their own width
            (:mod:`llm_guided_optuna._proposal.stated_beliefs`).
        initial_design: How the start-up trials (before ``n_startup_trials`` have finished)
            are drawn: ``"random"`` (uniform, GPSampler's design) or ``"prior"`` (from the prior,
            as πBO does, each with a probability equal to the beliefs' reliability so far and
            uniformly otherwise; uniform while there are no beliefs).
        reliability_estimate: How the evidence scales the prior's weight: ``"density"`` (the
            default: the prior's density at every trial against how good the trial was,
            :func:`~llm_guided_optuna._prior.reliability.density_reliability`), ``"median"`` (the
            LLM's trials against the median,
            :func:`~llm_guided_optuna._prior.reliability.belief_reliability`) or ``"rank"`` (every
            LLM trial against every other,
            :func:`~llm_guided_optuna._prior.reliability.rank_reliability`).
        evidence_first: The reliability is at most the rank check's: the prior weighs no more
            than the LLM's trials earn by their rank among the others.
        **gp_kwargs: Passed to :class:`~optuna.samplers.GPSampler` (``seed``,
            ``n_startup_trials``, ...).

    Example:
        >>> sampler = PriorWeightedGPSampler(
        ...     beliefs=[{"x": 0.3}], prior_strength=1.0, seed=0
        ... )  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        prior_strength: float = DEFAULT_PRIOR_STRENGTH,
        prior_width: float = DEFAULT_PRIOR_WIDTH,
        beliefs: Sequence[Mapping[str, Any]] | None = None,
        belief_weighting: str = "uniform",
        prior_horizon: int | None = None,
        stated_beliefs: bool = True,
        initial_design: str = "random",
        reliability_estimate: str = "density",
        evidence_first: bool = False,
        **gp_kwargs: Any,
    ) -> None:
        if prior_strength < 0:
            raise ValueError("prior_strength must be >= 0")
        check_prior_choices(belief_weighting, initial_design, reliability_estimate)
        super().__init__(**gp_kwargs)
        self.prior_strength = prior_strength
        self.prior_width = prior_width
        self.belief_weighting = belief_weighting
        self.prior_horizon = prior_horizon
        self.stated_beliefs = stated_beliefs
        self.initial_design = initial_design
        self.reliability_estimate = reliability_estimate
        self.evidence_first = evidence_first
        self._fixed_beliefs = [dict(b) for b in beliefs] if beliefs is not None else None
        self._local = threading.local()
        self._warned = False

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        trials = study_trials(study, (TrialState.COMPLETE,))
        beliefs = self._fixed_beliefs
        weights = None
        if beliefs is None:
            belief_trials = llm_belief_trials(study_trials(study))
            beliefs = [dict(t.user_attrs[PROPOSAL_ATTR]) for t in belief_trials]
            if self.belief_weighting == "evidence":
                weights = belief_weights(belief_trials, trials, study.directions)
        self._local.beliefs = beliefs
        self._local.weights = weights
        self._local.knowledge = (
            read_problem_context(study.user_attrs).domain_knowledge
            if self.stated_beliefs
            else None
        )
        self._local.n_finished = len(trials)
        self._local.reliability = self._reliability(trials, study.directions, search_space)
        if beliefs or self._local.knowledge:
            # Why the prior did or did not steer this trial, for the user (llm-optuna explain).
            weight = self.prior_weight(len(trials), self._local.reliability)
            set_trial_user_attr(study, trial, PRIOR_WEIGHT_ATTR, round(weight, 6))
            set_trial_user_attr(
                study, trial, PRIOR_RELIABILITY_ATTR, round(self._local.reliability, 6)
            )
        try:
            if (
                self.initial_design == "prior"
                and search_space
                and len(trials) < n_startup_trials(self)
            ):
                drawn = self._draw_from_prior(search_space)
                if drawn is not None:
                    set_trial_system_attr(study, trial, PRIOR_DRAW_ATTR, True)
                    return drawn
            return super().sample_relative(study, trial, search_space)
        finally:
            self._local.beliefs = None

    def _reliability(
        self,
        trials: Sequence[FrozenTrial],
        directions: Sequence[Any],
        search_space: dict[str, BaseDistribution],
    ) -> float:
        """The beliefs' reliability by :attr:`reliability_estimate`, at most the rank check's
        with :attr:`evidence_first`."""
        estimate = self._estimate(trials, directions, search_space)
        if not self.evidence_first:
            return estimate
        return min(estimate, rank_reliability(trials, directions))

    def _estimate(
        self,
        trials: Sequence[FrozenTrial],
        directions: Sequence[Any],
        search_space: dict[str, BaseDistribution],
    ) -> float:
        """The beliefs' reliability by :attr:`reliability_estimate` (see
        :mod:`llm_guided_optuna._prior.reliability`); the median check if the prior cannot be
        built."""
        if self.reliability_estimate == "rank":
            return rank_reliability(trials, directions)
        if self.reliability_estimate == "density":
            try:
                prior = self._current_prior(search_space) if search_space else None
                return density_reliability(trials, directions, prior, search_space)
            except OptunaInternalsError as error:  # The median check instead.
                self._warn_once(error, "checking the beliefs by the median check instead")
        return belief_reliability(trials, directions)

    def prior_weight(self, n_finished: int, reliability: float = 1.0) -> float:
        """The exponent ``reliability · β / n`` of the prior after ``n_finished`` trials, and 0
        once ``n_finished`` passes ``prior_horizon``."""
        if self.prior_horizon is not None and n_finished > self.prior_horizon:
            return 0.0
        return reliability * self.prior_strength / max(1, n_finished)

    def _draw_from_prior(self, search_space: dict[str, BaseDistribution]) -> dict[str, Any] | None:
        """A start-up configuration drawn from the prior, with probability equal to the beliefs'
        reliability; ``None`` (a uniform draw) otherwise or without beliefs."""
        try:
            prior = self._current_prior(search_space)
            if prior is None:
                return None
            rng = sampler_rng(self)
            if rng.uniform() >= self._local.reliability:
                return None
            return unnormalize(search_space, prior.sample(rng)[0])
        except OptunaInternalsError as error:  # A uniform draw instead.
            self._warn_once(error)
            return None

    def _current_prior(self, space: dict[str, BaseDistribution]) -> ConfigurationPrior | None:
        """The prior over ``space`` from this trial's beliefs and the user's statements."""
        stated = read_stated_beliefs(self._local.knowledge, space)
        return build_prior(
            self._local.beliefs, space, self.prior_width, self._local.weights, stated
        )

    def _warn_once(
        self, error: Exception, instead: str = "continuing with the plain GPSampler"
    ) -> None:
        if not self._warned:
            self._warned = True
            llm_warn(
                f"the LLM prior could not be applied ({type(error).__name__}: {error}); {instead}"
            )

    def _optimize_acqf(self, acqf: Any, best_params: np.ndarray | None) -> np.ndarray:
        weighted, extra_starts = self._weighted(acqf)
        if extra_starts is not None:
            best_params = (
                extra_starts if best_params is None else np.vstack([best_params, extra_starts])
            )
            best_params = best_params[: n_local_search(self) - 1]
        return super()._optimize_acqf(weighted, best_params)

    def _weighted(self, acqf: Any) -> tuple[Any, np.ndarray | None]:
        beliefs = getattr(self._local, "beliefs", None)
        knowledge = getattr(self._local, "knowledge", None)
        if beliefs is None or not (beliefs or knowledge):
            return acqf, None
        weight = self.prior_weight(self._local.n_finished, self._local.reliability)
        if weight <= 0.0:
            return acqf, None
        try:
            # The space the acquisition works in, in its own order of parameters.
            prior = self._current_prior(acquisition_space(acqf))
            if prior is None:
                return acqf, None
            return prior_weighted_acquisition(acqf, prior, weight), prior.centers
        except OptunaInternalsError as error:  # Carry on as the plain GP.
            self._warn_once(error)
            return acqf, None
