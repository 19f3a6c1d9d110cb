"""The options of the prior strategies (``"prior"`` and ``"trust"``), as one typed value.

:class:`PriorOptions` holds every setting of the optimizer those strategies build: the πBO prior's
strength, width and checks, how its start-up trials are drawn, and when the GP hands over to a
multivariate TPE. The sampler takes it as ``prior=PriorOptions(...)``; the strategy builds its
optimizer from it (:func:`~llm_guided_optuna._sampler.strategies.prior_optimizer`).

Example:
    >>> from llm_guided_optuna import LLMGuidedSampler, PriorOptions
    >>> options = PriorOptions(prior_strength=2.0, reliability_estimate="rank")
    >>> sampler = LLMGuidedSampler(prior=options, seed=0)  # doctest: +SKIP
    >>> PriorOptions(initial_design="sobol")
    Traceback (most recent call last):
    ...
    ValueError: initial_design must be one of ('random', 'prior'), got 'sobol'
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields
from typing import Any

from llm_guided_optuna._checks import check_range
from llm_guided_optuna._prior.configuration_prior import BELIEF_WEIGHTINGS
from llm_guided_optuna._prior.configuration_prior import DEFAULT_PRIOR_STRENGTH
from llm_guided_optuna._prior.configuration_prior import DEFAULT_PRIOR_WIDTH
from llm_guided_optuna._prior.reliability import RELIABILITY_ESTIMATES


#: How the start-up trials the GP fills before it models are drawn: uniformly at random
#: (GPSampler's own design), or from the prior (πBO's initial design).
INITIAL_DESIGNS = ("random", "prior")
#: Complete trials after which the prior strategy's GP hands its proposals to a multivariate TPE.
DEFAULT_HANDOVER_TRIALS = 100


@dataclass(frozen=True, kw_only=True)
class PriorOptions:
    """Settings of the optimizer of the ``"prior"`` and ``"trust"`` strategies.

    Attributes:
        prior_strength: ``β``: the prior's exponent is ``β / n`` after ``n`` finished trials
            (0 gives the plain GP after the warm start).
        prior_width: Standard deviation of the prior around each believed configuration, in
            the normalised search space.
        belief_weighting: ``"uniform"`` (every belief alike) or ``"evidence"`` (each belief
            weighs by how its trial did).
        prior_horizon: Finished trials after which the prior is dropped altogether
            (``None``: it only decays).
        stated_beliefs: Whether the values the user states in ``domain_knowledge`` become
            beliefs of the prior.
        initial_design: ``"random"`` (uniform start-up trials, GPSampler's design) or
            ``"prior"`` (drawn from the prior while the evidence supports it).
        reliability_estimate: How the evidence scales the prior's weight: ``"density"``,
            ``"median"`` or ``"rank"`` (see :mod:`llm_guided_optuna._prior.reliability`).
        evidence_first: The prior weighs no more than the LLM's own trials earn by their rank
            among the others (the rank check, :func:`~llm_guided_optuna._prior.reliability.
            rank_reliability`): advice whose trial is no better than the random start-up
            trials does not steer the GP (DynaBO's rule: evidence before belief). Off by
            default until its benchmark rows are complete (issue 42, docs/benchmarks_nn.md).
        handover_trials: Complete trials after which a multivariate TPE proposes instead of
            the GP, to bound the cost per trial; ``None`` keeps the GP for ever.
        n_startup_trials: Trials before the GP models. ``None``: the strategy's initial design,
            ``max(5, warm_start_trials + 1)``.
    """

    prior_strength: float = DEFAULT_PRIOR_STRENGTH
    prior_width: float = DEFAULT_PRIOR_WIDTH
    belief_weighting: str = "uniform"
    prior_horizon: int | None = None
    stated_beliefs: bool = True
    initial_design: str = "random"
    reliability_estimate: str = "density"
    evidence_first: bool = False
    handover_trials: int | None = DEFAULT_HANDOVER_TRIALS
    n_startup_trials: int | None = None

    def __post_init__(self) -> None:
        check_range("prior_strength", self.prior_strength, 0.0)
        check_range("prior_width", self.prior_width, 0.0, low_open=True)
        check_range("prior_horizon", self.prior_horizon, 0, integer=True, optional=True)
        check_range("handover_trials", self.handover_trials, 1, integer=True, optional=True)
        check_range("n_startup_trials", self.n_startup_trials, 0, integer=True, optional=True)
        check_prior_choices(self.belief_weighting, self.initial_design, self.reliability_estimate)

    def gp_arguments(self) -> dict[str, Any]:
        """The options of :class:`~llm_guided_optuna.PriorWeightedGPSampler` itself: all but
        the handover and the start-up trials, which the strategy composes and decides."""
        composed = ("handover_trials", "n_startup_trials")
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in composed}


def check_prior_choices(
    belief_weighting: str, initial_design: str, reliability_estimate: str
) -> None:
    """Raise ``ValueError`` naming the option whose value is not one of its choices."""
    for name, value, allowed in (
        ("belief_weighting", belief_weighting, BELIEF_WEIGHTINGS),
        ("initial_design", initial_design, INITIAL_DESIGNS),
        ("reliability_estimate", reliability_estimate, RELIABILITY_ESTIMATES),
    ):
        if value not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
