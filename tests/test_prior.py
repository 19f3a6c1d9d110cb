"""Tests of the prior strategy: the LLM's beliefs weight the GP acquisition (πBO)."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import optuna
import pytest


pytest.importorskip("torch")

from llm_guided_optuna import HandoverSampler  # noqa: E402
from llm_guided_optuna import LLMGuidedSampler  # noqa: E402
from llm_guided_optuna import LLMSamplerWarning  # noqa: E402
from llm_guided_optuna import LLMSettings
from llm_guided_optuna import Prior
from llm_guided_optuna import PriorOptions  # noqa: E402
from llm_guided_optuna import Trust
from llm_guided_optuna._prior import configuration_prior as prior_module  # noqa: E402
from llm_guided_optuna._prior import sampler as prior_sampler_module  # noqa: E402
from llm_guided_optuna._prior.configuration_prior import build_prior  # noqa: E402
from llm_guided_optuna._prior.configuration_prior import ConfigurationPrior  # noqa: E402
from llm_guided_optuna._prior.sampler import PriorWeightedGPSampler  # noqa: E402
from tests.support.assertions import assert_all_params_valid  # noqa: E402
from tests.support.assertions import trial_sources  # noqa: E402
from tests.support.fault_server import FaultServer  # noqa: E402
from tests.support.mixed_space import objective  # noqa: E402
from tests.support.mixed_space import SPACE  # noqa: E402
from tests.support.schema_responder import RandomConfigurationResponder  # noqa: E402


optuna.logging.set_verbosity(optuna.logging.WARNING)


def test_the_prior_peaks_at_its_centres_and_falls_with_distance() -> None:
    prior = build_prior([{"x": 2.0, "lr": 1e-3, "layers": 4, "kind": "b"}], SPACE)
    assert prior is not None
    center = prior.centers[0]
    near, far = center.copy(), center.copy()
    near[0] += 0.05
    far[0] += 0.5
    other_kind = center.copy()
    other_kind[3] = 0.0  # "a" instead of "b"
    densities = prior.log_density_numpy(np.vstack([center, near, far, other_kind]))
    assert densities[0] == pytest.approx(0.0, abs=1e-9)
    assert densities[0] > densities[1] > densities[2]
    assert densities[3] == pytest.approx(math.log(0.15 / 0.7), abs=0.02)


def test_the_uniform_floor_bounds_how_far_the_prior_can_push() -> None:
    prior = build_prior([{"x": 2.0, "lr": 1e-3, "layers": 4, "kind": "b"}], SPACE)
    assert prior is not None
    corner = np.array([[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 2.0]])
    lowest = prior.log_density_numpy(corner)
    # Far from every belief the density is the floor: ε u(x) relative to the peak.
    assert np.allclose(lowest, math.log(0.05) - prior._log_peak, atol=0.05)
    assert lowest.min() > -10


def test_a_mixture_is_high_near_every_centre() -> None:
    prior = ConfigurationPrior(
        np.array([[0.2], [0.8]]), np.array([False]), np.array([0]), width=0.1
    )
    first, second, between = prior.log_density_numpy(np.array([[0.2], [0.8], [0.5]]))
    assert first == pytest.approx(second)
    assert between < first - 3


def test_beliefs_outside_the_space_or_incomplete_are_skipped() -> None:
    beliefs = [
        {"x": 99.0, "lr": 1e-3, "layers": 4, "kind": "b"},
        {"x": 1.0},
        {"x": 0.0, "lr": 1e-2, "layers": 2, "kind": "zzz"},
    ]
    assert build_prior(beliefs, SPACE) is None
    prior = build_prior(beliefs + [{"x": 0.0, "lr": 1e-2, "layers": 2, "kind": "c"}], SPACE)
    assert prior is not None and prior.centers.shape == (1, 4)


def test_without_strength_it_is_the_plain_gp_sampler() -> None:
    plain = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=3, n_startup_trials=4))
    weighted = optuna.create_study(
        sampler=PriorWeightedGPSampler(
            prior_strength=0.0, beliefs=[{"x": 2.0}], seed=3, n_startup_trials=4
        )
    )
    plain.optimize(objective, n_trials=7)
    weighted.optimize(objective, n_trials=7)
    assert [t.params for t in plain.trials] == [t.params for t in weighted.trials]


def test_a_strong_prior_pulls_the_suggestions_to_the_belief() -> None:
    belief = {"x": -4.0, "lr": 1e-5, "layers": 8, "kind": "a"}  # far from the optimum
    # The median check reads only the LLM's trials: with fixed beliefs it never weakens the prior.
    sampler = PriorWeightedGPSampler(
        prior_strength=1e4,
        beliefs=[belief],
        seed=0,
        n_startup_trials=4,
        reliability_estimate="median",
    )
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=8)
    for trial in study.trials[4:]:
        assert abs(trial.params["x"] - belief["x"]) < 1.0
        assert trial.params["kind"] == "a"


def test_the_density_check_lets_the_evidence_withdraw_a_strong_wrong_belief() -> None:
    belief = {"x": -4.0, "lr": 1e-5, "layers": 8, "kind": "a"}  # far from the optimum
    sampler = PriorWeightedGPSampler(
        prior_strength=1e4, beliefs=[belief], seed=0, n_startup_trials=4
    )
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=12)
    # The first trial near the belief did badly: the trials by the prior's density are now
    # anti-ordered, the prior has no weight, and the GP searches elsewhere.
    assert abs(study.trials[4].params["x"] - belief["x"]) < 1.0
    assert sampler._local.reliability == 0.0
    late = [abs(trial.params["x"] - belief["x"]) for trial in study.trials[8:]]
    assert sum(late) / len(late) > 3.0


def test_the_weight_decays_as_beta_over_n() -> None:
    sampler = PriorWeightedGPSampler(prior_strength=5.0, seed=0)
    assert [sampler.prior_weight(n) for n in (5, 10, 50)] == [1.0, 0.5, 0.1]


def _history(n: int) -> list[optuna.trial.FrozenTrial]:
    rng = np.random.default_rng(0)
    trials = []
    for _ in range(n):
        params = {
            "x": float(rng.uniform(-5, 5)),
            "lr": float(10 ** rng.uniform(-5, -1)),
            "layers": int(rng.integers(1, 9)),
            "kind": str(rng.choice(["a", "b", "c"])),
        }
        value = (
            (params["x"] - 2.0) ** 2
            + (math.log10(params["lr"]) + 3.0) ** 2
            + 0.1 * params["layers"]
        )
        trials.append(optuna.trial.create_trial(params=params, distributions=SPACE, value=value))
    return trials


@pytest.mark.parametrize("n_complete", [11, 12])
def test_past_the_handover_a_multivariate_tpe_proposes(n_complete: int) -> None:
    """At ``after_trials`` complete trials the TPE proposes exactly what a fresh multivariate
    TPE with the same seed would; before, the GP does (and proposes something else)."""
    history = _history(n_complete)
    ours = optuna.create_study(
        sampler=HandoverSampler(
            PriorWeightedGPSampler(beliefs=[{"x": 2.0}], seed=5),
            optuna.samplers.TPESampler(multivariate=True, seed=5),
            after_trials=12,
        )
    )
    tpe = optuna.create_study(sampler=optuna.samplers.TPESampler(multivariate=True, seed=5))
    for study in (ours, tpe):
        study.add_trials(history)
    asked = [study.ask(fixed_distributions=SPACE).params for study in (ours, tpe)]
    assert ours.sampler.handed_over(ours) is (n_complete >= 12)
    assert (asked[0] == asked[1]) is (n_complete >= 12)


def test_a_handover_needs_a_positive_number_of_trials() -> None:
    with pytest.raises(ValueError, match="after_trials"):
        HandoverSampler(PriorWeightedGPSampler(), optuna.samplers.TPESampler(), after_trials=0)
    with pytest.raises(ValueError, match="handover_trials"):
        PriorOptions(handover_trials=0)


def test_the_prior_strategy_hands_over_after_100_trials_or_never() -> None:
    default = LLMGuidedSampler(
        model="openai/test", seed=0, llm=LLMSettings(api_base="http://127.0.0.1:9")
    )
    assert isinstance(default.optimizer, HandoverSampler)
    assert default.optimizer.after_trials == 100
    assert isinstance(default.optimizer.first, PriorWeightedGPSampler)
    never = LLMGuidedSampler(
        model="openai/test",
        seed=0,
        llm=LLMSettings(api_base="http://127.0.0.1:9"),
        strategy=Trust(
            prior=PriorOptions(handover_trials=None, prior_width=0.1, n_startup_trials=8)
        ),
    )
    assert isinstance(never.optimizer, PriorWeightedGPSampler)
    assert never.optimizer.prior_width == 0.1 and never.optimizer._n_startup_trials == 8


def test_prior_strength_is_given_once() -> None:
    with pytest.raises(ValueError, match="not both"):
        LLMGuidedSampler(
            model="openai/test",
            llm=LLMSettings(api_base="http://127.0.0.1:9"),
            prior_strength=2.0,  # the flat names of 0.1.0
            prior=PriorOptions(),
        )
    with pytest.raises(TypeError, match="PriorOptions"):
        LLMGuidedSampler(
            model="openai/test",
            llm=LLMSettings(api_base="http://127.0.0.1:9"),
            strategy=Trust(prior={"beta": 1}),
        )


BELIEF = {"x": 2.0, "lr": 1e-3, "layers": 2, "kind": "a"}


def test_a_changed_optuna_gp_api_warns_once_and_the_gp_goes_on(monkeypatch) -> None:
    from llm_guided_optuna._prior import _gp_compat

    def changed(search_space):
        raise AttributeError("'SearchSpace' object has no attribute 'get_normalized_params'")

    monkeypatch.setattr(_gp_compat, "_space", changed)  # as an Optuna upgrade would break it
    sampler = PriorWeightedGPSampler(beliefs=[BELIEF], seed=0, n_startup_trials=3)
    study = optuna.create_study(sampler=sampler)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.optimize(objective, n_trials=6)
    said = [str(w.message) for w in caught if issubclass(w.category, LLMSamplerWarning)]
    assert len(said) == 1 and "Optuna's private GP code changed" in said[0]
    assert len(study.trials) == 6


def test_a_bug_in_the_prior_is_not_hidden_as_a_warning(monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("a bug of our own")

    monkeypatch.setattr(prior_sampler_module, "build_prior", broken)
    sampler = PriorWeightedGPSampler(beliefs=[BELIEF], seed=0, n_startup_trials=3)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=6, catch=(RuntimeError,))
    failed = [t for t in study.trials if t.state == optuna.trial.TrialState.FAIL]
    assert failed, "the prior's own error reached no trial"


def test_the_prior_strategy_makes_one_llm_call_and_reads_its_beliefs_from_storage(
    tmp_path,
) -> None:
    with FaultServer(responder=RandomConfigurationResponder(seed=5)) as server:
        sampler = LLMGuidedSampler(
            model="openai/test",
            seed=0,
            llm=LLMSettings(api_base=server.base_url, api_key="sk-test", timeout=5),
            strategy=Prior(warm_start_trials=4),
        )
        storage = f"sqlite:///{tmp_path / 'prior.db'}"
        study = optuna.create_study(storage=storage, sampler=sampler)
        study.optimize(objective, n_trials=12)
        assert len(server.requests) == 1
    sources = [t.user_attrs["llm_source"] for t in study.trials]
    assert sources[:5] == ["optimizer", "llm", "llm", "llm", "llm"]
    assert {t.user_attrs["llm_reason"] for t in study.trials[5:]} == {"schedule"}
    beliefs = prior_module.llm_beliefs(
        optuna.load_study(study_name=study.study_name, storage=storage).trials
    )
    assert beliefs == [t.user_attrs["llm_proposal"] for t in study.trials[1:5]]
    assert isinstance(sampler.optimizer.first, PriorWeightedGPSampler)
    assert sampler.get_statistics()["sampler_stats"]["llm_calls"] == 1
    assert_all_params_valid(study)


@pytest.mark.parametrize(("warm_start_trials", "n_startup"), [(1, 5), (3, 5), (4, 5), (6, 7)])
def test_the_gp_takes_over_after_an_initial_design_of_five_trials_or_the_warm_start(
    warm_start_trials: int, n_startup: int
) -> None:
    sampler = LLMGuidedSampler(
        model="openai/test",
        seed=0,
        llm=LLMSettings(api_base="http://127.0.0.1:9"),
        strategy=Prior(warm_start_trials=warm_start_trials),
    )
    assert isinstance(sampler.optimizer.first, PriorWeightedGPSampler)
    assert sampler.optimizer.first._n_startup_trials == n_startup


def test_a_warm_start_answer_repeating_itself_leaves_the_other_trials_to_the_initial_design() -> (
    None
):
    same = {
        "parameters": {"x": 1.5, "lr": 1e-3, "layers": 3, "kind": "b"},
        "rationale": "same again",
    }
    with FaultServer(
        responder=lambda request: json.dumps({"configurations": [same] * 4})
    ) as server:
        sampler = LLMGuidedSampler(
            model="openai/test",
            seed=0,
            llm=LLMSettings(api_base=server.base_url, api_key="sk-test", timeout=5),
            strategy=Prior(warm_start_trials=4),
        )
        study = optuna.create_study(sampler=sampler)
        study.optimize(objective, n_trials=8)
        assert len(server.requests) == 1
    reasons = trial_sources(study)
    assert reasons[1:5] == [
        "llm",
        "warm_start_answered",
        "warm_start_answered",
        "warm_start_answered",
    ]
    assert study.trials[1].params == same["parameters"]
    assert len({json.dumps(t.params, sort_keys=True) for t in study.trials}) == 8
    stats = sampler.get_statistics()["sampler_stats"]
    assert stats["duplicates_perturbed"] == 0 and stats["success_rate"] == 1.0
    assert stats["optimizer_reasons"]["warm_start_answered"] == 3 and stats["fallback_uses"] == 0


def test_a_warm_start_of_one_configuration_per_call_calls_for_each_trial() -> None:
    same = {
        "parameters": {"x": 1.5, "lr": 1e-3, "layers": 3, "kind": "b"},
        "rationale": "same again",
    }
    with FaultServer(responder=lambda request: json.dumps(same)) as server:
        sampler = LLMGuidedSampler(
            model="openai/test",
            seed=0,
            llm=LLMSettings(api_base=server.base_url, api_key="sk-test", timeout=5),
            strategy=Prior(warm_start_trials=4, proposals_per_call=1),
        )
        study = optuna.create_study(sampler=sampler)
        study.optimize(objective, n_trials=6)
        assert len(server.requests) == 4
    reasons = trial_sources(study)
    assert reasons[1:5] == ["llm", "duplicate", "duplicate", "duplicate"]


def test_each_trial_records_the_prior_weight_it_was_proposed_with() -> None:
    sampler = PriorWeightedGPSampler(beliefs=[BELIEF], seed=0, n_startup_trials=3)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=6)
    for trial in study.trials[1:]:
        weight = trial.user_attrs["llm_prior_weight"]
        reliability = trial.user_attrs["llm_prior_reliability"]
        assert 0.0 <= reliability <= 1.0
        assert weight == pytest.approx(
            reliability * sampler.prior_strength / trial.number, abs=1e-6
        )
