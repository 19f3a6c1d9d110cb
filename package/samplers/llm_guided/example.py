"""Tune a scikit-learn SVM with the LLM-guided sampler loaded from OptunaHub.

The sampler asks the embedded model (no key, no network) for its first configurations, then
uses them as a decaying prior on Optuna's Gaussian-process sampler. Set ``LLM_GUIDED_MODEL``
to any LiteLLM model string (``gpt-4o-mini``, ``ollama/qwen2.5-coder:7b``, ...) to use another.
"""

from __future__ import annotations

import os

import optuna
import optunahub
from sklearn.datasets import load_wine
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC


def objective(trial: optuna.Trial) -> float:
    c = trial.suggest_float("C", 1e-3, 1e3, log=True)
    gamma = trial.suggest_float("gamma", 1e-5, 1e1, log=True)
    x, y = load_wine(return_X_y=True)
    return float(cross_val_score(SVC(C=c, gamma=gamma), x, y, cv=3).mean())


if __name__ == "__main__":
    module = optunahub.load_module("samplers/llm_guided")
    sampler = module.LLMGuidedSampler(model=os.environ.get("LLM_GUIDED_MODEL"), seed=0)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.set_user_attr(
        "problem_description", "RBF SVM on the wine data (178 rows, 13 unscaled features)"
    )
    study.optimize(objective, n_trials=int(os.environ.get("LLM_GUIDED_TRIALS", "12")))
    print(f"best accuracy {study.best_value:.4f} with {study.best_params}")
    print("sources:", [t.user_attrs["llm_source"] for t in study.trials])
