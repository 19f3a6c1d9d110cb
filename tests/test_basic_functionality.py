"""Basic functionality: the public API works end to end on the embedded model.

Run with pytest, or directly: ``cd tests && python test_basic_functionality.py``.
"""

from __future__ import annotations

from pathlib import Path
import sys


if __name__ == "__main__":  # Make the checkout importable when run as a script.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import optuna
from optuna.distributions import FloatDistribution
import pytest

import llm_guided_optuna
from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings
from llm_guided_optuna import ParameterValidator


def test_public_api_is_a_standard_optuna_sampler() -> None:
    sampler = LLMGuidedSampler(
        max_context_trials=10, llm=LLMSettings(temperature=0.3, timeout=30, max_retries=3)
    )
    assert isinstance(sampler, optuna.samplers.BaseSampler)
    assert sampler.strategy == "trust"
    # The default strategy's optimizer is Optuna's GPSampler (weighted by the LLM's prior),
    # handing over to a multivariate TPE past 100 complete trials.
    assert isinstance(sampler.optimizer.first, optuna.samplers.GPSampler)
    assert isinstance(sampler.optimizer.then, optuna.samplers.TPESampler)
    pure_llm = LLMGuidedSampler(strategy="llm")
    assert isinstance(pure_llm.optimizer, optuna.samplers.TPESampler)
    assert llm_guided_optuna.__version__


def test_statistics_have_the_documented_keys() -> None:
    stats = LLMGuidedSampler(model="openai/any").get_statistics()["sampler_stats"]
    for key in (
        "success_rate",
        "average_llm_time",
        "optimizer_trials",
        "fallback_uses",
        "llm_calls",
        "failures",
        "clamped_values",
        "prompt_tokens",
        "completion_tokens",
        "cost_usd",
    ):
        assert key in stats


def test_validator_clamps_a_wild_value() -> None:
    value, actions = ParameterValidator().validate_value(
        "0.9", FloatDistribution(1e-5, 1e-1, log=True)
    )
    assert value == 0.1 and actions == ["converted", "clamped"]


@pytest.mark.llm
def test_a_short_study_on_the_embedded_model() -> None:
    sampler = LLMGuidedSampler(seed=0)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    study.set_user_attr("problem_type", "neural_network_training")

    def objective(trial: optuna.Trial) -> float:
        lr = trial.suggest_float("learning_rate", 1e-5, 1e-1, log=True)
        batch_size = trial.suggest_int("batch_size", 16, 256, step=16)
        dropout = trial.suggest_float("dropout", 0.0, 0.5)
        return abs(lr - 1e-3) + abs(batch_size - 64) / 256 + dropout

    study.optimize(objective, n_trials=5)
    assert len(study.trials) == 5
    stats = sampler.get_statistics()["sampler_stats"]
    assert stats["llm_calls"] >= 1
    assert stats["success_rate"] > 0


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v"]))


def test_only_the_model_is_positional() -> None:
    import inspect

    parameters = list(inspect.signature(LLMGuidedSampler.__init__).parameters.values())[1:]
    positional = [
        p.name
        for p in parameters
        if p.kind not in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_KEYWORD)
    ]
    assert positional == ["model"]
    assert len(parameters) <= 12  # about ten arguments, as Optuna's samplers have
    with pytest.raises(TypeError):
        LLMGuidedSampler("openai/any", 0.3)  # type: ignore[misc]


def test_fallback_sampler_is_the_deprecated_name_of_optimizer() -> None:
    tpe = optuna.samplers.TPESampler(seed=0)
    with pytest.warns(FutureWarning, match="fallback_sampler is deprecated.*use optimizer"):
        sampler = LLMGuidedSampler(model="openai/any", fallback_sampler=tpe)
    assert sampler.optimizer is tpe
    with pytest.warns(FutureWarning, match="use optimizer"):
        assert sampler.fallback_sampler is tpe
    with pytest.raises(ValueError, match="give optimizer only"):
        LLMGuidedSampler(model="openai/any", optimizer=tpe, fallback_sampler=tpe)
