"""Secrets never leak, budgets are honoured, and arbitrary LLM payloads give valid studies.

The canary key is searched everywhere a user or an attacker could read it: the SQLite study
file, trial attributes, logs at every level, warnings, ``repr`` of the sampler, statistics and
exception messages. The fault server echoes it in its error messages, as careless providers do.
"""

from __future__ import annotations

import json
import logging
import secrets
import warnings

from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
import optuna
import pytest

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMProposalError
from llm_guided_optuna import LLMSamplerWarning
from llm_guided_optuna import LLMSettings
from llm_guided_optuna import PureLLM
from llm_guided_optuna import Trust
from tests.support.assertions import assert_all_params_valid
from tests.support.fault_server import FaultServer
from tests.support.schema_responder import RandomConfigurationResponder


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -3, 3)
    n = trial.suggest_int("n", 1, 64, log=True)
    act = trial.suggest_categorical("act", ["relu", "tanh", None])
    return x * x + n / 64 + (act is None)


@pytest.fixture
def server():
    with FaultServer(responder=RandomConfigurationResponder(seed=5)) as running:
        yield running


@pytest.mark.parametrize("key_given_as", ["argument", "environment"])
def test_canary_key_appears_nowhere(
    server, tmp_path, monkeypatch, caplog, optuna_logs, capsys, key_given_as
) -> None:
    canary = "sk-canary-" + secrets.token_hex(16)
    key = canary if key_given_as == "argument" else None
    if key_given_as == "environment":
        monkeypatch.setenv("OPENAI_API_KEY", canary)
    storage_file = tmp_path / "study.db"
    caplog.set_level(logging.DEBUG)
    optuna.logging.set_verbosity(optuna.logging.DEBUG)
    leaked_texts: list[str] = []
    try:
        sampler = LLMGuidedSampler(
            model="openai/test",
            seed=0,
            strategy="llm",
            llm=LLMSettings(
                api_key=key, api_base=server.base_url, retry_backoff=0.01, timeout=5, max_retries=1
            ),
        )
        study = optuna.create_study(storage=f"sqlite:///{storage_file}", sampler=sampler)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            study.optimize(objective, n_trials=3)
            for fault in ["invalid_json", "server_error", "bad_request"]:
                server.set_fault(fault, message=f"Incorrect API key provided: {canary}")
                study.optimize(objective, n_trials=1)
            server.set_fault("auth_error", message=f"Incorrect API key provided: {canary}")
            study.optimize(objective, n_trials=2)
        leaked_texts += [str(w.message) for w in caught]
        assert any(issubclass(w.category, LLMSamplerWarning) for w in caught)

        raising = LLMGuidedSampler(
            model="openai/test",
            seed=0,
            strategy="llm",
            on_error="raise",
            llm=LLMSettings(
                api_key=key, api_base=server.base_url, retry_backoff=0.01, timeout=5, max_retries=0
            ),
        )
        server.set_fault(None)
        raising_study = optuna.create_study(sampler=raising)
        raising_study.optimize(objective, n_trials=1)
        server.set_fault("server_error", message=f"Incorrect API key provided: {canary}")
        with pytest.raises(LLMProposalError) as info:
            raising_study.optimize(objective, n_trials=1)
        leaked_texts += [str(info.value), repr(info.value), repr(sampler), repr(raising)]
        leaked_texts.append(json.dumps(sampler.get_statistics(), default=str))
    finally:
        optuna.logging.set_verbosity(optuna.logging.WARNING)

    sent = any(canary in r.headers.get("authorization", "") for r in server.requests)
    if key_given_as == "argument":  # The server did receive the key: the canary is live.
        assert sent
    else:  # An environment key is never sent to an api_base (issue 44); a warning names it.
        assert not sent
        assert any("OPENAI_API_KEY is set but not sent" in text for text in leaked_texts)
    reloaded = optuna.load_study(study_name=study.study_name, storage=f"sqlite:///{storage_file}")
    for trial in reloaded.trials:
        leaked_texts.append(json.dumps(trial.user_attrs, default=str))
        leaked_texts.append(json.dumps(trial.system_attrs, default=str))
    captured = capsys.readouterr()
    leaked_texts += [caplog.text, optuna_logs.text, captured.out, captured.err]
    assert optuna_logs.records  # the library's DEBUG lines were read
    assert canary.encode() not in storage_file.read_bytes()
    for text in leaked_texts:
        assert canary not in text
    assert "llm_reason" in reloaded.trials[-1].user_attrs


def test_call_budget_stops_the_llm_and_says_so_once(server) -> None:
    sampler = LLMGuidedSampler(
        model="openai/test",
        seed=0,
        max_llm_calls=2,
        llm=LLMSettings(api_base=server.base_url, api_key="sk-x"),
        strategy=PureLLM(proposals_per_call=1, max_proposal_age=0),
    )
    study = optuna.create_study(sampler=sampler)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.optimize(objective, n_trials=8)
    assert server.request_count == 2
    assert sum(1 for w in caught if issubclass(w.category, LLMSamplerWarning)) == 1
    assert sampler.get_statistics()["llm_disabled_reason"] == "budget_llm_calls"
    assert [t.user_attrs["llm_reason"] for t in study.trials[3:]] == ["budget_llm_calls"] * 5
    assert_all_params_valid(study)


def test_cost_budget_stops_the_llm() -> None:
    content = json.dumps({"parameters": {"x": 0.5}, "rationale": "r"})
    sampler = LLMGuidedSampler(
        model="gpt-4o-mini",
        seed=0,
        max_cost_usd=1e-9,
        llm=LLMSettings(completion_kwargs={"mock_response": content}),
    )
    study = optuna.create_study(sampler=sampler)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    stats = sampler.get_statistics()
    assert stats["sampler_stats"]["llm_calls"] == 1 and stats["sampler_stats"]["cost_usd"] > 0
    assert stats["llm_disabled_reason"] == "budget_cost"
    assert any("budget" in str(w.message) for w in caught)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
payloads = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda p: json.dumps({"parameters": p, "rationale": "fuzz"}),
        st.dictionaries(st.sampled_from(["x", "n", "act", "other"]), json_values, max_size=5),
    ),
    st.builds(lambda c: json.dumps({"configurations": c}), st.lists(json_values, max_size=4)),
    st.builds(json.dumps, json_values),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=payloads)
def test_any_llm_payload_gives_a_completed_study_with_valid_parameters(payload: str) -> None:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    sampler = LLMGuidedSampler(
        model="openai/fuzz",
        seed=0,
        llm=LLMSettings(completion_kwargs={"mock_response": payload}),
        strategy=Trust(proposals_per_call=1, max_proposal_age=0),
    )
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=2)
    assert len(study.trials) == 2
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    assert_all_params_valid(study)
    stats = sampler.get_statistics()["sampler_stats"]
    assert stats["llm_successes"] + sum(stats["failures"].values()) == 1
