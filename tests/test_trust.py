"""Tests of the trust strategy: the LLM is asked again while its trials outrank the others."""

from __future__ import annotations

import math

import optuna
from optuna.distributions import FloatDistribution
import pytest

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings
from llm_guided_optuna import Trust
from llm_guided_optuna._attrs import LLM_SOURCES
from llm_guided_optuna._attrs import PROPOSAL_ATTR
from llm_guided_optuna._sampler.trust import EvidenceTrust
from llm_guided_optuna._sampler.trust import IN_PROCESS_MAX_LLM_TRIALS
from llm_guided_optuna._sampler.trust import new_bests_after_warm_start
from llm_guided_optuna._sampler.trust import SERVED_MAX_LLM_TRIALS
from tests.support.fault_server import FaultServer
from tests.support.schema_responder import RandomConfigurationResponder


optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", 1e-4, 1.0, log=True)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    return x**2 + abs(math.log10(y) + 2) + 3 * (kind == "b")


def study_with(values: list[tuple[float, bool]]) -> optuna.Study:
    """A study of complete trials ``(value, proposed by the LLM)``."""
    study = optuna.create_study()
    for value, by_llm in values:
        attrs = {PROPOSAL_ATTR: {"x": value}} if by_llm else {}
        study.add_trial(
            optuna.trial.create_trial(
                params={"x": value},
                distributions={"x": FloatDistribution(-10, 10)},
                value=value,
                user_attrs=attrs,
            )
        )
    return study


def test_trust_is_zero_without_evidence() -> None:
    schedule = EvidenceTrust()
    assert schedule.trust(study_with([]).trials, [optuna.study.StudyDirection.MINIMIZE]) == 0.0
    only_llm = study_with([(1.0, True), (2.0, True)])
    assert schedule.trust(only_llm.trials, only_llm.directions) == 0.0


def test_trust_rises_with_the_pairs_won_and_falls_to_zero_at_chance() -> None:
    schedule = EvidenceTrust(pseudo_pairs=1.0)
    best = study_with([(0.0, True), (1.0, False), (2.0, False), (3.0, False), (4.0, False)])
    assert schedule.trust(best.trials, best.directions) == pytest.approx(2 * 4.5 / 5 - 1)
    middle = study_with([(2.0, True), (1.0, False), (3.0, False)])
    assert schedule.trust(middle.trials, middle.directions) == 0.0
    worst = study_with([(9.0, True), (1.0, False), (2.0, False)])
    assert schedule.trust(worst.trials, worst.directions) == 0.0
    # Maximised: the same values, the order reversed.
    maximised = optuna.create_study(direction="maximize")
    for trial in worst.trials:
        maximised.add_trial(trial)
    assert schedule.trust(maximised.trials, maximised.directions) == pytest.approx(2 * 2.5 / 3 - 1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"share": 1.5}, "share"),
        ({"max_llm_trials": -1}, "max_llm_trials"),
    ],
)
def test_bad_settings_are_refused(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        Trust(**kwargs)
    with pytest.raises(ValueError, match="pseudo_pairs"):
        EvidenceTrust(pseudo_pairs=-1)


def run_study(fixed: dict, n_trials: int = 16, **options) -> tuple[optuna.Study, FaultServer]:
    """A study under ``Trust(share=1.0, **options)`` whose advisor answers ``fixed`` values."""
    server = FaultServer(responder=RandomConfigurationResponder(seed=1, fixed=fixed))
    with server:
        sampler = LLMGuidedSampler(
            model="openai/test",
            seed=0,
            llm=LLMSettings(
                api_base=server.base_url, api_key="sk-test", retry_backoff=0.01, timeout=5
            ),
            strategy=Trust(share=1.0, **options),
        )
        study = optuna.create_study(sampler=sampler)
        study.optimize(objective, n_trials=n_trials)
    return study, server


def llm_trials(study: optuna.Study) -> list[int]:
    return [t.number for t in study.trials if t.user_attrs.get("llm_source") in LLM_SOURCES]


def test_an_advisor_whose_trials_pay_is_asked_again() -> None:
    study, server = run_study({"x": 0.0, "kind": "a"})
    asked = llm_trials(study)
    assert asked[0] == 1 and len(asked) >= 4, asked
    # Every later request shows the LLM the history: the first trial is in it.
    assert len(server.requests) == len(asked)
    for number, request in zip(asked[1:], server.requests[1:]):
        assert f"{number} complete" in request.body["messages"][-1]["content"]


def test_an_advisor_whose_trials_do_not_pay_is_not_asked_again() -> None:
    study, server = run_study({"x": 5.0, "kind": "b"})
    assert llm_trials(study) == [1]
    assert len(server.requests) == 1
    assert {t.user_attrs["llm_reason"] for t in study.trials[2:]} == {"schedule"}


def test_the_trust_strategy_builds_its_prior_from_every_llm_trial() -> None:
    study, _ = run_study({"x": 0.0, "kind": "a"})
    from llm_guided_optuna._prior.configuration_prior import llm_beliefs

    assert len(llm_beliefs(study.trials)) == min(8, len(llm_trials(study)))


def test_the_llm_is_asked_for_at_most_max_llm_trials_after_the_warm_start() -> None:
    study, server = run_study({"x": 0.0, "kind": "a"}, max_llm_trials=2, reward_new_bests=False)
    assert len(llm_trials(study)) == 3
    assert len(server.requests) == 3
    assert {
        t.user_attrs["llm_reason"] for t in study.trials if t.number > max(llm_trials(study))
    } == {"schedule"}


def test_a_later_llm_trial_that_beats_every_other_earns_one_more() -> None:
    study, _ = run_study({"x": 0.0, "kind": "a"}, max_llm_trials=2, reward_new_bests=True)
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    earned = new_bests_after_warm_start(complete, study.directions, warm_start_trials=1)
    assert earned >= 1  # the advisor's x=0 is the optimum: its later trials set new bests
    assert len(llm_trials(study)) == 1 + 2 + earned


def test_by_default_no_llm_trial_replaces_a_random_start_up_trial() -> None:
    assert Trust().reask_after is None and Trust().reward_new_bests
    study, _ = run_study({"x": 0.0, "kind": "a"})
    assert [t.user_attrs["llm_source"] for t in study.trials[:5]] == [
        "optimizer",
        "llm",
        "optimizer",
        "optimizer",
        "optimizer",
    ]


def test_the_llm_is_not_asked_again_before_the_start_up_design_is_complete() -> None:
    def study_with(values: list[float]) -> optuna.Study:
        """Complete trials of ``values``; the second is the LLM's (and the best)."""
        study = optuna.create_study()
        for number, value in enumerate(values):
            attrs = {PROPOSAL_ATTR: {"x": 0.0}} if number == 1 else {}
            study.add_trial(optuna.trial.create_trial(value=value, user_attrs=attrs))
        return study

    asking = EvidenceTrust(max_share=1.0, reask_after=0, seed=0)
    waiting = EvidenceTrust(max_share=1.0, reask_after=5, seed=0)

    def asked(schedule: EvidenceTrust, study: optuna.Study) -> list[bool]:
        answers = []
        for _ in range(30):
            study.ask()
            answers.append(schedule.ask_llm(study, study.trials[-1]))  # a running trial
        return answers

    assert any(asked(asking, study_with([5.0, 0.0, 4.0, 6.0])))
    assert not any(asked(waiting, study_with([5.0, 0.0, 4.0, 6.0])))
    five = study_with([5.0, 0.0, 4.0, 6.0, 7.0])
    assert any(asked(waiting, five))
    # The trust it decided by is recorded on the trial: why the LLM was (not) asked.
    assert five.trials[-1].user_attrs["llm_trust"] == pytest.approx(0.8)


def test_the_default_budget_depends_on_where_the_model_runs() -> None:
    with FaultServer(responder=RandomConfigurationResponder(seed=1)) as server:
        served = LLMGuidedSampler(
            model="openai/test",
            strategy="trust",
            llm=LLMSettings(api_base=server.base_url, api_key="sk-test"),
        )
    in_process = LLMGuidedSampler(model="embedded/smollm2-135m", strategy="trust")
    assert served._schedule.max_llm_trials == SERVED_MAX_LLM_TRIALS
    assert in_process._schedule.max_llm_trials == IN_PROCESS_MAX_LLM_TRIALS
