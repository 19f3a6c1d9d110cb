"""Test-wide settings.

The suite runs on the small embedded model (SmolLM2-135M): ``model=None`` means it here unless
``LLM_GUIDED_OPTUNA_MODEL`` is set already. The default model (Qwen2.5-Coder-1.5B) has its own
tests, which name it (``tests/test_default_model.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
import logging
import os

import optuna
import pytest


os.environ.setdefault("LLM_GUIDED_OPTUNA_MODEL", "smollm2-135m")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


class OptunaLogRecords(logging.Handler):
    """The records logged under the ``optuna`` logger (the library's loggers are its children).

    Optuna's logger does not propagate to the root logger, where ``caplog`` listens, and pytest
    attaches ``caplog`` to non-propagating loggers only from 9.1 on: this handler sits on the
    ``optuna`` logger itself, so what the tests read does not depend on pytest's version.
    """

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def text(self) -> str:
        return "\n".join(f"{r.levelname} {r.name}: {r.getMessage()}" for r in self.records)

    def messages(self, prefix: str = "optuna") -> list[str]:
        return [r.getMessage() for r in self.records if r.name.startswith(prefix)]

    @contextmanager
    def at_level(self, level: int, logger: str = "optuna") -> Iterator[None]:
        """Let ``logger`` log from ``level`` on inside the block."""
        target = logging.getLogger(logger)
        previous = target.level
        target.setLevel(level)
        try:
            yield
        finally:
            target.setLevel(previous)


@pytest.fixture
def optuna_logs() -> Iterator[OptunaLogRecords]:
    """What the library and Optuna log during the test (see :class:`OptunaLogRecords`)."""
    handler = OptunaLogRecords()
    logger = logging.getLogger("optuna")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@pytest.fixture(autouse=True)
def _restore_optuna_verbosity():
    """Tests that quieten Optuna (``set_verbosity(ERROR)``) do not change what later tests log."""
    verbosity = optuna.logging.get_verbosity()
    yield
    optuna.logging.set_verbosity(verbosity)
