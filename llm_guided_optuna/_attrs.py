"""The trial attributes the sampler writes: the storage schema, read by every part of it.

Every trial of an :class:`~llm_guided_optuna.LLMGuidedSampler` study carries these user
attributes (visible in optuna-dashboard and in ``trial.user_attrs``):

- ``llm_source``: who proposed the trial's parameters (:data:`SOURCES`):

  - ``"llm"``: the LLM, every parameter;
  - ``"optimizer"``: the strategy's optimizer, by design (the first trial, trials after the
    warm start, a spent budget);
  - ``"fallback"``: the optimizer, standing in for an LLM proposal that failed (a timeout,
    invalid JSON, a repeated configuration, ...);
  - ``"llm+optimizer"``: the LLM, and the optimizer for parameters the LLM was not asked about
    (new in this trial);
  - ``"llm+fallback"``: the LLM, and the optimizer for values the LLM was asked for but did not
    give (``llm_reason`` ``missing_values``) or gave unusable (NaN, a choice not in the list:
    ``invalid_values``), counted among the ``fallback_uses``;
- ``llm_reason``: why the LLM did not propose (every parameter of) the trial, one of
  :data:`OPTIMIZER_REASONS` or a failure kind (listed in the README);
- ``llm_optimizer_params``: the parameters the optimizer chose through ``sample_independent``
  (new ones, or values the LLM did not give);
- ``llm_proposal``: the validated configuration the LLM proposed;
- ``llm_rationale``: the LLM's one-line reason, when it gave one;
- ``llm_call``: model, latency, attempts, tokens, cost, the changes the validator made, and a
  ``call_id`` shared by every trial served by the same LLM call; with related studies, the
  ones shown (``related_studies``) and the LLM's account of those it used and how
  (``related_used``);
- ``llm_warm_start``: ``True`` on the one trial of the study that made the warm-start call
  (``prior`` and ``hybrid``; :class:`~llm_guided_optuna._proposal.claims.WarmStartClaim`);
- ``llm_repeat_varied``: ``True`` where the optimizer proposed a configuration that a trial
  already had (or that another worker claimed at the same moment) and a nearby variant ran
  instead.

Other attributes coordinate the sampler's threads and worker processes: ``llm_claim`` and
``llm_warm_start_claim`` (system attributes of the claim protocol,
:mod:`~llm_guided_optuna._proposal.claims`) and ``llm_prior_draw`` (a start-up trial drawn from
the prior, :mod:`~llm_guided_optuna._prior.sampler`).

Example:
    >>> import optuna
    >>> trial = optuna.trial.create_trial(
    ...     value=1.0, user_attrs={SOURCE_ATTR: "llm", PROPOSAL_ATTR: {"x": 0.5}}
    ... )
    >>> source_is_llm(trial), llm_proposal(trial), source_of("timeout")
    (True, {'x': 0.5}, 'fallback')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from optuna.trial import FrozenTrial


#: User attribute under which the sampler stores the configuration it proposed to a trial,
#: so that other threads and workers see proposals of trials that are still running.
PROPOSAL_ATTR = "llm_proposal"
SOURCE_ATTR = "llm_source"
REASON_ATTR = "llm_reason"
OPTIMIZER_PARAMS_ATTR = "llm_optimizer_params"
#: Every value of ``llm_source``.
SOURCES = ("llm", "optimizer", "fallback", "llm+optimizer", "llm+fallback")
#: The sources of trials whose configuration the LLM proposed.
LLM_SOURCES = ("llm", "llm+optimizer", "llm+fallback")
#: Reasons for which the optimizer proposes by design; any other reason is a failure.
OPTIMIZER_REASONS = (
    "new_parameters",
    "schedule",
    "warm_start_answered",
    "not_proposed",
    "budget_llm_calls",
    "budget_cost",
)
RATIONALE_ATTR = "llm_rationale"
#: ``True`` on a trial whose optimizer configuration repeated one already tried or claimed by
#: another worker, and was replaced by a nearby variant.
REPEAT_VARIED_ATTR = "llm_repeat_varied"
CALL_ATTR = "llm_call"
#: Trial system attribute of a configuration's claim (:mod:`~llm_guided_optuna._proposal.claims`).
CLAIM_ATTR = "llm_claim"
#: Trial system attribute of the warm-start claim: the same protocol, for the one key
#: of the warm start (one warm-start call per study,
#: :class:`~llm_guided_optuna._proposal.claims.WarmStartClaim`).
WARM_START_CLAIM_ATTR = "llm_warm_start_claim"
#: Trial user attribute of the trial that carries the study's warm-start call (``True``).
WARM_START_ATTR = "llm_warm_start"
#: ``"trust"``: the LLM's trust when the schedule decided whether to ask it for the trial
#: (:mod:`~llm_guided_optuna._sampler.trust`); why the LLM was or was not asked again.
TRUST_ATTR = "llm_trust"
#: ``"prior"``, ``"trust"``: the prior's exponent ``reliability · β / n`` when the GP proposed the
#: trial (0: the prior did not steer it), and the reliability it was scaled by.
PRIOR_WEIGHT_ATTR = "llm_prior_weight"
PRIOR_RELIABILITY_ATTR = "llm_prior_reliability"
#: Trial system attribute marking a start-up trial drawn from the prior.
PRIOR_DRAW_ATTR = "llm_prior_draw"


def source_of(reason: str) -> str:
    """``"optimizer"`` for a reason of :data:`OPTIMIZER_REASONS`, ``"fallback"`` for a failure."""
    return "optimizer" if reason in OPTIMIZER_REASONS else "fallback"


def llm_proposal(trial: FrozenTrial) -> Mapping[str, Any] | None:
    """The configuration the LLM proposed to ``trial`` (``llm_proposal``), if it holds one."""
    proposal = trial.user_attrs.get(PROPOSAL_ATTR)
    return proposal if isinstance(proposal, Mapping) else None


def has_llm_proposal(trial: FrozenTrial) -> bool:
    """Whether ``trial`` stores an LLM proposal (the ``llm_proposal`` attribute is set).

    For the trials the sampler records, this and :func:`source_is_llm` agree once both
    attributes are written: ``ProvenanceRecorder.start_llm``
    (:mod:`~llm_guided_optuna._proposal.provenance`) is the only writer of ``llm_proposal``
    (always a non-empty configuration) and writes ``llm_source="llm"`` with it, and
    ``ProvenanceRecorder.finish`` turns that into ``"llm+optimizer"`` or ``"llm+fallback"``
    only for those trials. They differ for trials made by hand, by other
    code or copied from elsewhere, which may carry one attribute without the other (the
    reliability checks read this one, the hybrid schedule :func:`source_is_llm`).
    """
    return PROPOSAL_ATTR in trial.user_attrs


def source_is_llm(trial: FrozenTrial) -> bool:
    """Whether ``trial``'s ``llm_source`` says the LLM proposed its configuration (one of
    :data:`LLM_SOURCES`, also when the optimizer filled some of its parameters); see
    :func:`has_llm_proposal`."""
    return trial.user_attrs.get(SOURCE_ATTR) in LLM_SOURCES
