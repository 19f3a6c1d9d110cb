"""Tests of the hybrid strategy: warm start, adaptive share, optimizer advice."""

from __future__ import annotations

import math

import optuna
from optuna.trial import TrialState
import pytest

from llm_guided_optuna import Hybrid
from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings
from llm_guided_optuna._sampler.schedule import AdaptiveLLMShare
from llm_guided_optuna._sampler.schedule import score_record
from tests.support.fault_server import FaultServer
from tests.support.schema_responder import RandomConfigurationResponder


optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", 1e-4, 1.0, log=True)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    return x**2 + abs(math.log10(y) + 2) + (kind == "b")


def hybrid_sampler(server: FaultServer, **options) -> LLMGuidedSampler:
    """The hybrid strategy with ``options`` (:class:`~llm_guided_optuna.Hybrid`) on ``server``,
    its optimizer a multivariate TPE."""
    optimizer = optuna.samplers.TPESampler(seed=0, multivariate=True, n_startup_trials=5)
    return LLMGuidedSampler(
        model="openai/test",
        seed=0,
        strategy=Hybrid(**options),
        optimizer=optimizer,
        llm=LLMSettings(
            api_base=server.base_url, api_key="sk-test", retry_backoff=0.01, timeout=5
        ),
    )


@pytest.fixture
def server():
    with FaultServer(responder=RandomConfigurationResponder(seed=3)) as running:
        yield running


def test_warm_start_comes_from_one_llm_call(server) -> None:
    sampler = hybrid_sampler(server, warm_start_trials=4, share=0.0)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=12)
    sources = [t.user_attrs["llm_source"] for t in study.trials]
    assert sources[:5] == ["optimizer", "llm", "llm", "llm", "llm"]
    assert set(sources[5:]) == {"optimizer"}
    assert {t.user_attrs["llm_reason"] for t in study.trials[5:]} == {"schedule"}
    stats = sampler.get_statistics()["sampler_stats"]
    assert stats["llm_calls"] == 1 and stats["batched_proposals_used"] == 3
    assert stats["optimizer_reasons"]["schedule"] == 7 and stats["fallback_uses"] == 0
    assert (
        server.requests[0].body["response_format"]["json_schema"]["schema"]["properties"][
            "configurations"
        ]["minItems"]
        == 4
    )


def test_llm_trials_after_the_warm_start_see_the_optimizers_proposal(server) -> None:
    sampler = hybrid_sampler(server, warm_start_trials=2, share=1.0, proposals_per_call=1)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=10)
    prompts = [r.body["messages"][1]["content"] for r in server.requests]
    assert len(prompts) > 4
    # The warm start has no optimizer proposal to show; once the optimizer models, it does.
    assert not any("The Bayesian optimizer proposes" in p for p in prompts[:2])
    assert all("The Bayesian optimizer proposes kind=" in p for p in prompts[-3:])
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


def test_llm_failures_in_the_hybrid_use_the_optimizers_proposal(server) -> None:
    sampler = hybrid_sampler(server, warm_start_trials=2, share=1.0, proposals_per_call=1)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=6)
    server.set_fault("invalid_json")
    study.optimize(objective, n_trials=4)
    reasons = [t.user_attrs["llm_reason"] for t in study.trials[6:]]
    # The share decays past 6 trials, so some later trials are the optimizer's by schedule.
    assert set(reasons) <= {"invalid_json", "schedule"} and reasons.count("invalid_json") >= 2
    assert sampler.get_statistics()["sampler_stats"]["failures"] == {
        "invalid_json": reasons.count("invalid_json")
    }


def test_default_optimizer_is_gp_when_torch_is_installed() -> None:
    pytest.importorskip("torch")
    sampler = LLMGuidedSampler(model="openai/x", seed=1, strategy=Hybrid(warm_start_trials=3))
    assert type(sampler.optimizer).__name__ == "GPSampler"


@pytest.mark.parametrize(
    ("record", "expected"),
    [((0, 0, 0, 0), 0.3), ((5, 6, 1, 6), 0.6), ((0, 10, 5, 10), 0.05), ((3, 8, 3, 8), 0.3)],
)
def test_share_follows_the_record(record, expected) -> None:
    assert AdaptiveLLMShare(initial_share=0.3).share_from_record(*record) == pytest.approx(
        expected
    )


def test_score_record_counts_good_trials_by_source() -> None:
    study = optuna.create_study(direction="maximize")
    values = [1.0, 2.0, 3.0, 10.0, 0.0, 11.0]
    sources = ["fallback", "fallback", "fallback", "llm", "llm", "fallback"]
    for value, source in zip(values, sources):
        study.add_trial(optuna.trial.create_trial(value=value, user_attrs={"llm_source": source}))
    # From the fourth trial on: 10 is good (best), 0 is not, 11 is good.
    assert score_record(study.trials, study.directions) == (1, 2, 1, 1)


def test_a_useless_llm_loses_its_share(server) -> None:
    sampler = hybrid_sampler(server, warm_start_trials=2, share=0.5)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=40)
    schedule = AdaptiveLLMShare(warm_start_trials=2, initial_share=0.5)
    assert schedule.current_share(study) < 0.5


@pytest.mark.parametrize("arguments", [{"llm_share": 1.5}, {"warm_start_trials": -1}])
def test_invalid_hybrid_settings_are_refused(arguments) -> None:
    with pytest.raises(ValueError):
        LLMGuidedSampler(model="openai/x", strategy="hybrid", **arguments)


def test_the_share_decays_after_twice_the_warm_start() -> None:
    schedule = AdaptiveLLMShare(warm_start_trials=4, initial_share=0.3)
    assert schedule.decay_start == 10
    assert [schedule.decayed(0.3, n) for n in (5, 10, 20, 30)] == [0.3, 0.3, 0.15, 0.1]
    never = AdaptiveLLMShare(warm_start_trials=4, initial_share=0.3, decay_start=0)
    assert never.decayed(0.3, 1000) == 0.3


def test_multi_objective_trials_are_good_when_they_reach_the_front() -> None:
    directions = [optuna.study.StudyDirection.MINIMIZE, optuna.study.StudyDirection.MAXIMIZE]

    def trial(number: int, values: list[float], source: str) -> optuna.trial.FrozenTrial:
        frozen = optuna.trial.create_trial(values=values, user_attrs={"llm_source": source})
        frozen.number = number
        return frozen

    history = [
        trial(0, [1.0, 1.0], "fallback"),
        trial(1, [2.0, 2.0], "fallback"),
        trial(2, [3.0, 3.0], "fallback"),
        trial(3, [0.5, 0.5], "llm"),  # not dominated by any earlier trial: good
        trial(4, [2.5, 1.5], "llm"),  # dominated by (2, 2): not good
        trial(5, [0.1, 4.0], "fallback"),
    ]  # dominates everything: good
    assert score_record(history, directions) == (1, 2, 1, 1)
