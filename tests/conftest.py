"""Test-wide settings.

The suite runs on the small embedded model (SmolLM2-135M): ``model=None`` means it here unless
``LLM_GUIDED_OPTUNA_MODEL`` is set already. The default model (Qwen2.5-Coder-1.5B) has its own
tests, which name it (``tests/test_default_model.py``).
"""

from __future__ import annotations

import os

import optuna
import pytest


os.environ.setdefault("LLM_GUIDED_OPTUNA_MODEL", "smollm2-135m")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")



@pytest.fixture(autouse=True)
def _restore_optuna_verbosity():
    """Tests that quieten Optuna (``set_verbosity(ERROR)``) do not change what later tests log."""
    verbosity = optuna.logging.get_verbosity()
    yield
    optuna.logging.set_verbosity(verbosity)
