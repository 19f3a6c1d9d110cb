"""The twelve reproductions of issue 44, each a regression test: hostile answers from a loopback
server that answers anything, hostile user attributes and careless arguments give no crash, no
leaked secret, and a trial that records the right ``llm_reason``.

Every study runs as the issue ran them: ``LLMGuidedSampler("openai/m", api_base=<a loopback
server>, strategy="llm", timeout=2, max_retries=0)``. Trial 0 is the optimizer's (the search
space is not known yet); the LLM is asked from trial 1 on.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import math
import os
from pathlib import Path
import pickle
import secrets
import time
from typing import Any
import warnings

import optuna
from optuna.distributions import FloatDistribution
import pytest

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSamplerWarning
from llm_guided_optuna import LLMSettings
from llm_guided_optuna import PureLLM
from llm_guided_optuna._llm.client import import_litellm
from llm_guided_optuna._llm.client import LLMClient
from llm_guided_optuna._proposal.validator import ParameterValidator
from llm_guided_optuna.exceptions import LLMCallError
from tests.support.assertions import assert_all_params_valid
from tests.support.hostile_server import Answer
from tests.support.hostile_server import completion
from tests.support.hostile_server import HostileServer


TIMEOUT_S = 2.0


def sampler_for(
    server: HostileServer, strategy: Any = None, *, max_proposal_age: int = 0, **overrides: Any
) -> LLMGuidedSampler:
    """The sampler the reproductions use: the "llm" strategy, one configuration per call, no
    retry, on ``server``; ``overrides`` of LLMSettings' fields go into ``llm=``, the others to the
    sampler."""
    connection: dict[str, Any] = {
        "api_base": server.base_url,
        "timeout": TIMEOUT_S,
        "max_retries": 0,
    }
    for field in dataclasses.fields(LLMSettings):
        if field.name in overrides:
            connection[field.name] = overrides.pop(field.name)
    if strategy is None:
        strategy = PureLLM(proposals_per_call=1, max_proposal_age=max_proposal_age)
    return LLMGuidedSampler(
        "openai/m", strategy=strategy, seed=0, llm=LLMSettings(**connection), **overrides
    )


def x_and_opt(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    return x + (trial.suggest_categorical("opt", ["adam", "sgd"]) == "sgd")


def run(sampler: LLMGuidedSampler, objective: Any = x_and_opt, n_trials: int = 2) -> optuna.Study:
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=n_trials)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE] * n_trials
    assert_all_params_valid(study)
    return study


@pytest.fixture(autouse=True)
def _no_provider_keys(monkeypatch) -> None:
    """No key of the machine's environment takes part, unless a test sets one."""
    for name in ("OPENAI_API_KEY", "GEMINI_API_KEY", "M_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server():
    with HostileServer() as running:
        yield running


# 1 ------------------------------------------------------------------ an integer of 400 digits

HUGE = "1" + "0" * 400


@pytest.mark.parametrize(
    "suggest",
    [
        lambda t: t.suggest_float("x", 0.0, 1.0),
        lambda t: t.suggest_int("x", 0, 10),
        lambda t: t.suggest_categorical("x", [1, 2, 3]),
    ],
    ids=["float", "int", "numeric-categorical"],
)
def test_1_a_400_digit_integer_is_rejected_not_a_crash(server, suggest) -> None:
    server.answer = Answer(body=completion('{"parameters": {"x": ' + HUGE + "}}"))
    study = run(sampler_for(server), lambda t: float(suggest(t)))
    assert study.trials[1].user_attrs["llm_reason"] == "invalid_values"
    result = ParameterValidator().validate({"x": 10**400}, {"x": FloatDistribution(0, 1)})
    assert result.params == {} and "too large" in result.rejected["x"]


def test_1_a_400_digit_integer_in_the_default_strategys_warm_start(server) -> None:
    server.answer = Answer(body=completion('{"parameters": {"x": ' + HUGE + "}}"))
    study = run(sampler_for(server, strategy="trust"), n_trials=3)
    reasons = [t.user_attrs.get("llm_reason") for t in study.trials]
    assert "invalid_values" in reasons


# 2 ------------------------------------------------------------------ a slow drip: a deadline


@pytest.mark.parametrize("max_retries", [0, 1])
def test_2_a_slow_drip_holds_no_trial_past_the_documented_bound(server, max_retries) -> None:
    """Headers at once, then a byte a second for a minute: the trial ends within
    ``(max_retries + 1) * timeout`` plus the backoff, plus 2 s, recorded as ``timeout``."""
    import_litellm()  # Once per process, seconds: the library's import, not the request's.
    server.answer = Answer(body=b" ", drip_interval_s=1.0, drip_bytes=60)
    sampler = sampler_for(server, max_retries=max_retries, retry_backoff=0.01)
    study = optuna.create_study(sampler=sampler)
    study.optimize(x_and_opt, n_trials=1)  # The optimizer's trial: no request.
    started = time.monotonic()
    study.optimize(x_and_opt, n_trials=1)
    held = time.monotonic() - started
    bound = (max_retries + 1) * TIMEOUT_S + max_retries * 0.02
    assert held < bound + 2.0, f"the trial was held {held:.1f} s (bound {bound:g} s + 2 s)"
    assert study.trials[1].user_attrs["llm_reason"] == "timeout"
    assert len(server.headers) == max_retries + 1  # Each attempt reached the server.
    stats = sampler.get_statistics()["sampler_stats"]
    assert stats["failures"] == {"timeout": 1}


# 3 ------------------------------------------------------------------ masking before the cut


def leaked_places(study: optuna.Study, sampler: LLMGuidedSampler, *logs: str) -> str:
    texts = [json.dumps(t.user_attrs, default=str) for t in study.trials]
    texts.append(json.dumps(sampler.get_statistics(), default=str))
    texts.append(repr(sampler))
    return "\n".join([*texts, *logs])


@pytest.mark.parametrize("key_kind", ["sk", "AIza"])
def test_3_a_key_echoed_across_the_cut_is_masked(
    server, key_kind, caplog, optuna_logs, capsys
) -> None:
    key = (
        "sk-CANARY-" + secrets.token_hex(16)
        if key_kind == "sk"
        else "AIza" + secrets.token_urlsafe(27)[:35]
    )
    server.answer = Answer(status=500, body={"error": {"message": "rejected:" + (" " + key) * 12}})
    caplog.set_level(logging.DEBUG)
    with optuna_logs.at_level(logging.DEBUG):
        sampler = sampler_for(server, api_key=key)
        study = run(sampler)
    captured = capsys.readouterr()
    text = leaked_places(study, sampler, caplog.text, optuna_logs.text, captured.err, captured.out)
    assert study.trials[1].user_attrs["llm_reason"] == "server_error"
    assert "rejected" in study.trials[1].user_attrs["llm_call"]["error"]
    for length in range(8, len(key) + 1):  # Not a fragment of 8 characters or more.
        assert key[:length] not in text, f"{length} characters of the key leaked"


def test_3_a_key_echoed_in_the_answer_itself_is_masked(server) -> None:
    key = "sk-CANARY-" + secrets.token_hex(16)
    answer = {"parameters": {"x": key, "opt": "sgd"}, "rationale": f"your key is {key}"}
    server.answer = Answer(body=completion(answer))
    sampler = sampler_for(server, api_key=key)
    study = run(sampler)
    assert study.trials[1].user_attrs["llm_rationale"] == "your key is ***"
    assert key not in leaked_places(study, sampler)


def test_3_no_cut_leaves_a_fragment_of_the_key(server) -> None:
    """Wherever the cut at 300 characters falls in the echoed keys, no 8 characters survive."""
    key = "sk-CANARY-" + secrets.token_hex(16)
    client = LLMClient("openai/m", api_base=server.base_url, api_key=key, timeout=2, max_retries=0)
    for padding in range(len(key) + 1):
        message = "rejected:" + "x" * padding + (" " + key) * 12
        server.answer = Answer(status=500, body={"error": {"message": message}})
        with pytest.raises(LLMCallError) as info:
            client.complete([{"role": "user", "content": "hi"}])
        text = str(info.value)
        assert all(key[i : i + 8] not in text for i in range(len(key) - 7)), padding


# 4 ------------------------------------------------------------------ the environment's key


def test_4_an_environment_key_is_not_sent_to_an_api_base(server, monkeypatch) -> None:
    canary = "sk-env-" + secrets.token_hex(16)
    monkeypatch.setenv("OPENAI_API_KEY", canary)
    server.answer = Answer(body=completion('{"parameters": {"x": 0.25, "opt": "sgd"}}'))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study = run(sampler_for(server))
    assert all(canary not in h.get("authorization", "") for h in server.headers)
    assert study.trials[1].user_attrs["llm_source"] == "llm"
    said = [str(w.message) for w in caught if issubclass(w.category, LLMSamplerWarning)]
    assert len(said) == 1 and "OPENAI_API_KEY" in said[0] and canary not in said[0]
    assert "\n" not in said[0]
    # Given as api_key=, the same key is sent: the user asked for it.
    run(sampler_for(server, api_key=canary))
    assert canary in server.headers[-1]["authorization"]


# 5 ------------------------------------------------------------------ a password in the URL


def test_5_the_password_of_an_api_base_url_is_masked(server, caplog, optuna_logs) -> None:
    password = "PASSWORD" + secrets.token_hex(8)
    api_base = server.base_url.replace("http://", f"http://user:{password}@")
    server.answer = Answer(status=500, body={"error": {"message": f"failed at {api_base}"}})
    caplog.set_level(logging.DEBUG)
    with optuna_logs.at_level(logging.DEBUG):
        sampler = sampler_for(server, api_base=api_base)
        study = run(sampler)
        sampler._proposer._llm.client()  # Its repr, too.
    text = leaked_places(study, sampler, caplog.text, optuna_logs.text)
    text += repr(sampler._proposer._llm.client()) + repr(sampler._llm_settings)
    assert study.trials[1].user_attrs["llm_reason"] == "server_error"
    assert password not in text


# 6 ------------------------------------------------------------------ a lone surrogate


@pytest.mark.parametrize("cached", [True, False], ids=["cache_dir", "no-cache"])
def test_6_a_lone_surrogate_in_a_user_attribute(server, tmp_path, cached) -> None:
    server.answer = Answer(body=completion('{"parameters": {"x": 0.25, "opt": "sgd"}}'))
    sampler = sampler_for(server, cache_dir=tmp_path / "cache" if cached else None)
    study = optuna.create_study(sampler=sampler)
    study.set_user_attr("problem_description", "data in /srv/caf\udce9/")
    study.optimize(x_and_opt, n_trials=2)
    assert study.trials[1].user_attrs["llm_source"] == "llm"  # Sent, answered, used.
    assert "caf\\\\udce9" in server.bodies[-1]["messages"][-1]["content"]  # As its escape.
    if cached:
        assert len(list((tmp_path / "cache").glob("*.json"))) == 1


# 7 ------------------------------------------------------------------ a rejected value


def test_7_a_rejected_value_is_a_fallback_not_a_success(server) -> None:
    server.answer = Answer(body=completion('{"parameters": {"x": NaN, "opt": "adam"}}'))
    sampler = sampler_for(server)
    study = run(sampler)
    trial = study.trials[1]
    assert trial.user_attrs["llm_source"] == "llm+fallback"
    assert trial.user_attrs["llm_reason"] == "invalid_values"
    assert trial.params["opt"] == "adam"  # The usable value is used ...
    assert trial.user_attrs["llm_optimizer_params"] == ["x"]  # ... the rejected one replaced.
    assert "x" in trial.user_attrs["llm_call"]["rejected"]
    stats = sampler.get_statistics()["sampler_stats"]
    assert stats["fallback_uses"] == 1 and stats["fallback_reasons"] == {"invalid_values": 1}


# 8 ------------------------------------------------------------------ 200s that are no completion


def test_8_answers_that_are_no_completion_keep_the_structured_output(server) -> None:
    overloaded = Answer(body={"error": "overloaded"})
    server.answers = [overloaded, overloaded]
    server.answer = Answer(body=completion('{"parameters": {"x": 0.25, "opt": "sgd"}}'))
    sampler = sampler_for(server)
    study = run(sampler, n_trials=4)
    reasons = [t.user_attrs.get("llm_reason") for t in study.trials[1:]]
    assert reasons[:2] == ["invalid_response", "invalid_response"]
    assert study.trials[3].user_attrs["llm_source"] == "llm"
    assert server.bodies[-1]["response_format"]["type"] == "json_schema"  # Not "prompt".


# 9 ------------------------------------------------------------------ careless arguments


@pytest.mark.parametrize(
    ("model", "arguments", "error", "named"),
    [
        ("openai/m", {"optimizer": "tpe"}, TypeError, "optimizer"),
        ("openai/m", {"api_key": 123}, TypeError, "api_key"),
        (123, {}, TypeError, "model"),
        ("", {}, ValueError, "model"),
        ("openai/m", {"completion_kwargs": "x"}, TypeError, "completion_kwargs"),
        ("openai/m", {"timeout": math.inf}, ValueError, "timeout"),
        ("openai/m", {"timeout": "2"}, ValueError, "timeout"),
        ("openai/m", {"api_base": 8000}, TypeError, "api_base"),
        ("openai/m", {"api_base": "localhost:8000"}, ValueError, "api_base"),
        ("openai/m", {"max_retries": 1.5}, ValueError, "max_retries"),
        ("openai/m", {"on_error": "ignore"}, ValueError, "on_error"),
    ],
)
def test_9_a_careless_argument_is_refused_in_one_line_naming_it(
    model, arguments, error, named
) -> None:
    with pytest.raises(error) as info:
        LLMGuidedSampler(model, **arguments)
    message = str(info.value)
    assert message.startswith(named) and "\n" not in message


def test_9_a_cache_dir_that_is_a_file_is_refused(tmp_path) -> None:
    a_file = tmp_path / "cache"
    a_file.write_text("")
    with pytest.raises(ValueError, match=r"^cache_dir must be a directory"):
        LLMGuidedSampler("openai/m", cache_dir=a_file)


# 10 ----------------------------------------------------------------- pickle and deepcopy


def test_10_a_pickled_sampler_resumes_a_study_and_holds_no_key(server, monkeypatch) -> None:
    server.answer = Answer(body=completion('{"parameters": {"x": 0.25, "opt": "sgd"}}'))
    literal_key = "sk-literal-" + secrets.token_hex(12)
    sampler = sampler_for(server, api_key=literal_key, max_proposal_age=4)
    study = run(sampler, n_trials=2)
    data = pickle.dumps(sampler)
    assert literal_key.encode() not in data and literal_key[3:].encode() not in data
    restored = pickle.loads(data)
    study.sampler = restored
    server.answer = Answer(body=completion('{"parameters": {"x": 0.75, "opt": "adam"}}'))
    study.optimize(x_and_opt, n_trials=2)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE] * 4
    assert study.trials[2].user_attrs["llm_source"] == "llm"  # The restored sampler's call.
    assert study.trials[2].params == {"x": 0.75, "opt": "adam"}
    assert literal_key not in server.headers[-1]["authorization"]  # Not carried, not sent.
    assert restored.get_statistics()["sampler_stats"]["llm_calls"] >= 1
    assert_all_params_valid(study)

    # A key read from the environment is read from it again by the copy.
    monkeypatch.setenv("M_API_KEY", "sk-from-env-" + secrets.token_hex(12))
    from_environment = sampler_for(server, api_key=os.environ["M_API_KEY"])
    data = pickle.dumps(from_environment)
    assert b"sk-from-env-" not in data
    assert pickle.loads(data)._llm_settings.api_key.startswith("sk-from-env-")
    duplicate = copy.deepcopy(from_environment)
    run(duplicate)
    assert server.headers[-1]["authorization"].endswith(os.environ["M_API_KEY"])


# 11 ----------------------------------------------------------------- unclear reasons


@pytest.mark.parametrize(
    "answer",
    [
        completion('{"parameters": {"x": 0.25}}', usage="lots"),
        completion([{"type": "text", "text": '{"parameters": {"x": 0.25}}'}]),
        {"error": "overloaded"},
        {"error": {"code": 401, "message": "not a real 401"}},
        b"<html>busy</html>",
    ],
    ids=["malformed-usage", "content-parts", "error-200", "error-200-claiming-401", "html"],
)
def test_11_an_answer_that_is_no_completion_gets_a_clear_reason(server, answer) -> None:
    server.answer = Answer(body=answer)
    sampler = sampler_for(server)
    study = run(sampler, n_trials=3)
    for trial in study.trials[1:]:
        assert trial.user_attrs["llm_reason"] == "invalid_response"
        error = trial.user_attrs["llm_call"]["error"]
        assert error.startswith("no chat completion from 127.0.0.1:")
        assert "Traceback" not in error and not error.rstrip(")").endswith("-")
    assert sampler.get_statistics()["llm_disabled_reason"] is None  # A body's 401 is not one.


# 12 ----------------------------------------------------------------- a raising __str__


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text for you")

    __repr__ = __str__


def test_12_a_domain_knowledge_value_whose_str_raises(server) -> None:
    server.answer = Answer(body=completion('{"parameters": {"x": 0.25, "opt": "sgd"}}'))
    sampler = sampler_for(server)
    study = optuna.create_study(sampler=sampler)
    # In-memory storage keeps the object as it is (a database would refuse it earlier).
    study.set_user_attr("domain_knowledge", {"C": Unprintable(), "gamma": 1e308})
    study.set_user_attr("constraints", [Unprintable()])
    study.optimize(x_and_opt, n_trials=2)
    assert study.trials[1].user_attrs["llm_source"] == "llm"
    prompt = json.dumps(server.bodies[-1]["messages"])
    assert "Unprintable that cannot be shown" in prompt


# design point: a server's model name is bounded


def test_a_huge_model_name_from_the_server_is_bounded(server) -> None:
    server.answer = Answer(
        body=completion('{"parameters": {"x": 0.25, "opt": "sgd"}}', model="m" * 100_000)
    )
    study = run(sampler_for(server))
    assert len(study.trials[1].user_attrs["llm_call"]["model"]) <= 200


def test_the_docs_table_of_hostile_inputs_names_these_tests() -> None:
    """docs/reliability.md's table has one row per reproduction, each a test of this file, and
    every ``llm_reason`` it names is one these tests assert."""
    page = (Path(__file__).parents[1] / "docs" / "reliability.md").read_text(encoding="utf-8")
    table = page.split("## Hostile answers and careless callers")[1].split("\n## ")[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    numbers = [row.split("|")[1].strip() for row in rows[1:]]
    assert numbers[:12] == [str(n) for n in range(1, 13)]
    tests = {name.split("_")[1] for name in globals() if name.startswith("test_")}
    assert {str(n) for n in range(1, 13)} <= tests
    source = Path(__file__).read_text(encoding="utf-8")
    for reason in ("invalid_values", "timeout", "server_error", "invalid_response"):
        assert f"`{reason}`" in table and f'"{reason}"' in source
