"""A trial's configuration from the LLM: :class:`LLMProposer`.

One LLM call asks for several configurations. The proposer first hands out one that an earlier
call left in the pool (:mod:`~llm_guided_optuna._proposal.pool`). Otherwise it asks the LLM:
the warm-start prompt (:mod:`~llm_guided_optuna._prompt.request`) early on, later the prompt
that shows the optimizer's proposal as advice (:mod:`~llm_guided_optuna._prompt.render`). Every
configuration of the answer is validated (:mod:`~llm_guided_optuna._proposal.validator`), moved
to what the user states (:mod:`~llm_guided_optuna._proposal.stated_beliefs`, warm start only)
and spread apart from the trials already tried (:mod:`~llm_guided_optuna._proposal.diversify`).
The first new one goes to the trial, the rest wait in the pool, and every one records where it
came from (:mod:`~llm_guided_optuna._proposal.provenance`).

Example:
    .. code-block:: python

        proposer = LLMProposer(llm, stats, provenance, ConfigurationClaims(stats),
                               ContextBuilder(), ParameterValidator(), ProposalPool(max_age=4),
                               proposals_per_call=4, seed=0)
        params = proposer.propose(study, trial, search_space, to_propose)
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
import random
from typing import Any
from typing import TYPE_CHECKING

from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial

from llm_guided_optuna._llm.caller import LLMCaller
from llm_guided_optuna._llm.client import LLMReply
from llm_guided_optuna._prompt.context import OptimizationContext
from llm_guided_optuna._prompt.context_builder import ContextBuilder
from llm_guided_optuna._prompt.render import advice_instruction
from llm_guided_optuna._prompt.render import render_messages
from llm_guided_optuna._prompt.request import DEFAULT_WARM_START_PROMPT
from llm_guided_optuna._prompt.request import LLMRequest
from llm_guided_optuna._prompt.request import warm_start_request
from llm_guided_optuna._prompt.request import WarmStartPrompt
from llm_guided_optuna._prompt.response import answer_token_budget
from llm_guided_optuna._prompt.response import build_response_model
from llm_guided_optuna._prompt.response import parse_proposals
from llm_guided_optuna._prompt.response import ParsedProposal
from llm_guided_optuna._prompt.response import RELATED_USED_CHARS
from llm_guided_optuna._proposal.claims import configuration_key
from llm_guided_optuna._proposal.claims import ConfigurationClaims
from llm_guided_optuna._proposal.claims import ConfigurationKey
from llm_guided_optuna._proposal.claims import known_configurations
from llm_guided_optuna._proposal.consensus import consensus_configuration
from llm_guided_optuna._proposal.diversify import spread_batch
from llm_guided_optuna._proposal.pool import PendingProposal
from llm_guided_optuna._proposal.pool import ProposalPool
from llm_guided_optuna._proposal.provenance import call_record
from llm_guided_optuna._proposal.provenance import ProvenanceRecorder
from llm_guided_optuna._proposal.stated_beliefs import constrain_to_statements
from llm_guided_optuna._proposal.stated_beliefs import read_stated_beliefs
from llm_guided_optuna._proposal.stated_beliefs import StatedBelief
from llm_guided_optuna._proposal.validator import ParameterValidator
from llm_guided_optuna._proposal.validator import ValidationResult
from llm_guided_optuna._stats import SamplerStatistics
from llm_guided_optuna._trials import count_finished_trials
from llm_guided_optuna._trials import fixed_params
from llm_guided_optuna.exceptions import LLMProposalError
from llm_guided_optuna.exceptions import ProposalParseError


if TYPE_CHECKING:
    from optuna.study import Study


class LLMProposer:
    """Gets a trial's configuration from the LLM, one call serving several trials.

    Args:
        llm: The call, with its replay cache and statistics.
        stats: The sampler's counters.
        provenance: Records each trial's origin.
        claims: The sampler's claims: no two trials take the same configuration.
        context_builder: What the LLM is shown of the study.
        validator: Makes the LLM's values valid for their distributions.
        pool: The configurations of earlier calls not used yet.
        proposals_per_call: Configurations asked for in one call.
        seed: Seeds the spreading of repeated configurations (with the trial number).
        warm_start_prompt: The design of the warm-start prompt.
    """

    def __init__(
        self,
        llm: LLMCaller,
        stats: SamplerStatistics,
        provenance: ProvenanceRecorder,
        claims: ConfigurationClaims,
        context_builder: ContextBuilder,
        validator: ParameterValidator,
        pool: ProposalPool,
        *,
        proposals_per_call: int,
        seed: int | None,
        warm_start_prompt: WarmStartPrompt = DEFAULT_WARM_START_PROMPT,
    ) -> None:
        self._llm = llm
        self._stats = stats
        self._provenance = provenance
        self._claims = claims
        self._context_builder = context_builder
        self._validator = validator
        self._pool = pool
        self.proposals_per_call = proposals_per_call
        self.seed = seed
        self.warm_start_prompt = warm_start_prompt
        # A warm-start call answers for as many trials as it asked configurations for; those
        # of them it leaves without a usable configuration go to the optimizer's initial
        # design, not to another call. The last trial number a warm-start call answered for:
        self._warm_start_answered_until = -1

    def propose(
        self,
        study: Study,
        trial: FrozenTrial,
        search_space: dict[str, BaseDistribution],
        to_propose: dict[str, BaseDistribution],
        advice: dict[str, Any] | None = None,
        warm_start: bool = False,
    ) -> dict[str, Any] | None:
        """The LLM's configuration for ``trial``: a pending one, or one from a new call.

        Three steps: ask (from the pool, or call the LLM and parse its answer), make the
        candidates of the answer (:func:`make_candidates`: valid, moved to what the user
        states, spread apart; no I/O), and choose the first one no other trial has (the claim).

        Returns ``None`` for a warm-start trial that an earlier warm-start call answered for
        when nothing of that answer is left.

        Raises:
            LLMCallError: The call failed.
            ProposalParseError: The answer could not be read.
            LLMProposalError: The answer held no usable new configuration.
        """
        claims = _TrialClaims(self._claims, study, trial, search_space)
        space_key = tuple(to_propose)
        n_finished = count_finished_trials(study)
        pending = self._pool.take(space_key, n_finished, claims.claim)
        if pending is None and warm_start and trial.number <= self._warm_start_answered_until:
            return None
        self._stats.increment("proposals_requested")
        if pending is not None:
            self._stats.increment("batched_proposals_used")
            return self._use(study, trial, pending)
        reply, proposals, context = self._ask(
            study, trial, search_space, to_propose, advice, warm_start
        )
        claims.refresh()  # Read afresh after the call: other trials may have started meanwhile.
        made = make_candidates(
            proposals,
            to_propose,
            self._validator,
            consensus_of_guesses=warm_start and self.warm_start_prompt.guesses > 1,
            stated=(
                read_stated_beliefs(context.problem.domain_knowledge, to_propose)
                if warm_start
                else None
            ),
            key_of=claims.key_of,
            taken=claims.known,
            rng=random.Random(f"{self.seed}:{trial.number}"),
            vary_repeats=not warm_start,
        )
        shown = [related.name for related in context.related]
        chosen = self._choose(made, reply, claims, space_key, n_finished, shown)
        return self._use(study, trial, chosen)

    def _ask(
        self,
        study: Study,
        trial: FrozenTrial,
        search_space: dict[str, BaseDistribution],
        to_propose: dict[str, BaseDistribution],
        advice: dict[str, Any] | None,
        warm_start: bool,
    ) -> tuple[LLMReply, list[ParsedProposal], OptimizationContext]:
        """Call the LLM and parse its answer; also what it was shown of the study."""
        context = self._context_builder.build(study, search_space, trial)
        request = self._request(context, to_propose, advice, warm_start)
        reply = self._llm.call(
            request.messages,
            request.response_model,
            request.max_tokens,
            trial.number,
            self.proposals_per_call,
        )
        try:
            proposals = parse_proposals(reply.content, request.response_model)
        except ProposalParseError as failure:  # Raised again with the call's usage, for storage.
            raise ProposalParseError(failure.kind, str(failure), reply=reply) from failure
        if warm_start:
            answered_until = trial.number + self.proposals_per_call - 1
            self._warm_start_answered_until = max(self._warm_start_answered_until, answered_until)
        return reply, proposals, context

    def _choose(
        self,
        made: Candidates,
        reply: LLMReply,
        claims: _TrialClaims,
        space_key: tuple[str, ...],
        n_finished: int,
        related_shown: list[str],
    ) -> PendingProposal:
        """The first candidate no other trial has (claimed for this trial); the later usable
        ones wait in the pool.

        Raises:
            LLMProposalError: No candidate was usable and new.
        """
        chosen: PendingProposal | None = None
        leftovers: list[PendingProposal] = []
        problem: tuple[str, str] | None = None
        for index, candidate in enumerate(made.candidates):
            if not candidate.proposal.matches_schema:
                self._stats.increment("schema_mismatches")
            if not candidate.params:
                problem = problem or (
                    "invalid_values",
                    f"no value could be used: {candidate.validation.rejected}",
                )
                continue
            origin = call_record(
                reply, candidate.proposal, candidate.validation, index, len(made.candidates)
            )
            if made.guesses:
                origin["guesses"] = made.guesses
            if related_shown:
                origin["related_studies"] = related_shown
                if candidate.proposal.related_used:
                    origin["related_used"] = candidate.proposal.related_used
            if candidate.moved:
                origin["moved_to_stated"] = candidate.moved
            if candidate.perturbed:
                origin["perturbed"] = True
                self._stats.increment("duplicates_perturbed")
            pending = PendingProposal(
                params=candidate.params,
                rationale=candidate.proposal.rationale,
                space_key=space_key,
                finished_at=n_finished,
                origin=origin,
            )
            if chosen is not None:
                leftovers.append(pending)
            elif claims.claim(candidate.params):
                chosen = pending
                self._stats.record_repairs(candidate.validation)
            else:
                problem = problem or ("duplicate", "the LLM proposed configurations already tried")
        if chosen is None:
            kind, message = problem or ("invalid_values", "no usable configuration")
            raise LLMProposalError(kind, message, reply=reply)
        self._pool.put(leftovers)
        return chosen

    def _request(
        self,
        context: OptimizationContext,
        to_propose: dict[str, BaseDistribution],
        advice: dict[str, Any] | None,
        warm_start: bool,
    ) -> LLMRequest:
        if warm_start:
            return warm_start_request(
                context, to_propose, self.proposals_per_call, self.warm_start_prompt
            )
        return advice_request(context, to_propose, advice, self.proposals_per_call)

    def _use(self, study: Study, trial: FrozenTrial, proposal: PendingProposal) -> dict[str, Any]:
        self._stats.record_success(used_params=len(proposal.params))
        self._provenance.start_llm(
            study, trial, proposal.params, proposal.rationale, proposal.origin
        )
        return dict(proposal.params)


def advice_request(
    context: OptimizationContext,
    to_propose: dict[str, BaseDistribution],
    advice: dict[str, Any] | None,
    n_configurations: int,
) -> LLMRequest:
    """The request after the warm start: the regular prompt, with the optimizer's proposal
    (``advice``) shown where the strategy has one."""
    related_used_chars = RELATED_USED_CHARS if context.related else 0
    return LLMRequest(
        messages=render_messages(
            context, advice_instruction(advice, to_propose), n_configurations=n_configurations
        ),
        response_model=build_response_model(
            to_propose, n_configurations, related_used_chars=related_used_chars
        ),
        max_tokens=answer_token_budget(
            len(to_propose), n_configurations, related_used_chars=related_used_chars
        ),
    )


@dataclass(frozen=True)
class Candidate:
    """One configuration of an answer, ready to be claimed.

    Attributes:
        proposal: The configuration as parsed (its rationale, whether it matched the schema).
        validation: What the validator made of it.
        params: The configuration to try: valid, moved to the user's statements, spread apart
            from the trials already tried; empty when nothing of it could be used.
        moved: The values moved to what the user states (``{name: {"from", "to"}}``).
        perturbed: Whether it repeated a configuration and a nearby variant replaced it.
    """

    proposal: ParsedProposal
    validation: ValidationResult
    params: dict[str, Any]
    moved: dict[str, dict[str, Any]]
    perturbed: bool


@dataclass(frozen=True)
class Candidates:
    """The candidates of one answer, and the guesses whose consensus made the one candidate
    (self-consistency), if it was asked for."""

    candidates: list[Candidate]
    guesses: list[dict[str, Any]] | None = None


def make_candidates(
    proposals: list[ParsedProposal],
    to_propose: dict[str, BaseDistribution],
    validator: ParameterValidator,
    *,
    consensus_of_guesses: bool,
    stated: Mapping[str, StatedBelief] | None,
    key_of: Callable[[Mapping[str, Any]], ConfigurationKey],
    taken: set[ConfigurationKey],
    rng: random.Random,
    vary_repeats: bool,
) -> Candidates:
    """The candidates of an answer, in its order: each configuration validated, the guesses
    replaced by their consensus (``consensus_of_guesses``), moved to the ``stated`` beliefs,
    and spread apart from ``taken`` and from each other (:func:`spread_batch`). A pure
    function of its arguments (``rng`` included): it reads no study and calls no model.
    """
    validations = [validator.validate(p.parameters, to_propose) for p in proposals]
    guesses: list[dict[str, Any]] | None = None
    if consensus_of_guesses:
        guesses = [v.params for v in validations if v.params]
        if guesses:  # Self-consistency: the guesses' consensus is the one proposal.
            consensus = consensus_configuration(guesses, to_propose)
            proposals = [
                ParsedProposal(
                    consensus,
                    proposals[0].rationale,
                    all(p.matches_schema for p in proposals),
                    proposals[0].related_used,
                )
            ]
            validations = [validator.validate(consensus, to_propose)]
    constrained: list[tuple[dict[str, Any], dict[str, dict[str, Any]]]] = [
        (v.params, {}) if stated is None else constrain_to_statements(v.params, stated)
        for v in validations
    ]
    spread = spread_batch(
        [params for params, _ in constrained],
        to_propose,
        key_of=key_of,
        taken=taken,
        rng=rng,
        vary_repeats=vary_repeats,
    )
    return Candidates(
        [
            Candidate(proposal, validation, params, moved, perturbed)
            for proposal, validation, (params, perturbed), (_, moved) in zip(
                proposals, validations, spread, constrained
            )
        ],
        guesses,
    )


class _TrialClaims:
    """The configurations a trial may not take, and its claims: the study's configurations are
    read once (and once more after a call, :meth:`refresh`), not once per candidate."""

    def __init__(
        self,
        claims: ConfigurationClaims,
        study: Study,
        trial: FrozenTrial,
        search_space: dict[str, BaseDistribution],
    ) -> None:
        self._claims = claims
        self._study = study
        self._trial = trial
        self._search_space = search_space
        self._fixed = fixed_params(trial, search_space)
        self._known: set[ConfigurationKey] | None = None

    @property
    def known(self) -> set[ConfigurationKey]:
        """The configurations of the study's trials (running ones by their proposal or claim)."""
        if self._known is None:
            self._known = known_configurations(self._study, self._search_space)
        return self._known

    def refresh(self) -> None:
        """Read the study's configurations again at the next use."""
        self._known = None

    def key_of(self, params: Mapping[str, Any]) -> ConfigurationKey:
        """The identity of ``params`` with the trial's fixed parameters."""
        return configuration_key({**self._fixed, **params}, self._search_space)

    def claim(self, params: Mapping[str, Any]) -> bool:
        """Reserve ``params`` for the trial; False if a trial has it or is about to."""
        return self._claims.claim(
            self.key_of(params), self.known, study=self._study, trial=self._trial
        )
