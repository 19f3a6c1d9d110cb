"""OptunaHub entry point of llm-guided-optuna: ``LLMGuidedSampler`` and the embedded models.

The implementation lives in the ``llm-guided-optuna`` package (``requirements.txt``); this
module only exposes it under OptunaHub's layout:

    import optunahub
    module = optunahub.load_module("samplers/llm_guided")
    sampler = module.LLMGuidedSampler(seed=0)
"""

from __future__ import annotations

from llm_guided_optuna import EMBEDDED_MODELS
from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import show_llm_progress
from llm_guided_optuna import study_statistics


__all__ = ["EMBEDDED_MODELS", "LLMGuidedSampler", "show_llm_progress", "study_statistics"]
