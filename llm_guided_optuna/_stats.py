"""Counters of what the sampler did: LLM calls, failures by kind, the optimizer's trials,
tokens, cost.

:class:`SamplerStatistics` is updated by the sampler from any thread and read through
:meth:`~llm_guided_optuna.LLMGuidedSampler.get_statistics`.

Example:
    >>> stats = SamplerStatistics()
    >>> stats.record_failure("timeout")
    >>> stats.snapshot()["failures"]
    {'timeout': 1}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from collections.abc import Sequence
import threading
from typing import Any
from typing import Protocol


class Adjustment(Protocol):
    """One change the validator made to a value (``action`` says which kind)."""

    @property
    def action(self) -> str: ...


class Repairs(Protocol):
    """What the validator did to a proposal
    (:class:`~llm_guided_optuna._proposal.validator.ValidationResult`)."""

    @property
    def clamped_count(self) -> int: ...

    @property
    def adjustments(self) -> Sequence[Adjustment]: ...

    @property
    def rejected(self) -> Collection[Any]: ...

    @property
    def ignored(self) -> Collection[Any]: ...

    @property
    def missing(self) -> Collection[Any]: ...


#: Counters always present in :meth:`SamplerStatistics.snapshot`, zero or not.
STANDARD_COUNTERS = (
    "proposals_requested",
    "llm_successes",
    "llm_calls",
    "llm_requests",
    "llm_params",
    "optimizer_params",
    "clamped_values",
    "adjusted_values",
    "prompt_tokens",
    "completion_tokens",
    "batched_proposals_used",
    "duplicates_perturbed",
    "repeats_varied",
    "claim_conflicts",
    "schema_mismatches",
    "replay_hits",
    "replay_misses",
)


class SamplerStatistics:
    """Thread-safe counters of one sampler.

    Definitions:
        - ``proposals_requested``: trials for which an LLM configuration was sought.
        - ``llm_successes``: of those, the ones where at least one proposed value was used.
        - ``success_rate``: ``llm_successes / proposals_requested`` (0 before any request).
        - ``llm_calls``: LLM calls made; ``llm_requests``: HTTP requests, retries included.
        - ``replay_hits`` / ``replay_misses``: exchanges answered from / missing in the
          ``cache_dir`` record (see :mod:`llm_guided_optuna._llm.replay`).
        - ``batched_proposals_used``: trials served by a configuration left over from an
          earlier call (no call of their own).
        - ``duplicates_perturbed``: proposed configurations that repeated one already tried
          (or one earlier in the same answer) and were replaced by a nearby variant
          (:mod:`llm_guided_optuna._proposal.diversify`).
        - ``repeats_varied``: configurations of the optimizer that repeated one already tried
          or claimed by another worker's trial, replaced by a nearby variant.
        - ``claim_conflicts``: configurations lost to another trial (thread or worker
          process) that claimed the same one at the same time.
        - ``llm_seconds`` and ``average_llm_time``: time spent waiting for the LLM, in total
          and per call.
        - ``optimizer_trials``: trials the strategy's optimizer proposed by design, every
          parameter or the ones the LLM was not asked about; ``optimizer_reasons``: those
          trials counted by reason (``new_parameters`` for the first trial or parameters seen
          for the first time, ``schedule`` for the optimizer's trials after the warm start
          (``hybrid``, ``prior``), ``warm_start_answered`` for warm-start trials that the
          warm-start answer left without a new configuration, ``not_proposed`` for new
          parameters of an LLM trial, ``budget_llm_calls``/``budget_cost`` once a budget is spent).
        - ``fallback_uses``: trials in which the optimizer stood in for a failed LLM proposal
          (``fallback_reasons``: by failure kind, or ``missing_values`` when the LLM left out
          values it was asked for). A trial is counted under one of the two, never both.
        - ``optimizer_params``: parameters the optimizer chose through ``sample_independent``.
        - ``failures``: failed proposals counted by kind (``timeout``, ``invalid_json``, ...).
        - ``clamped_values``: proposed values moved inside their bounds;
          ``adjusted_values``: values changed in any way (converted, clamped, snapped, matched);
          ``value_repairs``: those changes by kind, with the values ``rejected`` (unusable),
          names ``ignored`` (not in the search space) and parameters ``missing``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._failures: Counter[str] = Counter()
        self._fallback_reasons: Counter[str] = Counter()
        self._optimizer_reasons: Counter[str] = Counter()
        self._repairs: Counter[str] = Counter()
        self._llm_seconds = 0.0
        self._cost_usd = 0.0
        self._fallback_trials: set[int] = set()
        self._optimizer_trials: set[int] = set()

    def record_call(
        self,
        *,
        attempts: int,
        seconds: float,
        prompt_tokens: int,
        completion_tokens: int,
        cost_usd: float,
    ) -> None:
        """Count one LLM call (``attempts`` requests, retries included), successful or not."""
        with self._lock:
            self._counts["llm_calls"] += 1
            self._counts["llm_requests"] += attempts
            self._counts["prompt_tokens"] += prompt_tokens
            self._counts["completion_tokens"] += completion_tokens
            self._llm_seconds += seconds
            self._cost_usd += cost_usd

    def record_success(self, *, used_params: int) -> None:
        """Count a trial that got ``used_params`` values from the LLM."""
        with self._lock:
            self._counts["llm_successes"] += 1
            self._counts["llm_params"] += used_params

    def record_failure(self, kind: str) -> None:
        """Count a failed proposal by kind."""
        with self._lock:
            self._failures[kind] += 1

    def record_trial_reason(self, trial_number: int, reason: str, *, failed: bool) -> None:
        """Count a trial (some or all of) whose parameters the optimizer chose, and why: in place
        of a failed LLM proposal (``failed``), or by the strategy's design."""
        with self._lock:
            if failed:
                self._fallback_reasons[reason] += 1
                self._fallback_trials.add(trial_number)
            else:
                self._optimizer_reasons[reason] += 1
                self._optimizer_trials.add(trial_number)

    def record_repairs(self, validation: Repairs) -> None:
        """Count what the validator did to a proposal that was used."""
        with self._lock:
            self._counts["clamped_values"] += validation.clamped_count
            self._counts["adjusted_values"] += len(validation.adjustments)
            for adjustment in validation.adjustments:
                self._repairs[adjustment.action] += 1
            self._repairs["rejected"] += len(validation.rejected)
            self._repairs["ignored"] += len(validation.ignored)
            self._repairs["missing"] += len(validation.missing)

    def increment(self, name: str, amount: int = 1) -> None:
        """Add to a named counter (strategies keep their own counts here)."""
        with self._lock:
            self._counts[name] += amount

    def snapshot(self) -> dict[str, Any]:
        """A consistent copy of every counter, with the derived rates."""
        with self._lock:
            counts = Counter(self._counts)
            requested = counts["proposals_requested"]
            calls = counts["llm_calls"]
            snapshot: dict[str, Any] = {
                "success_rate": counts["llm_successes"] / requested if requested else 0.0,
                "average_llm_time": self._llm_seconds / calls if calls else 0.0,
                "optimizer_trials": len(self._optimizer_trials),
                "optimizer_reasons": dict(self._optimizer_reasons),
                "fallback_uses": len(self._fallback_trials),
                "fallback_reasons": dict(self._fallback_reasons),
                "failures": dict(self._failures),
                "value_repairs": {k: v for k, v in self._repairs.items() if v},
                "llm_seconds": self._llm_seconds,
                "cost_usd": self._cost_usd,
            }
            for name in STANDARD_COUNTERS:
                snapshot[name] = counts[name]
            for name, value in counts.items():
                snapshot.setdefault(name, value)
            return snapshot
