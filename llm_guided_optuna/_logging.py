"""Logging for the package, on Optuna's logging configuration.

Loggers are children of ``optuna`` (``optuna.llm_guided_optuna.<module>``), so
``optuna.logging.set_verbosity`` and Optuna's handler apply to them as to Optuna's own.
"""

from __future__ import annotations

import logging

import optuna


def get_logger(module_name: str) -> logging.Logger:
    """The logger of one of this package's modules."""
    optuna.logging.get_logger("optuna")  # Makes sure Optuna's handler is configured.
    return logging.getLogger("optuna." + module_name)


def show_llm_progress(enabled: bool = True) -> None:
    """Show the library's INFO lines (model loading, each LLM call's start, wait and end) even
    when Optuna's own verbosity is WARNING; ``enabled=False`` follows Optuna's verbosity again.

    Example:
        >>> optuna.logging.set_verbosity(optuna.logging.WARNING)  # hide Optuna's trial lines
        >>> show_llm_progress()                                    # keep the LLM's
    """
    get_logger("llm_guided_optuna").setLevel(logging.INFO if enabled else logging.NOTSET)
