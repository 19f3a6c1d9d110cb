"""What each trial records about where its parameters came from.

Every trial of an :class:`~llm_guided_optuna.LLMGuidedSampler` study carries these user
attributes (visible in optuna-dashboard and in ``trial.user_attrs``):

- ``llm_source``: ``"llm"`` (every parameter from the LLM), ``"llm+fallback"`` (some from the
  fallback sampler) or ``"fallback"``;
- ``llm_fallback_reason``: why the fallback sampler was used (``"new_parameters"`` on the first
  trial, ``"timeout"``, ``"invalid_json"``, ``"duplicate"``, ...);
- ``llm_fallback_params``: the parameters the fallback sampler chose;
- ``llm_proposal``: the validated configuration the LLM proposed;
- ``llm_rationale``: the LLM's one-line reason, when it gave one;
- ``llm_call``: model, latency, attempts, tokens, cost and the changes the validator made.

:class:`ProvenanceRecorder` writes them and refuses configurations already tried or claimed by
a running trial (:meth:`ProvenanceRecorder.claim`), across threads and worker processes.

Example:
    >>> import optuna
    >>> from llm_guided_optuna.statistics import SamplerStatistics
    >>> study = optuna.create_study()
    >>> recorder = ProvenanceRecorder(SamplerStatistics())
    >>> recorder.claim(("x=1",)), recorder.claim(("x=1",))
    (True, False)
"""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Mapping
import threading
from typing import Any
from typing import TYPE_CHECKING

from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from llm_guided_optuna.context import PROPOSAL_ATTR
from llm_guided_optuna.llm_client import LLMReply
from llm_guided_optuna.parameter_validator import ValidationResult
from llm_guided_optuna.response_model import ParsedProposal
from llm_guided_optuna.statistics import SamplerStatistics


if TYPE_CHECKING:
    from optuna.study import Study


SOURCE_ATTR = "llm_source"
FALLBACK_REASON_ATTR = "llm_fallback_reason"
FALLBACK_PARAMS_ATTR = "llm_fallback_params"
RATIONALE_ATTR = "llm_rationale"
CALL_ATTR = "llm_call"
MAX_DETAIL_CHARS = 300

ConfigurationKey = tuple[str, ...]


def configuration_key(
    params: Mapping[str, Any], search_space: Mapping[str, BaseDistribution]
) -> ConfigurationKey:
    """A hashable identity of a configuration over the parameters of ``search_space``."""
    return tuple(f"{name}={params.get(name, '<unset>')!r}" for name in sorted(search_space))


def known_configurations(
    study: Study, search_space: Mapping[str, BaseDistribution]
) -> set[ConfigurationKey]:
    """Configurations of every trial of the study, running ones by their LLM proposal."""
    keys: set[ConfigurationKey] = set()
    for trial in study._get_trials(deepcopy=False, use_cache=True):
        params: Mapping[str, Any] = trial.params
        if trial.state == TrialState.RUNNING:
            proposal = trial.user_attrs.get(PROPOSAL_ATTR)
            if isinstance(proposal, Mapping):
                params = {**proposal, **trial.params}
        if params:
            keys.add(configuration_key(params, search_space))
    return keys


class ProvenanceRecorder:
    """Records each trial's provenance and counts fallbacks, thread-safely."""

    def __init__(self, stats: SamplerStatistics) -> None:
        self._stats = stats
        self._lock = threading.Lock()
        self._claimed: set[ConfigurationKey] = set()
        self._sources: dict[int, tuple[str, str | None]] = {}
        self._fallback_params: dict[int, list[str]] = {}

    def claim(
        self,
        key: ConfigurationKey,
        known: Collection[ConfigurationKey] = (),
        *,
        study: Study | None = None,
        trial: FrozenTrial | None = None,
    ) -> bool:
        """Reserve a configuration; False if a trial already has it or is about to.

        ``known`` holds the configurations in storage (:func:`known_configurations`), which
        covers trials of other processes; this object's own reservations cover threads.
        ``study`` and ``trial`` identify the trial that claims (for claims across processes).
        """
        with self._lock:
            if key in self._claimed:
                return False
            self._claimed.add(key)
        return key not in known

    def start_llm(
        self,
        study: Study,
        trial: FrozenTrial,
        params: dict[str, Any],
        rationale: str | None,
        call: dict[str, Any],
    ) -> None:
        """Record a trial whose relative parameters the LLM proposed."""
        with self._lock:
            self._sources[trial._trial_id] = ("llm", None)
        storage = study._storage
        storage.set_trial_user_attr(trial._trial_id, PROPOSAL_ATTR, params)
        storage.set_trial_user_attr(trial._trial_id, SOURCE_ATTR, "llm")
        if rationale:
            storage.set_trial_user_attr(trial._trial_id, RATIONALE_ATTR, rationale)
        storage.set_trial_user_attr(trial._trial_id, CALL_ATTR, call)

    def start_fallback(
        self, study: Study, trial: FrozenTrial, reason: str, detail: str | None = None
    ) -> None:
        """Record a trial that the fallback sampler samples, and why."""
        with self._lock:
            self._sources[trial._trial_id] = ("fallback", reason)
        self._stats.record_fallback_trial(trial.number, reason)
        storage = study._storage
        storage.set_trial_user_attr(trial._trial_id, SOURCE_ATTR, "fallback")
        storage.set_trial_user_attr(trial._trial_id, FALLBACK_REASON_ATTR, reason)
        if detail:
            storage.set_trial_user_attr(
                trial._trial_id, CALL_ATTR, {"error": detail[:MAX_DETAIL_CHARS]}
            )

    def record_fallback_param(self, trial: FrozenTrial, name: str) -> None:
        """Count one parameter that the fallback sampler chooses for ``trial``."""
        with self._lock:
            self._fallback_params.setdefault(trial._trial_id, []).append(name)
        self._stats.record_fallback_param(trial.number)

    def finish(self, study: Study, trial: FrozenTrial) -> None:
        """Write what only the end of the trial tells: which parameters were not the LLM's."""
        with self._lock:
            source, _ = self._sources.pop(trial._trial_id, (None, None))
            fallback_params = self._fallback_params.pop(trial._trial_id, [])
        if not fallback_params:
            return
        storage = study._storage
        storage.set_trial_user_attr(trial._trial_id, FALLBACK_PARAMS_ATTR, fallback_params)
        if source is None:
            self._stats.record_fallback_trial(trial.number, "new_parameters")
            storage.set_trial_user_attr(trial._trial_id, SOURCE_ATTR, "fallback")
            storage.set_trial_user_attr(trial._trial_id, FALLBACK_REASON_ATTR, "new_parameters")
        elif source == "llm":
            self._stats.record_fallback_trial(trial.number, "not_proposed")
            storage.set_trial_user_attr(trial._trial_id, SOURCE_ATTR, "llm+fallback")


def call_record(
    reply: LLMReply,
    proposal: ParsedProposal,
    validation: ValidationResult,
    index: int,
    batch_size: int,
) -> dict[str, Any]:
    """What a trial records about the LLM call that proposed its parameters."""
    return {
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
    }
