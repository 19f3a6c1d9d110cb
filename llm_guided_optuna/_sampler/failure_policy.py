"""What the sampler does when the LLM fails, or when its budget is spent.

:class:`FailurePolicy` decides, for each failure: log it (at WARNING the first time of each kind,
then at DEBUG), stop asking the LLM for good (rejected credentials, an unknown model, spent
budgets: said once with an :class:`LLMSamplerWarning`), and raise :class:`LLMProposalError` when
the user chose ``on_error="raise"``. The sampler counts the failure and records it on the trial.

Example:
    >>> from llm_guided_optuna._stats import SamplerStatistics
    >>> policy = FailurePolicy(SamplerStatistics(), max_llm_calls=0)
    >>> import warnings
    >>> with warnings.catch_warnings(record=True):
    ...     policy.check_budgets("TPESampler")
    >>> policy.disabled_reason
    'budget_llm_calls'
"""

from __future__ import annotations

import threading

from llm_guided_optuna._logging import get_logger
from llm_guided_optuna._stats import SamplerStatistics
from llm_guided_optuna._warnings import llm_warn
from llm_guided_optuna.exceptions import LLMProposalError


_logger = get_logger(__name__)

ON_ERROR_POLICIES = ("fallback", "raise")
#: Failures after which asking again cannot help: the LLM is not asked again.
STOPPING_KINDS = ("authentication", "unknown_model")


class FailurePolicy:
    """Failure handling and budgets of one sampler (thread-safe).

    Args:
        stats: The sampler's counters (read for the budgets).
        on_error: ``"fallback"`` or ``"raise"``.
        max_llm_calls: A budget of LLM calls, or ``None``.
        max_cost_usd: A budget in US dollars, or ``None``.
    """

    def __init__(
        self,
        stats: SamplerStatistics,
        on_error: str = "fallback",
        max_llm_calls: int | None = None,
        max_cost_usd: float | None = None,
    ) -> None:
        if on_error not in ON_ERROR_POLICIES:
            raise ValueError(f"on_error must be one of {ON_ERROR_POLICIES}, got {on_error!r}")
        if max_llm_calls is not None and max_llm_calls < 0:
            raise ValueError("max_llm_calls must be >= 0")
        if max_cost_usd is not None and max_cost_usd < 0:
            raise ValueError("max_cost_usd must be >= 0")
        self.on_error = on_error
        self.max_llm_calls = max_llm_calls
        self.max_cost_usd = max_cost_usd
        self._stats = stats
        self._lock = threading.Lock()
        self._disabled_reason: str | None = None
        self._warned_kinds: set[str] = set()

    @property
    def disabled_reason(self) -> str | None:
        """Why the LLM is no longer asked (``None`` while it is)."""
        return self._disabled_reason

    def check_budgets(self, fallback_name: str) -> None:
        """Stop the LLM once a budget is spent."""
        if self._disabled_reason is not None:
            return
        stats = self._stats.snapshot()
        if self.max_llm_calls is not None and stats["llm_calls"] >= self.max_llm_calls:
            self.disable(
                "budget_llm_calls",
                f"the budget of {self.max_llm_calls} LLM calls is spent",
                fallback_name,
            )
        elif self.max_cost_usd is not None and stats["cost_usd"] >= self.max_cost_usd:
            self.disable(
                "budget_cost",
                f"the budget of ${self.max_cost_usd:.4f} is spent (${stats['cost_usd']:.4f})",
                fallback_name,
            )

    def disable(self, reason: str, explanation: str, fallback_name: str) -> None:
        """Stop asking the LLM for the rest of the sampler's life, and say so once."""
        with self._lock:
            if self._disabled_reason is not None:
                return
            self._disabled_reason = reason
        llm_warn(f"{explanation}; the sampler goes on with {fallback_name} only.")

    def report(
        self, trial_number: int, failure: Exception, model_name: str, fallback_name: str
    ) -> None:
        """Log or warn about a failure; raise it with ``on_error="raise"``."""
        kind = getattr(failure, "kind", "unexpected_error")
        if kind in STOPPING_KINDS:
            self.disable(kind, f"trial {trial_number}: {failure}", fallback_name)
        elif self._first_time(kind):
            _logger.warning(
                "Trial %d: no usable LLM proposal (%s: %s); using %s. Further %s failures are "
                "logged at debug level and counted in get_statistics().",
                trial_number,
                kind,
                failure,
                fallback_name,
                kind,
            )
        else:
            _logger.debug("Trial %d: LLM failure %s: %s", trial_number, kind, failure)
        if self.on_error == "raise":
            if isinstance(failure, LLMProposalError):
                raise failure
            raise LLMProposalError(kind, str(failure)) from None

    def _first_time(self, kind: str) -> bool:
        with self._lock:
            if kind in self._warned_kinds:
                return False
            self._warned_kinds.add(kind)
            return True
