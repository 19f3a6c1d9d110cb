"""The ``llm-optuna`` command line (:func:`main`), the demo and ``explain``."""

from llm_guided_optuna.cli.main import main


__all__ = ["main"]
