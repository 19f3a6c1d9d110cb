"""Tests of LLMGuidedSampler's orchestration, against a real HTTP server that plays the LLM.

The server (``tests/support/fault_server.py``) answers like an OpenAI-compatible provider with
configurations from ``RandomConfigurationResponder`` or with injected faults; the sampler
talks to it through LiteLLM exactly as it talks to a real provider.
"""

from __future__ import annotations

import json
import math
import warnings

import optuna
from optuna.trial import TrialState
import pytest

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMProposalError
from llm_guided_optuna import LLMSamplerWarning
from llm_guided_optuna import LLMSettings
from llm_guided_optuna import PureLLM
from tests.support.assertions import assert_all_params_valid
from tests.support.assertions import trial_sources
from tests.support.fault_server import FaultServer
from tests.support.schema_responder import RandomConfigurationResponder


optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial: optuna.Trial) -> float:
    lr = trial.suggest_float("learning_rate", 1e-5, 1e-1, log=True)
    batch = trial.suggest_int("batch_size", 16, 256, step=16)
    dropout = trial.suggest_float("dropout", 0.0, 0.5)
    decay = trial.suggest_float("weight_decay", 0.0, 0.1, step=0.01)
    layers = trial.suggest_int("layers", 1, 64, log=True)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd", None, True, 3])
    return (
        (math.log10(lr) + 3) ** 2
        + (batch - 64) ** 2 / 1e4
        + dropout
        + decay
        + layers / 64
        + (optimizer != "adam")
    )


def make_sampler(
    server: FaultServer,
    *,
    proposals_per_call: int = 4,
    max_proposal_age: int = 4,
    structured_output: str = "auto",
    max_retries: int = 3,
    **kwargs,
) -> LLMGuidedSampler:
    """The "llm" strategy on ``server``, with its batch options; ``kwargs`` go to the sampler."""
    kwargs.setdefault("seed", 0)
    return LLMGuidedSampler(
        model="openai/test-model",
        strategy=PureLLM(proposals_per_call=proposals_per_call, max_proposal_age=max_proposal_age),
        llm=LLMSettings(
            api_base=server.base_url,
            api_key="sk-test",
            timeout=5,
            retry_backoff=0.01,
            structured_output=structured_output,
            max_retries=max_retries,
        ),
        **kwargs,
    )


@pytest.fixture
def responder() -> RandomConfigurationResponder:
    return RandomConfigurationResponder(seed=1)


@pytest.fixture
def server(responder):
    with FaultServer(responder=responder) as running:
        yield running


def test_one_configuration_per_call_with_fresh_context(server) -> None:
    sampler = make_sampler(server, proposals_per_call=1, max_proposal_age=0)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=5)
    stats = sampler.get_statistics()["sampler_stats"]
    assert stats["llm_calls"] == 4 and stats["llm_successes"] == 4
    assert "configurations" not in json.dumps(server.requests[-1].body["response_format"])


def test_leftover_configurations_expire(server) -> None:
    sampler = make_sampler(server, proposals_per_call=4, max_proposal_age=1)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=7)
    stats = sampler.get_statistics()["sampler_stats"]
    # Calls at trials 1, 3 and 5: each serves its own trial and the next one only.
    assert stats["llm_calls"] == 3 and stats["batched_proposals_used"] == 3
    assert [t.user_attrs["llm_call"]["batch_position"] for t in study.trials[1:]] == [
        "1/4",
        "2/4",
    ] * 3


def test_llguidance_grammar_reaches_the_server(server) -> None:
    sampler = make_sampler(server, structured_output="llguidance")
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=3)
    body = server.requests[-1].body
    assert body["grammar"].startswith("%llguidance") and "response_format" not in body
    assert [t.user_attrs["llm_source"] for t in study.trials[1:]] == ["llm", "llm"]


def test_llm_proposals_are_used_and_recorded(server, responder) -> None:
    sampler = make_sampler(server)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=8)

    first, later = study.trials[0], study.trials[1:]
    assert first.user_attrs["llm_source"] == "optimizer"
    assert first.user_attrs["llm_reason"] == "new_parameters"
    for trial, proposal in zip(later, responder.proposals):
        assert trial.user_attrs["llm_source"] == "llm"
        assert trial.user_attrs["llm_rationale"] == "random but valid"
        assert trial.user_attrs["llm_call"]["model"]
        assert trial.user_attrs["llm_proposal"] == trial.params
        for name, value in proposal.items():
            assert (
                trial.params[name] == pytest.approx(value)
                if isinstance(value, float)
                else trial.params[name] == value
            )
    stats = sampler.get_statistics()["sampler_stats"]
    assert stats["proposals_requested"] == 7 and stats["llm_successes"] == 7
    assert stats["success_rate"] == 1.0
    assert stats["llm_calls"] == 2 and stats["batched_proposals_used"] == 5
    assert (
        stats["optimizer_trials"] == 1
        and stats["optimizer_params"] == 6
        and stats["fallback_uses"] == 0
    )
    assert stats["prompt_tokens"] > 0 and stats["average_llm_time"] > 0
    assert_all_params_valid(study)


def test_the_prompt_shows_history_and_problem_context(server) -> None:
    study = optuna.create_study(
        sampler=make_sampler(server, max_context_trials=3, max_proposal_age=0)
    )
    study.set_user_attr("problem_description", "ResNet-18 on CIFAR-10")
    study.optimize(objective, n_trials=6)
    user_message = server.requests[-1].body["messages"][1]["content"]
    assert "ResNet-18 on CIFAR-10" in user_message
    assert (
        "#4 value=" in user_message
        and "#1 value=" not in user_message.split("## Recent trials")[1]
    )
    schema = server.requests[-1].body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["configurations"]["minItems"] == 4
    assert "4 configurations" in server.requests[-1].body["messages"][0]["content"]


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ("invalid_json", "invalid_json"),
        ("schema_violation", "schema_violation"),
        ("empty_content", "empty_response"),
        ("null_content", "empty_response"),
        ("missing_params", "missing_parameters"),
        ("bad_request", "bad_request"),
        ("server_error", "server_error"),
    ],
)
def test_failures_fall_back_and_are_counted(server, fault, kind) -> None:
    sampler = make_sampler(server, max_retries=1)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=1)
    server.set_fault(fault)
    study.optimize(objective, n_trials=3)
    assert len(study.trials) == 4 and all(t.state == TrialState.COMPLETE for t in study.trials)
    stats = sampler.get_statistics()["sampler_stats"]
    assert sum(stats["failures"].values()) == 3
    assert kind in stats["failures"]
    assert stats["success_rate"] == 0.0
    for trial in study.trials[1:]:
        assert trial.user_attrs["llm_source"] == "fallback"
    assert_all_params_valid(study)


def test_out_of_range_and_string_numbers_are_repaired(server) -> None:
    sampler = make_sampler(server, proposals_per_call=1)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=1)
    server.queue(["out_of_range", "numbers_as_strings", "bad_categorical", "nan_inf"])
    study.optimize(objective, n_trials=4)
    assert_all_params_valid(study)
    stats = sampler.get_statistics()["sampler_stats"]
    assert stats["clamped_values"] >= 3
    assert study.trials[1].user_attrs["llm_source"] in {"llm", "llm+optimizer", "llm+fallback"}
    assert any("clamped" in entry for entry in study.trials[1].user_attrs["llm_call"]["adjusted"])


def test_enqueued_parameters_are_kept_and_not_asked_for(server) -> None:
    study = optuna.create_study(sampler=make_sampler(server))
    study.optimize(objective, n_trials=2)
    study.enqueue_trial({"optimizer": "sgd", "batch_size": 32})
    study.optimize(objective, n_trials=1)
    trial = study.trials[-1]
    assert trial.params["optimizer"] == "sgd" and trial.params["batch_size"] == 32
    asked = server.requests[-1].body["response_format"]["json_schema"]["schema"]
    text = json.dumps(asked)
    assert '"optimizer"' not in text and '"batch_size"' not in text
    assert trial.user_attrs["llm_source"] == "llm"


def test_fully_enqueued_trials_do_not_call_the_llm(server) -> None:
    study = optuna.create_study(sampler=make_sampler(server))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    before = server.request_count
    study.enqueue_trial({"x": 0.25})
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert server.request_count == before
    assert study.trials[-1].params == {"x": 0.25}


def test_conditional_parameters_are_proposed(server) -> None:
    def conditional(trial: optuna.Trial) -> float:
        kind = trial.suggest_categorical("classifier", ["svm", "forest"])
        if kind == "svm":
            return math.log10(trial.suggest_float("svm_c", 1e-3, 1e3, log=True)) ** 2
        return float(trial.suggest_int("max_depth", 1, 32))

    sampler = make_sampler(server)
    study = optuna.create_study(sampler=sampler)
    study.optimize(conditional, n_trials=12)
    asked = json.dumps(server.requests[-1].body["response_format"]["json_schema"]["schema"])
    assert '"svm_c"' in asked and '"max_depth"' in asked
    llm_trials = [t for t in study.trials if t.user_attrs.get("llm_source") == "llm"]
    assert {t.params["classifier"] for t in llm_trials} == {"svm", "forest"}
    assert_all_params_valid(study)


def test_repeats_within_an_answer_become_nearby_variants(server) -> None:
    same = {"parameters": {"x": 0.5}, "rationale": "same again"}
    server.responder = lambda request: json.dumps({"configurations": [same] * 4})
    sampler = make_sampler(server)
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=6)
    sources = trial_sources(study)
    # One call serves trials 1-4 (its repeats perturbed); the next call only repeats x=0.5,
    # already tried, so that trial goes to the fallback sampler instead of circling it.
    assert sources == ["new_parameters", "llm", "llm", "llm", "llm", "duplicate"]
    assert len({t.params["x"] for t in study.trials}) == 6
    assert (
        study.trials[1].params["x"] == 0.5
        and "perturbed" not in study.trials[1].user_attrs["llm_call"]
    )
    for trial in study.trials[2:5]:
        assert trial.user_attrs["llm_call"]["perturbed"] is True
        assert abs(trial.params["x"] - 0.5) < 0.5
    assert sampler.get_statistics()["sampler_stats"]["duplicates_perturbed"] == 3


def test_duplicate_proposals_go_to_the_fallback_when_no_variant_is_left(server) -> None:
    server.responder = lambda request: '{"parameters": {"x": 0}, "rationale": "same again"}'
    sampler = make_sampler(server, max_proposal_age=0)
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_int("x", 0, 1), n_trials=4)
    sources = trial_sources(study)
    # Two configurations exist: once both are tried, a repeat has no distinct variant.
    assert sources[2:] == ["duplicate", "duplicate"]
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


def test_parallel_threads_complete_without_duplicates(server) -> None:
    sampler = make_sampler(server)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=2)
    study.optimize(objective, n_trials=16, n_jobs=2)
    assert len(study.trials) == 18 and all(t.state == TrialState.COMPLETE for t in study.trials)
    proposals = [
        json.dumps(t.params, sort_keys=True)
        for t in study.trials
        if t.user_attrs["llm_source"] == "llm"
    ]
    assert len(proposals) >= 14 and len(set(proposals)) == len(proposals)
    assert sampler.get_statistics()["sampler_stats"]["proposals_requested"] == 17


def test_on_error_raise(server) -> None:
    study = optuna.create_study(sampler=make_sampler(server, on_error="raise"))
    study.optimize(objective, n_trials=1)
    server.set_fault("invalid_json")
    with pytest.raises(LLMProposalError) as info:
        study.optimize(objective, n_trials=1)
    assert info.value.kind == "invalid_json"


def test_authentication_failure_warns_once_and_stops_calling(server) -> None:
    sampler = make_sampler(server)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=1)
    server.set_fault("auth_error")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.optimize(objective, n_trials=4)
    assert sum(1 for w in caught if issubclass(w.category, LLMSamplerWarning)) == 1
    assert server.request_count == 1
    stats = sampler.get_statistics()
    assert stats["llm_disabled_reason"] == "authentication"
    assert [t.user_attrs["llm_reason"] for t in study.trials[1:]] == ["authentication"] * 4


def test_constructor_validates_arguments() -> None:
    with pytest.raises(ValueError, match="strategy"):
        LLMGuidedSampler(model="openai/x", strategy="magic")
    with pytest.raises(ValueError, match="on_error"):
        LLMGuidedSampler(model="openai/x", on_error="ignore")
    with pytest.raises(ValueError, match="timeout"):
        LLMGuidedSampler(model="openai/x", llm=LLMSettings(timeout=0))


def test_repr_and_statistics_never_show_the_key() -> None:
    sampler = LLMGuidedSampler(model="openai/x", llm=LLMSettings(api_key="sk-canary-abcdef123456"))
    assert "sk-canary" not in repr(sampler)
    assert "sk-canary" not in json.dumps(sampler.get_statistics())
