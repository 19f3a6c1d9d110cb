"""Every exception of llm-guided-optuna, under one base class, and the sampler's warning.

Each error also derives from the built-in error a caller would catch before this hierarchy
existed (``ValueError`` for bad input, ``RuntimeError`` for what failed at run time), so both
``except LLMGuidedOptunaError`` and ``except RuntimeError`` work. What an error knows about its
cause is a constructor field, not an attribute set afterwards.

Example:
    >>> from llm_guided_optuna.exceptions import LLMCallError, LLMGuidedOptunaError
    >>> error = LLMCallError("timeout", "read timed out", retryable=True)
    >>> isinstance(error, LLMGuidedOptunaError), error.kind, error.retryable
    (True, 'timeout', True)
"""

from __future__ import annotations

from typing import Any


class LLMGuidedOptunaError(Exception):
    """The base class of every error this package raises."""


class LLMSamplerWarning(UserWarning):
    """A condition that changes how the sampler works from now on (said once)."""


class LLMCallError(LLMGuidedOptunaError, RuntimeError):
    """A completion request failed.

    Attributes:
        kind: ``timeout``, ``rate_limit``, ``server_error``, ``connection``,
            ``invalid_response`` (a 200 that is no chat completion), ``authentication``,
            ``bad_request``, ``unknown_model`` or ``unexpected_error``.
        retryable: Whether trying again may help.
        attempts: How many requests were sent.
        retry_after: The seconds the server asked to wait before the next request, if it said.
        elapsed_s: Seconds spent on the requests, waits between retries included.
    """

    def __init__(
        self,
        kind: str,
        message: str,
        retryable: bool,
        attempts: int = 1,
        *,
        retry_after: float | None = None,
        elapsed_s: float = 0.0,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.retryable = retryable
        self.attempts = attempts
        self.retry_after = retry_after
        self.elapsed_s = elapsed_s


class ProposalParseError(LLMGuidedOptunaError, ValueError):
    """The LLM's answer holds no usable proposal.

    Attributes:
        kind: What was wrong (e.g. ``"not_json"``).
        reply: The reply that could not be read (an ``LLMReply``: its usage is recorded), or
            ``None`` where the text was parsed without a call.
    """

    def __init__(self, kind: str, message: str, *, reply: Any = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.reply = reply


class LLMProposalError(LLMGuidedOptunaError, RuntimeError):
    """Raised with ``on_error="raise"`` when the LLM gives no usable proposal.

    Attributes:
        kind: The failure's kind (an :class:`LLMCallError` kind, a parse failure,
            ``"invalid_values"``, ``"duplicate"``, or a budget).
        reply: The reply whose configurations were unusable, if one arrived.
    """

    def __init__(self, kind: str, message: str, *, reply: Any = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.reply = reply


class InvalidValueError(LLMGuidedOptunaError, ValueError):
    """A proposed value that cannot be turned into a value of its distribution."""


class EmbeddedModelUnavailableError(LLMGuidedOptunaError, RuntimeError):
    """The embedded model or its runtime is not installed, or its file is not the pinned one."""


class UnknownEmbeddedModelError(LLMGuidedOptunaError, ValueError):
    """A name that is not in the embedded models' registry."""


class ModelInstallError(LLMGuidedOptunaError, RuntimeError):
    """The model could not be downloaded, or what was downloaded is not the pinned file."""


class GGUFFormatError(LLMGuidedOptunaError, ValueError):
    """The file is not a GGUF file, or its header is damaged."""


class DemoUnavailableError(LLMGuidedOptunaError, RuntimeError):
    """scikit-learn, which the demo's objective trains, is not installed."""


class PlotUnavailableError(LLMGuidedOptunaError, RuntimeError):
    """matplotlib, which draws the plot, is not installed."""


class OptunaInternalsError(LLMGuidedOptunaError, RuntimeError):
    """Optuna's private GP code is not what this release was written for (an Optuna upgrade
    changed it): the prior strategy goes on as the plain GP, with one warning."""
