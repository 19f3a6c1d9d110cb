"""Self-consistency for the warm start: ``WarmStartPrompt(guesses=k)`` asks for ``k`` guesses of
the best configuration in one call and the warm-start trial takes their consensus."""

from __future__ import annotations

import json

import optuna
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
import pytest

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings
from llm_guided_optuna import Trust
from llm_guided_optuna import WarmStartPrompt
from llm_guided_optuna._prompt.context import describe_distribution
from llm_guided_optuna._prompt.context import OptimizationContext
from llm_guided_optuna._prompt.request import warm_start_request
from llm_guided_optuna._proposal.consensus import consensus_configuration
from tests.support.fault_server import FaultServer


optuna.logging.set_verbosity(optuna.logging.WARNING)

SPACE = {
    "lr": FloatDistribution(1e-5, 1.0, log=True),
    "width": IntDistribution(16, 512, step=16),
    "momentum": FloatDistribution(0.0, 1.0),
    "optimizer": CategoricalDistribution(["adam", "sgd", "rmsprop"]),
}


def test_the_consensus_is_the_median_of_each_parameter_and_the_most_frequent_choice() -> None:
    guesses = [
        {"lr": 1e-3, "width": 64, "momentum": 0.9, "optimizer": "sgd"},
        {"lr": 1e-1, "width": 512, "momentum": 0.1, "optimizer": "adam"},
        {"lr": 1e-2, "width": 128, "momentum": 0.5, "optimizer": "adam"},
    ]
    assert consensus_configuration(guesses, SPACE) == {
        "lr": 1e-2,
        "width": 128,
        "momentum": 0.5,
        "optimizer": "adam",
    }


def test_an_even_number_of_guesses_meets_in_the_middle_on_the_parameters_scale() -> None:
    guesses = [
        {"lr": 1e-4, "width": 16, "momentum": 0.2, "optimizer": "rmsprop"},
        {"lr": 1e-2, "width": 64, "momentum": 0.4, "optimizer": "sgd"},
    ]
    consensus = consensus_configuration(guesses, SPACE)
    assert consensus["lr"] == pytest.approx(1e-3)  # geometric: the parameter is log-scaled
    assert consensus["momentum"] == pytest.approx(0.3)
    assert consensus["width"] in (32, 48)  # the middle, on the parameter's step of 16
    assert consensus["optimizer"] == "rmsprop"  # a tie goes to the earliest guess


def test_a_parameter_some_guesses_lack_is_decided_by_the_others() -> None:
    guesses = [{"lr": 1e-3}, {"lr": 1e-3, "optimizer": "sgd"}, {}]
    assert consensus_configuration(guesses, SPACE) == {"lr": 1e-3, "optimizer": "sgd"}
    assert consensus_configuration([], SPACE) == {}


def test_the_request_asks_for_that_many_independent_guesses() -> None:
    context = OptimizationContext(
        directions=["minimize"],
        search_space=[describe_distribution(name, d) for name, d in SPACE.items()],
    )
    request = warm_start_request(context, SPACE, 1, WarmStartPrompt(analysis=True, guesses=5))
    system = request.messages[0]["content"]
    assert "5 independent guesses" in system and "(5 in all)" in system
    assert "the most promising first" not in system
    assert request.response_model.model_fields["configurations"] is not None
    with pytest.raises(ValueError, match="warm_start_trials=1"):
        warm_start_request(context, SPACE, 4, WarmStartPrompt(guesses=5))


@pytest.mark.parametrize("guesses", [0, -1, 2.5])
def test_guesses_must_be_a_positive_integer(guesses: object) -> None:
    with pytest.raises(ValueError, match="guesses must be an integer >= 1"):
        WarmStartPrompt(guesses=guesses)  # type: ignore[arg-type]


def test_several_guesses_need_one_warm_start_configuration() -> None:
    with pytest.raises(ValueError, match="warm_start_trials=1"):
        LLMGuidedSampler(
            "openai/test",
            llm=LLMSettings(api_base="http://127.0.0.1:9"),
            strategy=Trust(warm_start_trials=4, warm_start_prompt=WarmStartPrompt(guesses=3)),
        )


def objective(trial: optuna.Trial) -> float:
    lr = trial.suggest_float("lr", 1e-5, 1.0, log=True)
    width = trial.suggest_int("width", 16, 512, step=16)
    momentum = trial.suggest_float("momentum", 0.0, 1.0)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"])
    return abs(lr - 0.01) + width / 512 + momentum + (optimizer != "adam")


def test_the_warm_start_trial_takes_the_consensus_and_records_the_guesses() -> None:
    guesses = [
        {"lr": 0.001, "width": 64, "momentum": 0.9, "optimizer": "sgd"},
        {"lr": 0.1, "width": 512, "momentum": 0.1, "optimizer": "adam"},
        {"lr": 0.01, "width": 128, "momentum": 0.5, "optimizer": "adam"},
        {"lr": "not a number", "width": 96, "momentum": 0.4, "optimizer": "adam"},
    ]
    answer = {"analysis": "Adam, a moderate rate.", "configurations": []}
    answer["configurations"] = [{"parameters": g} for g in guesses]
    with FaultServer(responder=lambda request: json.dumps(answer)) as server:
        sampler = LLMGuidedSampler(
            "openai/test",
            seed=0,
            llm=LLMSettings(api_base=server.base_url, api_key="sk-test", timeout=5),
            strategy=Trust(warm_start_prompt=WarmStartPrompt(analysis=True, guesses=4)),
        )
        study = optuna.create_study(sampler=sampler)
        study.optimize(objective, n_trials=3)
        assert len(server.requests) == 1  # one call for the four guesses
    trial = study.trials[1]
    assert trial.user_attrs["llm_source"] == "llm"
    # The fourth guess's rate cannot be read, so three rates decide it; four widths and
    # momenta meet in the middle.
    assert trial.params["lr"] == pytest.approx(0.01)
    assert trial.params["width"] in (96, 112)
    assert trial.params["momentum"] == pytest.approx(0.45)
    assert trial.params["optimizer"] == "adam"
    recorded = trial.user_attrs["llm_call"]["guesses"]
    assert len(recorded) == 4 and recorded[0]["optimizer"] == "sgd"
