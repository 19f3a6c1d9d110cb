"""Optuna integration: :class:`LLMGuidedSampler`.

The sampler reads as orchestration; each concern lives in its own module:
:mod:`~llm_guided_optuna._sampler.strategies` (who proposes which trial),
:mod:`~llm_guided_optuna._sampler.search_space` (which parameters to ask for),
:mod:`~llm_guided_optuna._proposal.proposer` (a configuration from the LLM, which draws on
:mod:`~llm_guided_optuna._prompt.context` and :mod:`~llm_guided_optuna._prompt.render` for what the
LLM is told, :mod:`~llm_guided_optuna._llm.caller` and :mod:`~llm_guided_optuna._llm.client` for
the call, :mod:`~llm_guided_optuna._prompt.response` for the structured answer and
:mod:`~llm_guided_optuna._proposal.validator` for making it valid),
:mod:`~llm_guided_optuna._sampler.failure_policy` (what a failed proposal does),
:mod:`~llm_guided_optuna._sampler.optimizer_claim` (no two trials run the same optimizer point) and
:mod:`~llm_guided_optuna._proposal.provenance` (what each trial records).
"""

from __future__ import annotations

from collections.abc import Sequence
import os
from typing import Any
from typing import TYPE_CHECKING

from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from llm_guided_optuna._checks import check_cache_dir
from llm_guided_optuna._checks import check_model
from llm_guided_optuna._checks import check_range
from llm_guided_optuna._checks import check_related_studies
from llm_guided_optuna._checks import check_sampler
from llm_guided_optuna._llm.caller import LLMCaller
from llm_guided_optuna._llm.replay import ExchangeCache
from llm_guided_optuna._llm.settings import LLMSettings
from llm_guided_optuna._prompt.context_builder import ContextBuilder
from llm_guided_optuna._prompt.related import RelatedStudies
from llm_guided_optuna._proposal.claims import ConfigurationClaims
from llm_guided_optuna._proposal.claims import WarmStartClaim
from llm_guided_optuna._proposal.pool import ProposalPool
from llm_guided_optuna._proposal.proposer import LLMProposer
from llm_guided_optuna._proposal.provenance import ProvenanceRecorder
from llm_guided_optuna._proposal.validator import ParameterValidator
from llm_guided_optuna._sampler.failure_policy import FailurePolicy
from llm_guided_optuna._sampler.flat_arguments import FALLBACK_SAMPLER_DEPRECATION
from llm_guided_optuna._sampler.flat_arguments import resolve_flat_arguments
from llm_guided_optuna._sampler.handover import sampler_name
from llm_guided_optuna._sampler.optimizer_claim import claim_optimizer_configuration
from llm_guided_optuna._sampler.pickling import state_bytes
from llm_guided_optuna._sampler.pickling import state_from_bytes
from llm_guided_optuna._sampler.search_space import UnionSearchSpace
from llm_guided_optuna._sampler.strategies import DEFAULT_STRATEGY
from llm_guided_optuna._sampler.strategies import Strategy
from llm_guided_optuna._stats import SamplerStatistics
from llm_guided_optuna._trials import fixed_params
from llm_guided_optuna._warnings import llm_warn
from llm_guided_optuna.embedded.selection import is_local_model_string
from llm_guided_optuna.embedded.selection import resolve_local_model
from llm_guided_optuna.exceptions import LLMCallError
from llm_guided_optuna.exceptions import LLMProposalError
from llm_guided_optuna.exceptions import ProposalParseError


if TYPE_CHECKING:
    from optuna.study import Study


class LLMGuidedSampler(BaseSampler):
    """An Optuna sampler that asks a Large Language Model for complete configurations.

    For each trial the sampler shows the LLM the search space, the best and most recent trials,
    the trials still running, the progress so far and the problem context stored in
    ``study.user_attrs`` (``problem_type``, ``problem_description``, ``constraints``,
    ``domain_knowledge``), and asks for one value per parameter in a single call. The answer is
    validated (clamped, snapped, converted). The strategy's optimizer (``optimizer``)
    proposes the trials the strategy gives it and parameters seen for the first time, and
    stands in for every failed proposal. Each trial records where its parameters came from in
    its user attributes (``llm_source``: ``llm``, ``optimizer``, ``fallback``, ...;
    ``llm_reason``, ``llm_rationale``, ``llm_proposal``, ``llm_call``; see
    :mod:`~llm_guided_optuna._proposal.provenance`).

    Example:
        .. code-block:: python

            import optuna
            from llm_guided_optuna import LLMGuidedSampler

            sampler = LLMGuidedSampler(seed=0)  # the embedded local model; no key needed
            study = optuna.create_study(sampler=sampler)
            study.set_user_attr("problem_description", "Tune an SGD classifier")
            study.optimize(
                lambda t: (t.suggest_float("lr", 1e-5, 1e-1, log=True) - 1e-2) ** 2,
                n_trials=20,
            )
            print(sampler.get_statistics()["sampler_stats"]["success_rate"])

    Args:
        model: Any LiteLLM model string (``"gpt-4o-mini"``, ``"ollama/llama3.1"``,
            ``"openai/<name>"`` with ``llm=LLMSettings(api_base=...)``, ...), an embedded model
            (``"embedded/qwen2.5-coder-1.5b"``, ``"embedded/smollm2-135m"``) or a GGUF file of
            your own (``"gguf:/path/model.gguf"``), both served in-process on 127.0.0.1.
            ``None``: the best embedded model installed (see
            :mod:`llm_guided_optuna.embedded.selection`). The only positional argument.
        seed: Seed of the strategy's optimizer, and of the LLM where the provider takes one.
        strategy: How the LLM is used: a name (``"trust"``, the default; ``"prior"``,
            ``"hybrid"``, ``"llm"``) or a strategy object with its options
            (:class:`~llm_guided_optuna.Trust`, :class:`~llm_guided_optuna.Prior`,
            :class:`~llm_guided_optuna.Hybrid`, :class:`~llm_guided_optuna.PureLLM`; each in
            full in :mod:`llm_guided_optuna._sampler.strategies`). Under ``"trust"`` the LLM
            proposes trial 1; then Optuna's GPSampler proposes with the LLM's proposals as
            beliefs whose weight decays (πBO), and the LLM proposes again while its trials
            outrank the others.
        optimizer: The strategy's optimizer: it proposes what the LLM does not (most trials,
            under ``"trust"``, ``"prior"`` and ``"hybrid"``) and stands in when a proposal
            fails. Default: a :class:`~llm_guided_optuna.PriorWeightedGPSampler` handing over to
            a TPE (``"trust"``, ``"prior"``), ``GPSampler`` (``"hybrid"``),
            ``TPESampler(seed=seed)`` (``"llm"``).
        llm: How the sampler talks to its LLM: server, key, temperature, timeout, retries,
            structured output (:class:`~llm_guided_optuna.LLMSettings`; default
            ``LLMSettings()``).
        max_context_trials: How many recent (and running) trials the LLM is shown.
        max_llm_calls: A budget of LLM calls; once spent, the sampler goes on with the
            optimizer only and says so once.
        max_cost_usd: A budget in US dollars (as LiteLLM prices the calls); likewise.
        on_error: ``"fallback"`` (record the failure and let the optimizer propose the trial)
            or ``"raise"`` (raise :class:`~llm_guided_optuna.LLMProposalError`).
        cache_dir: Record every LLM exchange there, and replay recorded ones instead of
            calling the LLM: a study rerun with the same ``cache_dir`` and ``seed`` gets the
            same parameters without contacting any LLM (see :mod:`llm_guided_optuna._llm.replay`).
        related_studies: What worked before: earlier studies in the same storage that the LLM
            is shown (name, direction, problem, search space, best configurations) in every
            prompt, to judge which resemble this one and adapt their best values: a list of
            study names, or ``"auto"`` (every other study of the storage, newest first, at
            most 5). ``None`` (the default): nothing of another study is read or sent. With a
            hosted model, their descriptions and best configurations leave your machine
            (:mod:`llm_guided_optuna._prompt.related`).
        **flat_arguments: The names of 0.1.0, kept for one release with a ``FutureWarning``
            that names the new spelling: the fields of :class:`~llm_guided_optuna.LLMSettings`
            (``api_base``, ``api_key``, ``temperature``, ``timeout``, ``max_retries``,
            ``retry_backoff``, ``structured_output``, ``completion_kwargs``), the strategy's
            options (``warm_start_trials``, ``warm_start_prompt``, ``proposals_per_call``,
            ``max_proposal_age``, ``llm_share``, ``prior``, ``prior_strength``,
            ``max_llm_trials``) and ``fallback_sampler`` (``optimizer``); see
            :mod:`llm_guided_optuna._sampler.flat_arguments`.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        seed: int | None = None,
        strategy: str | Strategy = DEFAULT_STRATEGY,
        optimizer: BaseSampler | None = None,
        llm: LLMSettings | None = None,
        max_context_trials: int = 10,
        max_llm_calls: int | None = None,
        max_cost_usd: float | None = None,
        on_error: str = "fallback",
        cache_dir: str | os.PathLike[str] | None = None,
        related_studies: str | Sequence[str] | None = None,
        **flat_arguments: Any,
    ) -> None:
        check_model(model)
        check_range("seed", seed, 0, integer=True, optional=True)
        check_range("max_context_trials", max_context_trials, 0, integer=True)
        check_range("max_llm_calls", max_llm_calls, 0, integer=True, optional=True)
        check_range("max_cost_usd", max_cost_usd, 0.0, optional=True)
        check_cache_dir(cache_dir)
        check_related_studies(related_studies)
        strategy, settings, optimizer = resolve_flat_arguments(
            flat_arguments, strategy, llm, optimizer
        )
        check_sampler("optimizer", optimizer)
        # A local model is resolved (and its file checked) now rather than at the first trial.
        if settings.api_base is not None and model is not None and is_local_model_string(model):
            raise ValueError(
                f"model={model!r} runs in this process; api_base is for a model served elsewhere"
            )
        self._local_model = resolve_local_model(model) if settings.api_base is None else None
        plan = strategy.plan(
            seed=seed, optimizer=optimizer, in_process=self._local_model is not None
        )
        self._strategy = strategy
        self._schedule = plan.schedule
        self._warm_start = (
            WarmStartClaim(plan.schedule.warm_start_trials) if plan.schedule is not None else None
        )
        self._replay = ExchangeCache(cache_dir) if cache_dir is not None else None
        self.model = model
        self._optimizer = plan.optimizer
        self._llm_settings = settings
        self._search_space = UnionSearchSpace()
        self._stats = SamplerStatistics()
        self._provenance = ProvenanceRecorder(self._stats)
        self._claims = ConfigurationClaims(self._stats)
        self._failures = FailurePolicy(self._stats, on_error, max_llm_calls, max_cost_usd)
        llm_caller = LLMCaller(
            self.model_name,
            self._local_model,
            self._llm_settings,
            seed=seed,
            stats=self._stats,
            replay=self._replay,
        )
        self._proposer = LLMProposer(
            llm_caller,
            self._stats,
            self._provenance,
            self._claims,
            ContextBuilder(
                max_context_trials=max_context_trials,
                related=(RelatedStudies(related_studies) if related_studies is not None else None),
            ),
            ParameterValidator(),
            ProposalPool(plan.max_proposal_age),
            proposals_per_call=plan.proposals_per_call,
            seed=seed,
            warm_start_prompt=plan.warm_start_prompt,
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(model={self.model_name!r}, strategy={self.strategy!r}, "
            f"optimizer={sampler_name(self._optimizer)})"
        )

    def __getstate__(self) -> dict[str, Any]:
        """Pickling (Optuna's way to resume a study) and ``copy.deepcopy`` work; neither carries
        the API key: the copy reads it again from the environment variable that held it, if one
        did (:class:`~llm_guided_optuna._llm.settings.LLMSettings`)."""
        return {"state": state_bytes(self.__dict__)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state_from_bytes(state["state"]))

    @property
    def strategy(self) -> str:
        """The strategy's name (``"trust"``, ``"prior"``, ``"hybrid"`` or ``"llm"``)."""
        return self._strategy.name

    @property
    def strategy_options(self) -> Strategy:
        """The strategy with every option (:class:`~llm_guided_optuna.Trust`, ...)."""
        return self._strategy

    @property
    def llm(self) -> LLMSettings:
        """How the sampler talks to its LLM (``api_key`` is never shown)."""
        return self._llm_settings

    @property
    def model_name(self) -> str:
        """The model in use: ``embedded/<name>`` for an embedded model (``model=None`` included),
        ``gguf:<file name>`` for a local GGUF file, otherwise ``model`` itself."""
        if self._local_model is not None:
            return self._local_model.display_name
        return self.model if self.model is not None else "openai/default"

    @property
    def seed(self) -> int | None:
        """The seed of the strategy's optimizer, of the LLM where the provider takes one, and of
        the variants of repeated configurations."""
        return self._proposer.seed

    @property
    def proposals_per_call(self) -> int:
        """Configurations asked for in one LLM call: the argument, or the strategy's default."""
        return self._proposer.proposals_per_call

    @property
    def optimizer(self) -> BaseSampler:
        """The strategy's optimizer: it proposes what the LLM does not, and stands in when a
        proposal fails."""
        return self._optimizer

    @property
    def fallback_sampler(self) -> BaseSampler:
        """Deprecated name of :attr:`optimizer`."""
        llm_warn(FALLBACK_SAMPLER_DEPRECATION, FutureWarning)
        return self._optimizer

    # ---------------------------------------------------------------- Optuna's interface

    def reseed_rng(self) -> None:
        self._optimizer.reseed_rng()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return self._search_space.calculate(study)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        fixed = fixed_params(trial, search_space)
        to_propose = {name: d for name, d in search_space.items() if name not in fixed}
        if not to_propose:
            return {}
        params = self._propose(study, trial, search_space, to_propose)
        # Every parameter of the space gets a value here, as Optuna's sampler contract asks of
        # sample_relative (the optimizer's start-up design gives none, the LLM may leave some out).
        for name, distribution in to_propose.items():
            if name not in params:
                self._provenance.record_optimizer_param(trial, name)
                params[name] = self._optimizer.sample_independent(study, trial, name, distribution)
        if not self._provenance.proposed_by_llm(trial):  # The LLM's are claimed already.
            params = claim_optimizer_configuration(
                self._claims, self._provenance, study, trial, search_space, fixed=fixed,
                params=params, seed=self.seed,
            )  # fmt: skip
        return params

    def _propose(
        self,
        study: Study,
        trial: FrozenTrial,
        search_space: dict[str, BaseDistribution],
        to_propose: dict[str, BaseDistribution],
    ) -> dict[str, Any]:
        """The trial's relative parameters from the LLM or the optimizer, some possibly missing."""
        self._failures.check_budgets(sampler_name(self._optimizer))
        if self._failures.disabled_reason is not None:
            self._provenance.start_without_llm(study, trial, self._failures.disabled_reason)
            return self._optimizer_relative(study, trial, search_space)
        advice: dict[str, Any] | None = None
        warm_start = self._warm_start is not None and self._warm_start.covers(study, trial)
        if self._schedule is not None and not warm_start:
            advice = self._optimizer_relative(study, trial, search_space)
            if not self._schedule.ask_llm(study, trial):
                self._provenance.start_without_llm(study, trial, "schedule")
                return advice
        try:
            params = self._proposer.propose(
                study, trial, search_space, to_propose, advice, warm_start
            )
        except (LLMCallError, ProposalParseError, LLMProposalError) as failure:
            self._handle_failure(study, trial, failure)
            return (
                advice
                if advice is not None
                else self._optimizer_relative(study, trial, search_space)
            )
        if params is None:
            self._provenance.start_without_llm(study, trial, "warm_start_answered")
            return self._optimizer_relative(study, trial, search_space)
        return params

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        self._provenance.record_optimizer_param(trial, param_name)
        return self._optimizer.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._optimizer.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._provenance.finish(study, trial)
        self._optimizer.after_trial(study, trial, state, values)

    # ------------------------------------------------------------------------ statistics

    def get_statistics(self) -> dict[str, Any]:
        """Counters of this sampler since its creation.

        Returns:
            ``{"sampler_stats": {...}, "model": ..., "strategy": ..., "optimizer": ...}`` (the
            optimizer as ``str()`` shows it; ``"fallback_sampler"``, its class name, is kept for
            compatibility); ``sampler_stats`` holds ``success_rate``, ``average_llm_time``,
            ``optimizer_trials``, ``fallback_uses``, ``llm_calls``, ``failures`` (by kind),
            ``clamped_values``, ``prompt_tokens``, ``completion_tokens``, ``cost_usd`` and more
            (see :class:`~llm_guided_optuna._stats.SamplerStatistics`).
        """
        return {
            "sampler_stats": self._stats.snapshot(),
            "model": self.model_name,
            "strategy": self.strategy,
            "optimizer": str(self._optimizer),
            "fallback_sampler": sampler_name(self._optimizer),
            "llm_disabled_reason": self._failures.disabled_reason,
        }

    # --------------------------------------------------------------------------- helpers

    def _optimizer_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        optimizer_space = self._optimizer.infer_relative_search_space(study, trial)
        params = self._optimizer.sample_relative(study, trial, optimizer_space)
        return {name: value for name, value in params.items() if name in search_space}

    def _handle_failure(self, study: Study, trial: FrozenTrial, failure: Exception) -> None:
        kind = getattr(failure, "kind", "unexpected_error")
        self._stats.record_failure(kind)
        self._provenance.start_without_llm(
            study, trial, kind, detail=str(failure), failure=failure
        )
        self._failures.report(
            trial.number, failure, self.model_name, sampler_name(self._optimizer)
        )
