"""The default embedded model, Qwen2.5-Coder-1.5B-Instruct, for real: what a user gets.

One call on the default model takes 10 to 60 s on two CPU cores (more on a busy machine), so the
suite runs one short study on it: a warm start and at most the trust strategy's in-process
budget of further calls (the rest of the suite runs on SmolLM2-135M, see conftest.py).
"""

from __future__ import annotations

import math

import optuna
from optuna.trial import TrialState
import pytest

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna._sampler.trust import IN_PROCESS_MAX_LLM_TRIALS
from llm_guided_optuna.embedded import default_embedded_model
from llm_guided_optuna.embedded import EMBEDDED_MODELS
from llm_guided_optuna.embedded import find_installed_model
from tests.support.assertions import assert_all_params_valid


pytestmark = [pytest.mark.llm, pytest.mark.slow]
DEFAULT = EMBEDDED_MODELS["qwen2.5-coder-1.5b"]


def svm_objective(trial: optuna.Trial) -> float:
    c = trial.suggest_float("C", 1e-3, 1e3, log=True)
    gamma = trial.suggest_float("gamma", 1e-5, 1e1, log=True)
    kernel = trial.suggest_categorical("kernel", ["rbf", "linear", "poly"])
    return abs(math.log10(c) - 1) + abs(math.log10(gamma) + 2) + (0.0 if kernel == "rbf" else 0.5)


def test_the_default_model_is_qwen_when_it_is_installed(monkeypatch) -> None:
    monkeypatch.delenv("LLM_GUIDED_OPTUNA_MODEL", raising=False)
    find_installed_model(DEFAULT)  # installed by scripts/setup.sh, and intact
    assert default_embedded_model() is DEFAULT


def test_a_warm_start_on_the_default_model_gives_valid_llm_trials(monkeypatch) -> None:
    monkeypatch.delenv("LLM_GUIDED_OPTUNA_MODEL", raising=False)
    sampler = LLMGuidedSampler(seed=0)  # what a user gets: the trust strategy on the default model
    assert sampler.model_name == "embedded/qwen2.5-coder-1.5b"
    study = optuna.create_study(direction="minimize", sampler=sampler)
    study.set_user_attr(
        "problem_description", "Tune an RBF support vector classifier on a small tabular dataset"
    )
    study.optimize(svm_objective, n_trials=6)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert_all_params_valid(study)
    assert sampler.strategy == "trust"
    stats = sampler.get_statistics()["sampler_stats"]
    # The warm start, then the LLM again only while its trials outrank the others, at most
    # IN_PROCESS_MAX_LLM_TRIALS times. A later answer may repeat a configuration already tried:
    # that is a recorded fallback (the optimizer stands in), never another kind of failure.
    assert 1 <= stats["llm_calls"] <= 1 + IN_PROCESS_MAX_LLM_TRIALS
    assert set(stats["failures"]) <= {"duplicate"}
    sources = [t.user_attrs["llm_source"] for t in study.trials]
    assert sources[:2] == ["optimizer", "llm"]
    assert set(sources[2:]) <= {"llm", "optimizer", "fallback"}
    # Each call proposed the trial it was asked for, or that trial records why it did not.
    assert sources.count("llm") + sources.count("fallback") == stats["llm_calls"]
    llm_trials = [t for t in study.trials if t.user_attrs["llm_source"] == "llm"]
    assert all(t.user_attrs["llm_call"]["model"] for t in llm_trials)
    assert study.trials[1].user_attrs[
        "llm_rationale"
    ]  # the analysis the model wrote before the values
