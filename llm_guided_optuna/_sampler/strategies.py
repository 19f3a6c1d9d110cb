"""How the LLM is used: the strategies of :class:`~llm_guided_optuna.LLMGuidedSampler`.

- ``"llm"``: the LLM proposes every trial; the optimizer (TPE) covers failures and
  parameters the LLM does not give. Each call asks for a batch of configurations.
- ``"hybrid"``: a classical optimizer keeps the state; the LLM warm-starts the first trials
  and then proposes an adaptive, decaying share of trials, seeing the optimizer's proposal
  (:mod:`llm_guided_optuna._sampler.schedule`).
- ``"prior"``: the LLM proposes trials 1..``warm_start_trials`` (with trial 0 they are the GP's
  initial design); afterwards the GP proposes every trial with an acquisition weighted by the
  LLM's beliefs, whose influence decays as evidence accumulates (πBO;
  :mod:`llm_guided_optuna._prior.configuration_prior`). One LLM call per study.
- ``"trust"`` (the default): as ``"prior"``, and after the warm start the LLM proposes again,
  seeing the history and the optimizer's proposal, while its trials outrank the others: with
  probability ``llm_share`` times its trust (:mod:`llm_guided_optuna._sampler.trust`). Its
  proposals join the prior's beliefs. An advisor that does no better than the other trials is
  not asked again, so it costs what ``"prior"`` costs; a good one is asked more often.

Example:
    >>> plan = configure_strategy("llm", seed=0)
    >>> plan.proposals_per_call, plan.schedule is None
    (4, True)
"""

from __future__ import annotations

from dataclasses import dataclass

from optuna.samplers import BaseSampler
from optuna.samplers import TPESampler

from llm_guided_optuna._imports import gp_available
from llm_guided_optuna._prior.options import PriorOptions
from llm_guided_optuna._sampler.handover import HandoverSampler
from llm_guided_optuna._sampler.schedule import AdaptiveLLMShare
from llm_guided_optuna._sampler.schedule import default_optimizer
from llm_guided_optuna._sampler.trust import DEFAULT_MAX_SHARE
from llm_guided_optuna._sampler.trust import EvidenceTrust
from llm_guided_optuna._warnings import llm_warn


STRATEGIES = ("llm", "hybrid", "prior", "trust")
DEFAULT_STRATEGY = "trust"
#: Trials before the optimizer of ``hybrid`` and ``prior`` starts modelling (trial 0, the warm
#: start, random points for the rest).
INITIAL_DESIGN_TRIALS = 5
#: ``"hybrid"``: the LLM's share of later trials while its record is even.
DEFAULT_HYBRID_SHARE = 0.3


@dataclass(frozen=True)
class StrategyPlan:
    """What a strategy needs from the sampler.

    Attributes:
        schedule: Decides per trial whether the LLM proposes (``None``: always).
        optimizer: The sampler for everything the LLM does not propose.
        proposals_per_call: Configurations asked for in one LLM call.
        max_proposal_age: Trials that may finish before an unused configuration is stale.
    """

    schedule: AdaptiveLLMShare | EvidenceTrust | None
    optimizer: BaseSampler
    proposals_per_call: int
    max_proposal_age: int


def configure_strategy(
    strategy: str,
    *,
    seed: int | None = None,
    optimizer: BaseSampler | None = None,
    proposals_per_call: int | None = None,
    max_proposal_age: int | None = None,
    warm_start_trials: int = 1,
    llm_share: float | None = None,
    prior: PriorOptions | None = None,
    max_llm_trials: int | None = None,
) -> StrategyPlan:
    """The :class:`StrategyPlan` of ``strategy`` with the user's overrides applied.

    ``prior`` is used by ``"prior"`` and ``"trust"`` when no ``optimizer`` is given.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    if warm_start_trials < 0:
        raise ValueError("warm_start_trials must be >= 0")
    if strategy == "llm":
        return StrategyPlan(
            schedule=None,
            optimizer=optimizer or TPESampler(seed=seed),
            proposals_per_call=_at_least_one(proposals_per_call, 4),
            max_proposal_age=4 if max_proposal_age is None else max_proposal_age,
        )
    batch = _at_least_one(proposals_per_call, max(1, warm_start_trials))
    age = warm_start_trials if max_proposal_age is None else max_proposal_age
    # The optimizer's initial design: trial 0, the warm start, then random trials up to
    # INITIAL_DESIGN_TRIALS; the optimizer models from there on.
    n_startup = max(INITIAL_DESIGN_TRIALS, warm_start_trials + 1)
    if strategy == "hybrid":
        share = DEFAULT_HYBRID_SHARE if llm_share is None else llm_share
        schedule = AdaptiveLLMShare(
            warm_start_trials=warm_start_trials,
            initial_share=share,
            seed=seed,
            decay_start=2 * n_startup,
        )
        return StrategyPlan(schedule, optimizer or default_optimizer(seed, n_startup), batch, age)
    if optimizer is None:
        optimizer = prior_optimizer(prior or PriorOptions(), seed=seed, n_startup_trials=n_startup)
    if strategy == "trust":
        share = DEFAULT_MAX_SHARE if llm_share is None else llm_share
        trust = EvidenceTrust(
            warm_start_trials=warm_start_trials,
            max_share=share,
            max_llm_trials=max_llm_trials,
            seed=seed,
        )
        return StrategyPlan(trust, optimizer, batch, age)
    # "prior": the LLM's share after the warm start is 0; its beliefs weight the GP instead.
    schedule = AdaptiveLLMShare(warm_start_trials=warm_start_trials, initial_share=0.0, seed=seed)
    return StrategyPlan(schedule, optimizer, batch, age)


def prior_optimizer(
    options: PriorOptions, *, seed: int | None, n_startup_trials: int
) -> BaseSampler:
    """The optimizer of ``"prior"`` and ``"trust"``: a
    :class:`~llm_guided_optuna.PriorWeightedGPSampler` with ``options``, handing over to a
    multivariate TPE (same seed) after ``options.handover_trials`` complete trials.

    ``n_startup_trials`` is the strategy's initial design; ``options.n_startup_trials``, when
    set, replaces it. Without PyTorch and SciPy: a multivariate TPESampler, with a warning.
    """
    if not gp_available():
        llm_warn(
            'strategy="prior" needs PyTorch and SciPy for its Gaussian process; without them '
            "the LLM only warm-starts a multivariate TPESampler "
            "(pip install 'llm-guided-optuna[gp]'; PyTorch's CPU build is enough: "
            "pip install torch --index-url https://download.pytorch.org/whl/cpu)"
        )
        return default_optimizer(seed, n_startup_trials)
    from llm_guided_optuna._prior.sampler import PriorWeightedGPSampler  # Imports torch.

    if options.n_startup_trials is not None:
        n_startup_trials = options.n_startup_trials
    # The GP takes over right after the warm start: on the benchmark a GP that starts after 4
    # random trials halves the regret at 10 trials of one that starts after 10 (Optuna's
    # default). The warm start must then not be clustered: repeats in its answer go to the
    # GP's random initial design, not to nearby variants (see docs/benchmarks.md).
    gp = PriorWeightedGPSampler(
        **options.gp_arguments(), seed=seed, n_startup_trials=n_startup_trials
    )
    if options.handover_trials is None:
        return gp
    return HandoverSampler(
        gp, TPESampler(multivariate=True, seed=seed), after_trials=options.handover_trials
    )


def _at_least_one(value: int | None, default: int) -> int:
    value = default if value is None else value
    if value < 1:
        raise ValueError("proposals_per_call must be >= 1")
    return value
