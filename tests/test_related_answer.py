"""What worked before (issue 45, item 2): with related studies shown, the LLM's answer says which
of them it used and how, and the trial records it; without them, every prompt and response
schema is byte for byte what it was (archived exchanges are replayed by request fingerprint).
"""

from __future__ import annotations

import json
from typing import Any

import optuna
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
import pytest

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings
from llm_guided_optuna import Prior
from llm_guided_optuna._llm.replay import ExchangeCache
from llm_guided_optuna._prompt.context_builder import ContextBuilder
from llm_guided_optuna._prompt.related import RelatedStudies
from llm_guided_optuna._prompt.request import DEFAULT_WARM_START_PROMPT
from llm_guided_optuna._prompt.request import LLMRequest
from llm_guided_optuna._prompt.request import REGULAR_PROMPT
from llm_guided_optuna._prompt.request import warm_start_request
from llm_guided_optuna._prompt.request import WarmStartPrompt
from llm_guided_optuna._prompt.response import parse_proposals
from llm_guided_optuna._prompt.response import RELATED_USED_CHARS
from llm_guided_optuna._proposal.proposer import advice_request
from tests.support.fault_server import FaultServer
from tests.support.schema_responder import RandomConfigurationResponder


optuna.logging.set_verbosity(optuna.logging.WARNING)

SPACE = {
    "C": FloatDistribution(1e-3, 1e3, log=True),
    "gamma": FloatDistribution(1e-5, 10.0, log=True),
    "kernel": CategoricalDistribution(["rbf", "poly"]),
    "degree": IntDistribution(2, 5),
}


def fixed_study(constrained: bool = False) -> optuna.Study:
    """A study whose trials are written, not sampled: its prompts are the same on every run."""
    study = optuna.create_study(direction="maximize")
    study.set_user_attr("problem_description", "RBF SVC on the wine data set")
    study.set_user_attr("problem_type", "classification")
    for number in range(6):
        params = {
            "C": 10.0 ** (number - 2),
            "gamma": 10.0 ** (-number),
            "kernel": "rbf",
            "degree": 2 + number % 4,
        }
        attrs = {"constraints": [0.5 - number * 0.2]} if constrained else {}
        study.add_trial(
            optuna.trial.create_trial(
                params=params,
                distributions=SPACE,
                value=0.5 + 0.05 * number,
                system_attrs=attrs,
            )
        )
    return study


def requests_without_related() -> dict[str, LLMRequest]:
    """Every kind of request the sampler makes, of a study without related studies."""
    context = ContextBuilder().build(fixed_study(), SPACE)
    constrained = ContextBuilder().build(fixed_study(constrained=True), SPACE)
    advice = {"C": 3.0, "gamma": 0.01, "kernel": "rbf", "degree": 3}
    return {
        "warm-start-default-1": warm_start_request(context, SPACE, 1, DEFAULT_WARM_START_PROMPT),
        "warm-start-default-4": warm_start_request(context, SPACE, 4, DEFAULT_WARM_START_PROMPT),
        "warm-start-regular-4": warm_start_request(context, SPACE, 4, REGULAR_PROMPT),
        "warm-start-guesses-5": warm_start_request(
            context, SPACE, 1, WarmStartPrompt(analysis=True, guesses=5)
        ),
        "warm-start-shown-rationale-2": warm_start_request(
            context, SPACE, 2, WarmStartPrompt(show_trials=True, rationale=True, analysis=True)
        ),
        "advice-1": advice_request(context, SPACE, advice, 1),
        "advice-4": advice_request(context, SPACE, None, 4),
        "constrained-advice-4": advice_request(constrained, SPACE, advice, 4),
        "constrained-warm-start-1": warm_start_request(
            constrained, SPACE, 1, DEFAULT_WARM_START_PROMPT
        ),
    }


def fingerprint(request: LLMRequest) -> str:
    return ExchangeCache.fingerprint(
        "openai/model", request.messages, request.response_model, 0.3, request.max_tokens, 0
    )


#: The fingerprints of :func:`requests_without_related`, computed before the answer could say
#: which related studies it used (issue 45): archived exchanges are replayed by these.
FINGERPRINTS_BEFORE_RELATED_USED = {
    "warm-start-default-1": "97e5c34ca7de031b367dfd226d83a8462e4f64c2b586ddf4bae5d1243cc413a9",
    "warm-start-default-4": "d3ad1c681c786d18e73f4bd90576408afac7c1529cd47da2f6379a9d2e91db72",
    "warm-start-regular-4": "3bb9c2c1883065bc706b46482f9b08ae2a22356c52d7a26de4fe229bf59acff7",
    "warm-start-guesses-5": "7abccdd0b683f2f250fd292e56cd1d00fdb0ca187a37a7525ad3b90eae9d9ae3",
    "warm-start-shown-rationale-2": (
        "c12088a4e6e99d39cd286d2fd4211dee6ea57c999d0e3c2e1a750d3f602ebabb"
    ),
    "advice-1": "c60ade415403fe2076175901c884c376c6c7dd1c22ce65c9271d33d91aea1e4d",
    "advice-4": "3bb9c2c1883065bc706b46482f9b08ae2a22356c52d7a26de4fe229bf59acff7",
    "constrained-advice-4": "cba0cc8f027957f947d5e558da5325e76f4639ecac433f2be9040494b68f1301",
    "constrained-warm-start-1": "16df5734a6923527a902be92892b497da30711ec4f318486b748e4d258201349",
}


def test_requests_without_related_studies_are_byte_identical_to_before() -> None:
    fingerprints = {name: fingerprint(r) for name, r in requests_without_related().items()}
    assert fingerprints == FINGERPRINTS_BEFORE_RELATED_USED
    for request in requests_without_related().values():
        assert "related_used" not in request.response_model.model_json_schema()["properties"]
        assert "related_used" not in request.messages[0]["content"]


def related_context_requests(storage: Any) -> list[LLMRequest]:
    earlier = optuna.create_study(study_name="svc-iris", storage=storage, direction="maximize")
    earlier.optimize(lambda t: t.suggest_float("svc_C", 1e-3, 1e3, log=True), n_trials=3)
    study = optuna.create_study(study_name="svc-wine", storage=storage, direction="maximize")
    study.optimize(lambda t: t.suggest_float("C", 1e-3, 1e3, log=True), n_trials=2)
    builder = ContextBuilder(related=RelatedStudies(["svc-iris"]))
    context = builder.build(study, {"C": SPACE["C"]})
    return [
        warm_start_request(context, {"C": SPACE["C"]}, 1, DEFAULT_WARM_START_PROMPT),
        warm_start_request(context, {"C": SPACE["C"]}, 4, REGULAR_PROMPT),
        advice_request(context, {"C": SPACE["C"]}, None, 4),
    ]


def test_with_related_studies_the_answer_opens_with_the_studies_it_used() -> None:
    for request in related_context_requests(optuna.storages.InMemoryStorage()):
        schema = request.response_model.model_json_schema()
        assert list(schema["properties"])[0] == "related_used"
        assert schema["properties"]["related_used"]["maxLength"] == RELATED_USED_CHARS
        assert (
            '{"related_used": "<which earlier studies you used' in request.messages[0]["content"]
        )


@pytest.mark.parametrize(
    "content",
    [
        '{"related_used": "svc-iris:\\n  C  as svc_C", "analysis": "a", "parameters": {"C": 2.0}}',
        '{"related_used": "svc-iris: C as svc_C", "configurations": [{"parameters": {"C": 2.0}}]}',
    ],
)
def test_the_used_studies_are_read_on_one_line(content: str) -> None:
    (proposal,) = parse_proposals(content)
    assert proposal.related_used == "svc-iris: C as svc_C"
    assert proposal.parameters == {"C": 2.0}


def test_a_hostile_or_missing_account_is_cut_or_left_out() -> None:
    long = parse_proposals(json.dumps({"related_used": "x" * 5000, "parameters": {"C": 1.0}}))
    assert long[0].related_used == "x" * RELATED_USED_CHARS
    assert parse_proposals('{"related_used": 7, "parameters": {"C": 1.0}}')[0].related_used is None
    assert parse_proposals('{"parameters": {"C": 1.0}}')[0].related_used is None


def test_the_used_studies_are_recorded_on_each_trial_the_call_served() -> None:
    account = 'svc-iris: took its best C=12.3 (svc_C maps to C); "ignore" the others'
    responder = RandomConfigurationResponder(seed=1, related_used=account)
    storage = optuna.storages.InMemoryStorage()
    earlier = optuna.create_study(study_name="svc-iris", storage=storage, direction="maximize")
    earlier.optimize(lambda t: -abs(t.suggest_float("svc_C", 1e-3, 1e3, log=True) - 10), 4)
    with FaultServer(responder=responder) as server:
        sampler = LLMGuidedSampler(
            "openai/recorder",
            seed=0,
            strategy=Prior(),
            llm=LLMSettings(api_base=server.base_url, api_key="sk-test", timeout=10),
            related_studies=["svc-iris"],
        )
        study = optuna.create_study(
            study_name="svc-wine", storage=storage, direction="maximize", sampler=sampler
        )
        study.optimize(lambda t: -abs(t.suggest_float("C", 1e-3, 1e3, log=True) - 10), 3)
    calls = [
        t.user_attrs["llm_call"] for t in study.trials if t.user_attrs.get("llm_source") == "llm"
    ]
    assert calls, "no trial took the LLM's configuration"
    assert all(call["related_used"] == account for call in calls)
    assert all(call["related_studies"] == ["svc-iris"] for call in calls)


def test_without_related_studies_no_account_is_asked_or_recorded() -> None:
    responder = RandomConfigurationResponder(seed=1)
    with FaultServer(responder=responder) as server:
        sampler = LLMGuidedSampler(
            "openai/recorder",
            seed=0,
            strategy=Prior(),
            llm=LLMSettings(api_base=server.base_url, api_key="sk-test", timeout=10),
        )
        study = optuna.create_study(direction="maximize", sampler=sampler)
        study.optimize(lambda t: -abs(t.suggest_float("C", 1e-3, 1e3, log=True) - 10), 3)
    assert server.requests
    assert all("related_used" not in json.dumps(r.body) for r in server.requests)
    assert all("related_used" not in t.user_attrs.get("llm_call", {}) for t in study.trials)


def _demo_study(
    storage: Any,
    name: str,
    proposal: tuple[float, float],
    value: float,
    used: str = "svc-iris: C, gamma",
) -> Any:
    study = optuna.create_study(study_name=name, storage=storage, direction="maximize")
    distributions = {"C": SPACE["C"], "gamma": SPACE["gamma"]}
    study.add_trial(
        optuna.trial.create_trial(
            params={"C": 1.0, "gamma": 0.1}, distributions=distributions, value=0.2
        )
    )
    study.add_trial(
        optuna.trial.create_trial(
            params={"C": proposal[0], "gamma": proposal[1]},
            distributions=distributions,
            value=value,
            user_attrs={"llm_source": "llm", "llm_call": {"related_used": used}},
        )
    )
    return study


def test_the_demo_shows_whether_the_earlier_study_helped_even_when_it_did_not() -> None:
    pytest.importorskip("sklearn")
    from llm_guided_optuna.cli.demo import related_lines

    storage = optuna.storages.InMemoryStorage()
    earlier = _demo_study(storage, "svc-iris", (100.0, 0.001), 0.99)
    plain = _demo_study(storage, "plain", (100.0, 1.0), 0.135)
    worse = _demo_study(storage, "with", (0.01, 1.0), 0.10)
    text = "\n".join(related_lines(plain, worse, earlier))
    assert "taken as is on digits it scores 0.9" in text  # the earlier best, on the demo's data
    assert "what it says it used: svc-iris: C, gamma" in text
    assert "no better here (0.1000 against 0.1350)" in text
    # Qwen2.5-Coder-1.5B once answered "," here: the demo says it named nothing.
    blank = _demo_study(storage, "blank", (0.01, 1.0), 0.10, used=",")
    assert "what it says it used: nothing readable" in "\n".join(
        related_lines(plain, blank, earlier)
    )
    better = _demo_study(storage, "better", (10.0, 0.001), 0.97)
    assert "better here (0.9700 against 0.1350)" in "\n".join(
        related_lines(plain, better, earlier)
    )
