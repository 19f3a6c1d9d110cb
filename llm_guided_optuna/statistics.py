"""Counters of what the sampler did: LLM calls, failures by kind, fallbacks, tokens, cost.

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
import threading
from typing import Any


class SamplerStatistics:
    """Thread-safe counters of one sampler.

    Definitions:
        - ``proposals_requested``: trials for which the LLM was asked for a configuration.
        - ``llm_successes``: of those, the ones where at least one proposed value was used.
        - ``success_rate``: ``llm_successes / proposals_requested`` (0 before any request).
        - ``llm_calls``: completion requests sent, retries included.
        - ``llm_seconds`` and ``average_llm_time``: time spent waiting for the LLM, in total
          and per proposal requested.
        - ``fallback_uses``: trials in which the fallback sampler chose at least one parameter;
          ``fallback_params``: parameters it chose.
        - ``failures``: failed proposals counted by kind (``timeout``, ``invalid_json``, ...).
        - ``clamped_values``: proposed values moved inside their bounds;
          ``adjusted_values``: values changed in any way (converted, clamped, snapped, matched).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._failures: Counter[str] = Counter()
        self._fallback_reasons: Counter[str] = Counter()
        self._llm_seconds = 0.0
        self._cost_usd = 0.0
        self._fallback_trials: set[int] = set()

    def record_request(
        self, *, calls: int, seconds: float, prompt_tokens: int, completion_tokens: int, cost_usd: float
    ) -> None:
        """Count one proposal requested from the LLM, successful or not."""
        with self._lock:
            self._counts["proposals_requested"] += 1
            self._counts["llm_calls"] += calls
            self._counts["prompt_tokens"] += prompt_tokens
            self._counts["completion_tokens"] += completion_tokens
            self._llm_seconds += seconds
            self._cost_usd += cost_usd

    def record_success(self, *, used_params: int, clamped: int, adjusted: int) -> None:
        """Count a proposal of which ``used_params`` values were used."""
        with self._lock:
            self._counts["llm_successes"] += 1
            self._counts["llm_params"] += used_params
            self._counts["clamped_values"] += clamped
            self._counts["adjusted_values"] += adjusted

    def record_failure(self, kind: str) -> None:
        """Count a failed proposal by kind."""
        with self._lock:
            self._failures[kind] += 1

    def record_fallback(self, trial_number: int, reason: str) -> None:
        """Count one parameter chosen by the fallback sampler."""
        with self._lock:
            self._counts["fallback_params"] += 1
            self._fallback_reasons[reason] += 1
            self._fallback_trials.add(trial_number)

    def increment(self, name: str, amount: int = 1) -> None:
        """Add to a named counter (strategies keep their own counts here)."""
        with self._lock:
            self._counts[name] += amount

    def snapshot(self) -> dict[str, Any]:
        """A consistent copy of every counter, with the derived rates."""
        with self._lock:
            requested = self._counts["proposals_requested"]
            return {
                "success_rate": self._counts["llm_successes"] / requested if requested else 0.0,
                "average_llm_time": self._llm_seconds / requested if requested else 0.0,
                "fallback_uses": len(self._fallback_trials),
                "fallback_params": self._counts["fallback_params"],
                "fallback_reasons": dict(self._fallback_reasons),
                "proposals_requested": requested,
                "llm_successes": self._counts["llm_successes"],
                "llm_calls": self._counts["llm_calls"],
                "llm_seconds": self._llm_seconds,
                "llm_params": self._counts["llm_params"],
                "failures": dict(self._failures),
                "clamped_values": self._counts["clamped_values"],
                "adjusted_values": self._counts["adjusted_values"],
                "prompt_tokens": self._counts["prompt_tokens"],
                "completion_tokens": self._counts["completion_tokens"],
                "cost_usd": self._cost_usd,
                **{
                    name: value
                    for name, value in self._counts.items()
                    if name
                    not in {
                        "proposals_requested",
                        "llm_successes",
                        "llm_calls",
                        "llm_params",
                        "clamped_values",
                        "adjusted_values",
                        "prompt_tokens",
                        "completion_tokens",
                        "fallback_params",
                    }
                },
            }
