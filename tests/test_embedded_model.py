"""Integration tests on the real small embedded model (SmolLM2-135M-Instruct over HTTP,
in-process).

Nothing is mocked here: the sampler talks through LiteLLM to llama.cpp's server on 127.0.0.1.
The model is small and often proposes poor or out-of-range values; the tests check what the
library promises whatever the model says: valid parameters, proposals actually used,
completed studies.
"""

from __future__ import annotations

import json
import math
import socket

import optuna
from optuna.trial import TrialState
import pytest

from llm_guided_optuna import EmbeddedModelServer
from llm_guided_optuna import get_embedded_server
from llm_guided_optuna import LLMGuidedSampler
from tests.support.assertions import assert_all_params_valid
from tests.support.assertions import trial_sources


pytestmark = pytest.mark.llm
optuna.logging.set_verbosity(optuna.logging.WARNING)


def mixed_objective(trial: optuna.Trial) -> float:
    lr = trial.suggest_float("learning_rate", 1e-5, 1e-1, log=True)
    batch_size = trial.suggest_int("batch_size", 16, 256, step=16)
    dropout = trial.suggest_float("dropout", 0.0, 0.5)
    weight_decay = trial.suggest_float("weight_decay", 0.0, 0.1, step=0.01)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"])
    penalty = {"adam": 0.0, "sgd": 0.3, "rmsprop": 0.2}[optimizer]
    return (
        (math.log10(lr) + 3) ** 2 / 4
        + abs(batch_size - 64) / 256
        + (dropout - 0.2) ** 2
        + weight_decay
        + penalty
    )


def llm_share(study: optuna.Study) -> float:
    later = study.trials[1:]
    return sum(
        1
        for t in later
        if t.user_attrs.get("llm_source") in {"llm", "llm+optimizer", "llm+fallback"}
    ) / len(later)


def test_study_on_the_embedded_model_uses_valid_llm_proposals() -> None:
    sampler = LLMGuidedSampler(seed=0, strategy="llm")
    study = optuna.create_study(sampler=sampler)
    study.set_user_attr("problem_type", "neural_network_training")
    study.set_user_attr("problem_description", "Small CNN for image classification")
    study.optimize(mixed_objective, n_trials=12)

    assert len(study.trials) == 12 and all(t.state == TrialState.COMPLETE for t in study.trials)
    assert_all_params_valid(study)
    stats = sampler.get_statistics()["sampler_stats"]
    assert stats["proposals_requested"] == 11
    assert stats["success_rate"] > 0.5
    assert llm_share(study) > 0.5
    assert stats["prompt_tokens"] > 0 and stats["completion_tokens"] > 0
    llm_trial = next(t for t in study.trials if t.user_attrs.get("llm_source") == "llm")
    assert llm_trial.user_attrs["llm_call"]["model"]
    assert {
        k: llm_trial.params[k] for k in llm_trial.user_attrs["llm_proposal"]
    } == llm_trial.user_attrs["llm_proposal"]


def test_the_default_strategy_warm_starts_from_one_call_on_the_embedded_model() -> None:
    sampler = LLMGuidedSampler(seed=0)  # strategy="prior"
    study = optuna.create_study(sampler=sampler)
    study.set_user_attr("problem_description", "Small CNN for image classification")
    study.optimize(mixed_objective, n_trials=10)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert_all_params_valid(study)
    stats = sampler.get_statistics()["sampler_stats"]
    sources = trial_sources(study)
    # Trial 1 is the LLM's one configuration; the rest of the initial design and every later
    # trial are the GP's.
    assert sources[:2] == ["new_parameters", "llm"] and set(sources[2:]) == {"schedule"}
    assert stats["llm_calls"] == 1


def test_two_threads_share_the_embedded_model() -> None:
    sampler = LLMGuidedSampler(seed=1, strategy="llm")
    study = optuna.create_study(sampler=sampler)
    study.optimize(mixed_objective, n_trials=10, n_jobs=2)
    assert len(study.trials) == 10 and all(t.state == TrialState.COMPLETE for t in study.trials)
    assert_all_params_valid(study)
    proposals = [
        json.dumps(t.params, sort_keys=True)
        for t in study.trials
        if t.user_attrs.get("llm_source") == "llm"
    ]
    assert proposals and len(set(proposals)) == len(proposals)


def test_enqueued_and_conditional_parameters_on_the_embedded_model() -> None:
    def conditional(trial: optuna.Trial) -> float:
        classifier = trial.suggest_categorical("classifier", ["svm", "random_forest"])
        if classifier == "svm":
            return abs(math.log10(trial.suggest_float("svm_C", 1e-3, 1e3, log=True)))
        return 1.0 / trial.suggest_int("rf_max_depth", 1, 32)

    sampler = LLMGuidedSampler(seed=2, strategy="llm")
    study = optuna.create_study(sampler=sampler)
    study.enqueue_trial({"classifier": "svm", "svm_C": 1.0})
    study.enqueue_trial({"classifier": "random_forest"})
    study.optimize(conditional, n_trials=8)
    assert study.trials[0].params == {"classifier": "svm", "svm_C": 1.0}
    assert study.trials[1].params["classifier"] == "random_forest"
    assert_all_params_valid(study)
    assert sampler.get_statistics()["sampler_stats"]["llm_successes"] >= 1


def test_the_shared_server_listens_on_loopback_and_is_reused() -> None:
    server = get_embedded_server()
    assert server is get_embedded_server()
    assert server.api_base.startswith("http://127.0.0.1:")
    port = int(server.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


def test_a_private_server_frees_its_port_when_stopped() -> None:
    with EmbeddedModelServer(parallel_requests=1, context_per_request=1024) as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
