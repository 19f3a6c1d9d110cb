"""How the LLM is used: the strategies of :class:`~llm_guided_optuna.LLMGuidedSampler`.

Each strategy is a frozen dataclass that owns its options, checks them once when it is made,
and turns them into a :class:`StrategyPlan` (a schedule, an optimizer, how many configurations
one call asks for and how long they keep) with :meth:`plan`. ``strategy="trust"`` and the other
names still work: :func:`strategy_of` makes the strategy with its default options.

- :class:`Trust` (``"trust"``, the default): the LLM proposes trial 1 (the warm start), the
  GP then proposes with the LLM's proposals as beliefs whose weight decays (πBO;
  :mod:`llm_guided_optuna._prior.configuration_prior`), and the LLM proposes again while its
  trials outrank the others (:mod:`llm_guided_optuna._sampler.trust`).
- :class:`Prior` (``"prior"``): as :class:`Trust`, one LLM call per study.
- :class:`Hybrid` (``"hybrid"``): a classical optimizer keeps the state; after the warm start
  the LLM proposes an adaptive, decaying share of trials, seeing the optimizer's proposal
  (:mod:`llm_guided_optuna._sampler.schedule`).
- :class:`PureLLM` (``"llm"``): the LLM proposes every trial; TPE covers failures and the
  parameters the LLM does not give.

Example:
    >>> from llm_guided_optuna import Trust
    >>> Trust(max_llm_trials=5).max_llm_trials
    5
    >>> strategy_of("prior")  # doctest: +ELLIPSIS
    Prior(warm_start_trials=1, ...)
    >>> Trust(share=1.5)
    Traceback (most recent call last):
    ...
    ValueError: share must be in [0.0, 1.0], got 1.5
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import ClassVar
from typing import Protocol
from typing import TYPE_CHECKING
from typing import Union

from optuna.samplers import BaseSampler
from optuna.samplers import TPESampler

from llm_guided_optuna._checks import check_range
from llm_guided_optuna._imports import gp_available
from llm_guided_optuna._prior.options import PriorOptions
from llm_guided_optuna._prompt.request import DEFAULT_WARM_START_PROMPT
from llm_guided_optuna._prompt.request import WarmStartPrompt
from llm_guided_optuna._sampler.handover import HandoverSampler
from llm_guided_optuna._sampler.schedule import AdaptiveLLMShare
from llm_guided_optuna._sampler.schedule import default_optimizer
from llm_guided_optuna._sampler.schedule import WarmStartOnly
from llm_guided_optuna._sampler.trust import default_max_llm_trials
from llm_guided_optuna._sampler.trust import DEFAULT_MAX_SHARE
from llm_guided_optuna._sampler.trust import EvidenceTrust
from llm_guided_optuna._warnings import llm_warn


if TYPE_CHECKING:
    from optuna.study import Study
    from optuna.trial import FrozenTrial


#: Trials before the optimizer of the warm-started strategies starts modelling (trial 0, the
#: warm start, random points for the rest).
INITIAL_DESIGN_TRIALS = 5
#: ``Hybrid``: the LLM's share of later trials while its record is even.
DEFAULT_HYBRID_SHARE = 0.3
#: Configurations one call of :class:`PureLLM` asks for, and how many trials they keep.
PURE_LLM_BATCH = 4


class Schedule(Protocol):
    """Decides per trial, after the warm start, whether the LLM proposes it."""

    @property
    def warm_start_trials(self) -> int:
        """Trials after the first that the LLM proposes in one call, unconditionally."""
        ...

    def ask_llm(self, study: Study, trial: FrozenTrial) -> bool:
        """Whether the LLM proposes ``trial``, a trial after the warm start."""
        ...


@dataclass(frozen=True)
class StrategyPlan:
    """What a strategy needs from the sampler.

    Attributes:
        schedule: Decides per trial whether the LLM proposes (``None``: always).
        optimizer: The sampler for everything the LLM does not propose.
        proposals_per_call: Configurations asked for in one LLM call.
        max_proposal_age: Trials that may finish before an unused configuration is stale.
        warm_start_prompt: How the warm-start call asks.
    """

    schedule: Schedule | None
    optimizer: BaseSampler
    proposals_per_call: int
    max_proposal_age: int
    warm_start_prompt: WarmStartPrompt = DEFAULT_WARM_START_PROMPT


@dataclass(frozen=True, kw_only=True)
class _WarmStarted:
    """Options of the strategies whose LLM warm-starts the optimizer's initial design.

    Attributes:
        warm_start_trials: Trials after the first that the LLM proposes from the problem
            context, in one call; with trial 0 they are part of the optimizer's initial design
            (a trial the answer cannot fill with a new configuration gets a random one).
        warm_start_prompt: How the warm-start call asks (:class:`~llm_guided_optuna.
            WarmStartPrompt`; the default is the design the probe chose, docs/05).
        proposals_per_call: Configurations asked for in one LLM call (default
            ``warm_start_trials``); the first new one goes to the trial, the others serve the
            next trials and replace repeats.
        max_proposal_age: How many trials may finish before an unused configuration of a call
            is discarded as stale (default ``warm_start_trials``).
    """

    warm_start_trials: int = 1
    warm_start_prompt: WarmStartPrompt = DEFAULT_WARM_START_PROMPT
    proposals_per_call: int | None = None
    max_proposal_age: int | None = None

    def __post_init__(self) -> None:
        check_range("warm_start_trials", self.warm_start_trials, 0, 16, integer=True)
        check_range(
            "proposals_per_call", self.proposals_per_call, 1, 16, integer=True, optional=True
        )
        check_range("max_proposal_age", self.max_proposal_age, 0, integer=True, optional=True)
        if not isinstance(self.warm_start_prompt, WarmStartPrompt):
            raise TypeError(
                "warm_start_prompt must be a WarmStartPrompt, got "
                f"{type(self.warm_start_prompt).__name__}"
            )
        if self.warm_start_prompt.guesses > 1 and self._batch() != 1:
            raise ValueError(
                f"warm_start_prompt.guesses={self.warm_start_prompt.guesses} makes one "
                "configuration of several guesses: it needs warm_start_trials=1 and "
                "proposals_per_call=1"
            )

    def _batch(self) -> int:
        return (
            self.proposals_per_call
            if self.proposals_per_call is not None
            else max(1, self.warm_start_trials)
        )

    def _age(self) -> int:
        return self.warm_start_trials if self.max_proposal_age is None else self.max_proposal_age

    def _n_startup(self) -> int:
        """The optimizer's initial design: trial 0, the warm start, then random trials up to
        :data:`INITIAL_DESIGN_TRIALS`; the optimizer models from there on."""
        return max(INITIAL_DESIGN_TRIALS, self.warm_start_trials + 1)

    def _plan(self, schedule: Schedule, optimizer: BaseSampler) -> StrategyPlan:
        return StrategyPlan(
            schedule, optimizer, self._batch(), self._age(), self.warm_start_prompt
        )


@dataclass(frozen=True, kw_only=True)
class _PriorWeighted(_WarmStarted):
    """Options of the strategies whose optimizer is the prior-weighted GP.

    Attributes:
        prior: Every option of that optimizer (:class:`~llm_guided_optuna.PriorOptions`:
            prior strength, width, reliability estimate, initial design, TPE handover, start-up
            trials). Ignored when the sampler is given an ``optimizer``.
    """

    prior: PriorOptions = field(default_factory=PriorOptions)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.prior, PriorOptions):
            raise TypeError(f"prior must be a PriorOptions, got {type(self.prior).__name__}")

    def _startup_design(self) -> int:
        """The trials the GP fills before it models (the options' or the strategy's)."""
        if self.prior.n_startup_trials is not None:
            return self.prior.n_startup_trials
        return self._n_startup()

    def _optimizer(self, optimizer: BaseSampler | None, seed: int | None) -> BaseSampler:
        if optimizer is not None:
            return optimizer
        return prior_optimizer(self.prior, seed=seed, n_startup_trials=self._n_startup())


@dataclass(frozen=True, kw_only=True)
class Trust(_PriorWeighted):
    """The default strategy: a warm start, a prior-weighted GP, and the LLM asked again while
    its trials outrank the others.

    Attributes:
        share: The LLM's share of later trials at full trust (the probability that it proposes
            a trial is ``share · trust``; :mod:`llm_guided_optuna._sampler.trust`).
        max_llm_trials: The trials after the warm start that the LLM may be asked for at most.
            ``None``: 3 for a model run in this process (embedded or GGUF), 10 for a hosted one
            or one at ``api_base`` (:func:`~llm_guided_optuna._sampler.trust.
            default_max_llm_trials`).
        reask_after: Complete trials before the LLM may be asked again after the warm start.
            ``None`` (the default): the optimizer's whole initial design (5 trials by
            default), so that a new question never takes the place of a start-up trial and
            the LLM's advice is checked against them before it is asked again. ``0``: from the
            start (the design of 0.1).
        reward_new_bests: Each later LLM trial that beats every trial before it earns the LLM
            one more trial of ``max_llm_trials`` (on by default; off: the design of 0.1).

    Example:
        >>> from llm_guided_optuna import LLMGuidedSampler, PriorOptions, Trust
        >>> strategy = Trust(max_llm_trials=5, prior=PriorOptions(prior_strength=2.0))
        >>> sampler = LLMGuidedSampler(strategy=strategy, seed=0)  # doctest: +SKIP
    """

    name: ClassVar[str] = "trust"
    share: float = DEFAULT_MAX_SHARE
    max_llm_trials: int | None = None
    reask_after: int | None = None
    reward_new_bests: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        check_range("share", self.share, 0.0, 1.0)
        check_range("max_llm_trials", self.max_llm_trials, 0, integer=True, optional=True)
        check_range("reask_after", self.reask_after, 0, integer=True, optional=True)

    def plan(
        self, *, seed: int | None, optimizer: BaseSampler | None, in_process: bool
    ) -> StrategyPlan:
        """The plan, with ``optimizer`` (if given) in place of the prior-weighted GP;
        ``in_process`` says whether the model runs in this process (its default budget)."""
        max_llm_trials = (
            default_max_llm_trials(in_process=in_process)
            if self.max_llm_trials is None
            else self.max_llm_trials
        )
        schedule = EvidenceTrust(
            warm_start_trials=self.warm_start_trials,
            max_share=self.share,
            max_llm_trials=max_llm_trials,
            reask_after=self._startup_design() if self.reask_after is None else self.reask_after,
            reward_new_bests=self.reward_new_bests,
            seed=seed,
        )
        return self._plan(schedule, self._optimizer(optimizer, seed))


@dataclass(frozen=True, kw_only=True)
class Prior(_PriorWeighted):
    """A warm start and a prior-weighted GP: one LLM call per study.

    Example:
        >>> from llm_guided_optuna import LLMGuidedSampler, Prior
        >>> strategy = Prior(warm_start_trials=2)
        >>> sampler = LLMGuidedSampler(strategy=strategy, seed=0)  # doctest: +SKIP
    """

    name: ClassVar[str] = "prior"

    def plan(
        self, *, seed: int | None, optimizer: BaseSampler | None, in_process: bool
    ) -> StrategyPlan:
        """The plan (``in_process`` changes nothing here)."""
        schedule = WarmStartOnly(warm_start_trials=self.warm_start_trials)
        return self._plan(schedule, self._optimizer(optimizer, seed))


@dataclass(frozen=True, kw_only=True)
class Hybrid(_WarmStarted):
    """A warm start, then a decaying, adaptive share of trials for the LLM, which sees the
    classical optimizer's proposal.

    Attributes:
        share: The LLM's share of later trials while its record is even.

    Example:
        >>> from llm_guided_optuna import Hybrid, LLMGuidedSampler
        >>> sampler = LLMGuidedSampler(strategy=Hybrid(share=0.5), seed=0)  # doctest: +SKIP
    """

    name: ClassVar[str] = "hybrid"
    share: float = DEFAULT_HYBRID_SHARE

    def __post_init__(self) -> None:
        super().__post_init__()
        check_range("share", self.share, 0.0, 1.0)

    def plan(
        self, *, seed: int | None, optimizer: BaseSampler | None, in_process: bool
    ) -> StrategyPlan:
        """The plan: Optuna's GPSampler (TPE without PyTorch) unless ``optimizer`` is given."""
        n_startup = self._n_startup()
        schedule = AdaptiveLLMShare(
            warm_start_trials=self.warm_start_trials,
            initial_share=self.share,
            seed=seed,
            decay_start=2 * n_startup,
        )
        return self._plan(schedule, optimizer or default_optimizer(seed, n_startup))


@dataclass(frozen=True, kw_only=True)
class PureLLM:
    """The LLM proposes every trial; TPE covers failures and parameters the LLM does not give.

    Attributes:
        proposals_per_call: Configurations asked for in one call.
        max_proposal_age: How many trials may finish before an unused configuration is stale;
            0 asks the LLM afresh for every trial.

    Example:
        >>> from llm_guided_optuna import LLMGuidedSampler, PureLLM
        >>> sampler = LLMGuidedSampler(strategy=PureLLM(proposals_per_call=1))  # doctest: +SKIP
    """

    name: ClassVar[str] = "llm"
    proposals_per_call: int = PURE_LLM_BATCH
    max_proposal_age: int = PURE_LLM_BATCH

    def __post_init__(self) -> None:
        check_range("proposals_per_call", self.proposals_per_call, 1, 16, integer=True)
        check_range("max_proposal_age", self.max_proposal_age, 0, integer=True)

    def plan(
        self, *, seed: int | None, optimizer: BaseSampler | None, in_process: bool
    ) -> StrategyPlan:
        """The plan: no schedule, ``TPESampler(seed=seed)`` unless ``optimizer`` is given."""
        return StrategyPlan(
            None,
            optimizer or TPESampler(seed=seed),
            self.proposals_per_call,
            self.max_proposal_age,
        )


#: A strategy object.
Strategy = Union[Trust, Prior, Hybrid, PureLLM]
#: The strategies by name, in the order the docs list them.
STRATEGY_TYPES: dict[str, type[Strategy]] = {
    cls.name: cls for cls in (PureLLM, Hybrid, Prior, Trust)
}
STRATEGIES = tuple(STRATEGY_TYPES)
DEFAULT_STRATEGY = Trust.name


def strategy_of(strategy: str | Strategy) -> Strategy:
    """The strategy object ``strategy`` names (with its default options), or ``strategy``.

    Raises:
        ValueError: An unknown name.
        TypeError: Neither a name nor a strategy object.
    """
    if isinstance(strategy, str):
        if strategy not in STRATEGY_TYPES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
        return STRATEGY_TYPES[strategy]()
    if isinstance(strategy, (Trust, Prior, Hybrid, PureLLM)):
        return strategy
    raise TypeError(
        "strategy must be a name or a strategy object (Trust, Prior, Hybrid, PureLLM), got "
        f"{type(strategy).__name__}"
    )


def prior_optimizer(
    options: PriorOptions, *, seed: int | None, n_startup_trials: int
) -> BaseSampler:
    """The optimizer of :class:`Prior` and :class:`Trust`: a
    :class:`~llm_guided_optuna.PriorWeightedGPSampler` with ``options``, handing over to a
    multivariate TPE (same seed) after ``options.handover_trials`` complete trials.

    ``n_startup_trials`` is the strategy's initial design; ``options.n_startup_trials``, when
    set, replaces it. Without PyTorch and SciPy: a multivariate TPESampler, with a warning.
    """
    if not gp_available():
        llm_warn(
            'the Gaussian process of strategy="trust" (the default) and "prior" needs PyTorch and '
            "SciPy; without them the LLM only warm-starts a multivariate TPESampler "
            "(pip install 'llm-guided-optuna[gp]'; PyTorch's CPU build is enough: "
            "pip install torch --index-url https://download.pytorch.org/whl/cpu)"
        )
        return default_optimizer(seed, n_startup_trials)
    from llm_guided_optuna._prior.sampler import PriorWeightedGPSampler

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
