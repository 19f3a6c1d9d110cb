"""What each trial records about where its parameters came from.

The attributes themselves, and how to read them, are in :mod:`llm_guided_optuna._attrs`.

:class:`ProvenanceRecorder` writes them, and only that: which configuration a trial may take
is decided by the claims (:mod:`~llm_guided_optuna._proposal.claims`).

Example:
    >>> import optuna
    >>> from llm_guided_optuna._stats import SamplerStatistics
    >>> study = optuna.create_study()
    >>> trial = study.ask()
    >>> recorder = ProvenanceRecorder(SamplerStatistics())
    >>> recorder.start_without_llm(study, study.trials[0], "schedule")
    >>> study.trials[0].user_attrs["llm_source"]
    'optimizer'
"""

from __future__ import annotations

import threading
from typing import Any
from typing import TYPE_CHECKING
import uuid
import weakref

from optuna.trial import FrozenTrial

from llm_guided_optuna._attrs import CALL_ATTR
from llm_guided_optuna._attrs import OPTIMIZER_PARAMS_ATTR
from llm_guided_optuna._attrs import PROPOSAL_ATTR
from llm_guided_optuna._attrs import RATIONALE_ATTR
from llm_guided_optuna._attrs import REASON_ATTR
from llm_guided_optuna._attrs import REPEAT_VARIED_ATTR
from llm_guided_optuna._attrs import SOURCE_ATTR
from llm_guided_optuna._attrs import source_of
from llm_guided_optuna._llm.client import LLMReply
from llm_guided_optuna._optuna_compat import set_trial_user_attr
from llm_guided_optuna._optuna_compat import storage_of
from llm_guided_optuna._optuna_compat import trial_id
from llm_guided_optuna._prompt.response import ParsedProposal
from llm_guided_optuna._proposal.validator import ValidationResult
from llm_guided_optuna._stats import SamplerStatistics
from llm_guided_optuna.exceptions import LLMProposalError
from llm_guided_optuna.exceptions import ProposalParseError


if TYPE_CHECKING:
    from optuna.study import Study


MAX_DETAIL_CHARS = 300


class ProvenanceRecorder:
    """Records each trial's provenance and counts the optimizer's and the fallback's trials,
    thread-safely.

    Args:
        stats: The sampler's counters.
    """

    def __init__(self, stats: SamplerStatistics) -> None:
        self._stats = stats
        self._lock = threading.Lock()
        # trial id -> (source, names the LLM left out, names whose values were rejected)
        self._sources: dict[int, tuple[str, frozenset[str], frozenset[str]]] = {}
        self._optimizer_params: dict[int, list[str]] = {}

    def start_llm(
        self,
        study: Study,
        trial: FrozenTrial,
        params: dict[str, Any],
        rationale: str | None,
        call: dict[str, Any],
    ) -> None:
        """Record a trial whose relative parameters the LLM proposed."""
        missing = frozenset(str(name) for name in call.get("missing") or [])
        rejected = frozenset(str(name) for name in call.get("rejected") or {})
        with self._lock:
            self._sources[trial_id(trial)] = ("llm", missing, rejected)
        storage = storage_of(study)
        storage.set_trial_user_attr(trial_id(trial), PROPOSAL_ATTR, params)
        storage.set_trial_user_attr(trial_id(trial), SOURCE_ATTR, "llm")
        if rationale:
            storage.set_trial_user_attr(trial_id(trial), RATIONALE_ATTR, rationale)
        storage.set_trial_user_attr(trial_id(trial), CALL_ATTR, call)

    def start_without_llm(
        self,
        study: Study,
        trial: FrozenTrial,
        reason: str,
        detail: str | None = None,
        *,
        failure: BaseException | None = None,
    ) -> None:
        """Record a trial that the optimizer samples, and why: by design (``"optimizer"``) or in
        place of a failed LLM proposal (``"fallback"``).

        ``detail`` (the failure's message) is recorded as ``llm_call["error"]``; with
        ``failure``, so is what it tells of the call (:func:`failure_usage`).
        """
        source = source_of(reason)
        with self._lock:
            self._sources[trial_id(trial)] = (source, frozenset(), frozenset())
        self._stats.record_trial_reason(trial.number, reason, failed=source == "fallback")
        storage = storage_of(study)
        storage.set_trial_user_attr(trial_id(trial), SOURCE_ATTR, source)
        storage.set_trial_user_attr(trial_id(trial), REASON_ATTR, reason)
        if detail:
            record: dict[str, Any] = {"error": detail[:MAX_DETAIL_CHARS]}
            record.update(failure_usage(failure))
            storage.set_trial_user_attr(trial_id(trial), CALL_ATTR, record)

    def proposed_by_llm(self, trial: FrozenTrial) -> bool:
        """Whether the LLM proposed ``trial``'s configuration (recorded by :meth:`start_llm`)."""
        with self._lock:
            source = self._sources.get(trial_id(trial))
        return source is not None and source[0] == "llm"

    def record_repeat_varied(self, study: Study, trial: FrozenTrial) -> None:
        """Record that the optimizer's configuration for ``trial`` was a repeat, replaced by a
        variant."""
        self._stats.increment("repeats_varied")
        set_trial_user_attr(study, trial, REPEAT_VARIED_ATTR, True)

    def record_optimizer_param(self, trial: FrozenTrial, name: str) -> None:
        """Count one parameter that the optimizer chooses for ``trial``
        (``sample_independent``)."""
        with self._lock:
            self._optimizer_params.setdefault(trial_id(trial), []).append(name)
        self._stats.increment("optimizer_params")

    def finish(self, study: Study, trial: FrozenTrial) -> None:
        """Write what only the end of the trial tells: which parameters were not the LLM's."""
        with self._lock:
            source, missing, rejected = self._sources.pop(
                trial_id(trial), (None, frozenset(), frozenset())
            )
            optimizer_params = self._optimizer_params.pop(trial_id(trial), [])
        if not optimizer_params:
            return
        storage = storage_of(study)
        storage.set_trial_user_attr(trial_id(trial), OPTIMIZER_PARAMS_ATTR, optimizer_params)
        if source is None:
            self._stats.record_trial_reason(trial.number, "new_parameters", failed=False)
            storage.set_trial_user_attr(trial_id(trial), SOURCE_ATTR, "optimizer")
            storage.set_trial_user_attr(trial_id(trial), REASON_ATTR, "new_parameters")
        elif source == "llm":
            invalid = bool(rejected.intersection(optimizer_params))
            failed = invalid or bool(missing.intersection(optimizer_params))
            reason = "missing_values" if failed else "not_proposed"
            reason = "invalid_values" if invalid else reason
            self._stats.record_trial_reason(trial.number, reason, failed=failed)
            storage.set_trial_user_attr(
                trial_id(trial), SOURCE_ATTR, "llm+fallback" if failed else "llm+optimizer"
            )
            storage.set_trial_user_attr(trial_id(trial), REASON_ATTR, reason)


def failure_usage(failure: BaseException | None) -> dict[str, Any]:
    """What a failed proposal tells of its call: requests, seconds and, after a reply, tokens.

    An :class:`~llm_guided_optuna._llm.errors.LLMCallError` carries ``attempts`` and
    ``elapsed_s``; a failure raised after a reply arrived carries it as ``reply``.
    """
    usage: dict[str, Any] = {}
    reply = failure.reply if isinstance(failure, (ProposalParseError, LLMProposalError)) else None
    if isinstance(reply, LLMReply):
        usage.update(
            model=reply.model,
            latency_s=round(reply.latency_s, 4),
            attempts=reply.attempts,
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
            cost_usd=reply.cost_usd,
        )
    else:
        attempts, elapsed = getattr(failure, "attempts", None), getattr(failure, "elapsed_s", None)
        if isinstance(attempts, int):
            usage["attempts"] = attempts
        if isinstance(elapsed, (int, float)):
            usage["latency_s"] = round(float(elapsed), 4)
    return usage


def call_record(
    reply: LLMReply,
    proposal: ParsedProposal,
    validation: ValidationResult,
    index: int,
    batch_size: int,
) -> dict[str, Any]:
    """What a trial records about the LLM call that proposed its parameters.

    Every configuration of one call gets the same ``call_id``, so that statistics read from
    storage count the call once however many trials it served
    (:func:`~llm_guided_optuna._sampler.study_statistics.study_statistics`).
    """
    repairs: dict[str, int] = {}
    for adjustment in validation.adjustments:
        repairs[adjustment.action] = repairs.get(adjustment.action, 0) + 1
    return {
        "call_id": _call_id(reply),
        "model": reply.model,
        "latency_s": round(reply.latency_s, 4),
        "attempts": reply.attempts,
        "replayed": reply.attempts == 0,
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "cost_usd": reply.cost_usd,
        "batch_position": f"{index + 1}/{batch_size}",
        "matches_schema": proposal.matches_schema,
        "adjusted": [f"{a.name}: {a.action} {a.proposed}" for a in validation.adjustments],
        "rejected": validation.rejected,
        "missing": validation.missing,
        "ignored": len(validation.ignored),
        "repairs": repairs,
    }


_call_ids: dict[int, tuple[weakref.ref[LLMReply], str]] = {}
_call_ids_lock = threading.Lock()


def _call_id(reply: LLMReply) -> str:
    """A random identifier of one reply object, the same for each of its configurations."""
    with _call_ids_lock:
        entry = _call_ids.get(id(reply))
        if entry is not None and entry[0]() is reply:
            return entry[1]
        if len(_call_ids) >= 256:  # Forget replies that no longer exist.
            for ident in [i for i, (ref, _) in _call_ids.items() if ref() is None]:
                del _call_ids[ident]
        identifier = uuid.uuid4().hex[:16]
        _call_ids[id(reply)] = (weakref.ref(reply), identifier)
        return identifier
