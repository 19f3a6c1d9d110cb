"""Tests of the reliability checks: how far the study's evidence supports the LLM's beliefs."""

from __future__ import annotations

import warnings

import optuna
from optuna.distributions import FloatDistribution
import pytest


pytest.importorskip("torch")

from llm_guided_optuna import LLMGuidedSampler  # noqa: E402
from llm_guided_optuna import LLMSamplerWarning  # noqa: E402
from llm_guided_optuna import LLMSettings
from llm_guided_optuna._attrs import PROPOSAL_ATTR  # noqa: E402
from llm_guided_optuna._prior import reliability  # noqa: E402
from llm_guided_optuna._prior.configuration_prior import build_prior  # noqa: E402
from llm_guided_optuna._prior.configuration_prior import llm_beliefs  # noqa: E402
from llm_guided_optuna._prior.sampler import PriorWeightedGPSampler  # noqa: E402
from tests.support.assertions import trial_sources  # noqa: E402
from tests.support.fault_server import FaultServer  # noqa: E402
from tests.support.mixed_space import objective  # noqa: E402
from tests.support.mixed_space import SPACE  # noqa: E402
from tests.support.schema_responder import RandomConfigurationResponder  # noqa: E402


optuna.logging.set_verbosity(optuna.logging.WARNING)


def _complete(value: float, from_llm: bool, number: int) -> optuna.trial.FrozenTrial:
    trial = optuna.trial.create_trial(
        value=value,
        params={"x": float(number)},
        distributions={"x": FloatDistribution(0, 100)},
        user_attrs={PROPOSAL_ATTR: {"x": float(number)}} if from_llm else {},
    )
    return trial


def test_beliefs_on_a_plateau_are_refuted() -> None:
    trials = [_complete(0.5, False, 0)] + [_complete(0.5, True, i) for i in range(1, 5)]
    assert reliability.belief_reliability(trials, ["minimize"]) == 0.0


def test_beliefs_that_pay_off_keep_their_full_weight() -> None:
    trials = [_complete(1.0, False, 0), _complete(0.9, False, 5)] + [
        _complete(0.1 * i, True, i) for i in range(1, 5)
    ]
    assert reliability.belief_reliability(trials, ["minimize"]) == 1.0
    # The same values under maximisation: the LLM's trials are now mostly the bad ones.
    assert reliability.belief_reliability(trials, ["maximize"]) < 1.0


def test_beliefs_without_evidence_or_with_several_objectives_are_trusted() -> None:
    only_llm = [_complete(0.1 * i, True, i) for i in range(1, 5)]
    assert reliability.belief_reliability(only_llm, ["minimize"]) == 1.0
    assert (
        reliability.belief_reliability(
            only_llm + [_complete(9.0, False, 0)], ["minimize", "minimize"]
        )
        == 1.0
    )


def test_the_rank_check_scores_every_llm_trial_against_every_other() -> None:
    others = [_complete(float(v), False, i) for i, v in enumerate(range(2, 11))]  # values 2 … 10
    best = reliability.rank_reliability([_complete(1.0, True, 20)] + others, ["minimize"])
    second = reliability.rank_reliability([_complete(2.5, True, 20)] + others, ["minimize"])
    median = reliability.rank_reliability([_complete(6.0, True, 20)] + others, ["minimize"])
    assert (best, second, median) == (1.0, pytest.approx(7 / 9), 0.0)
    # Where the median check still trusts a lucky trial fully, the rank check does not.
    assert reliability.belief_reliability([_complete(2.5, True, 20)] + others, ["minimize"]) == 1.0
    # Ties count half, so a plateau is no evidence for the beliefs.
    plateau = [_complete(0.5, False, 0)] + [_complete(0.5, True, i) for i in range(1, 5)]
    assert reliability.rank_reliability(plateau, ["minimize"]) == 0.0
    assert reliability.rank_reliability([_complete(1.0, True, 20)] + others, ["maximize"]) == 0.0
    only_llm = [_complete(0.1 * i, True, i) for i in range(1, 5)]
    assert reliability.rank_reliability(only_llm, ["minimize"]) == 1.0
    assert reliability.rank_reliability(only_llm + others, ["minimize", "minimize"]) == 1.0


def test_the_reliability_estimate_is_chosen_by_name() -> None:
    assert PriorWeightedGPSampler().reliability_estimate == "density"
    assert PriorWeightedGPSampler(reliability_estimate="median").reliability_estimate == "median"
    assert PriorWeightedGPSampler(reliability_estimate="rank").reliability_estimate == "rank"
    assert PriorWeightedGPSampler(reliability_estimate="density").reliability_estimate == "density"
    with pytest.raises(ValueError, match="reliability_estimate must be one of"):
        PriorWeightedGPSampler(reliability_estimate="posterior")


def _study_over_http(
    optimizer: PriorWeightedGPSampler, n_trials: int
) -> tuple[LLMGuidedSampler, optuna.Study]:
    """A prior-strategy study of ``n_trials`` with ``optimizer``, its LLM a local server answering
    random valid configurations."""
    with FaultServer(responder=RandomConfigurationResponder(seed=5)) as server:
        sampler = LLMGuidedSampler(
            model="openai/test",
            seed=0,
            strategy="prior",
            optimizer=optimizer,
            llm=LLMSettings(api_base=server.base_url, api_key="sk-test", timeout=5),
        )
        study = optuna.create_study(sampler=sampler)
        study.optimize(objective, n_trials=n_trials)
    return sampler, study


def test_a_user_supplied_optimizer_with_the_rank_check_weighs_the_prior_by_it() -> None:
    optimizer = PriorWeightedGPSampler(reliability_estimate="rank", seed=0, n_startup_trials=5)
    sampler, study = _study_over_http(optimizer, n_trials=8)
    assert sampler.optimizer is optimizer
    assert trial_sources(study)[1] == "llm"
    # The last trial was sampled with the rank check of the seven trials before it.
    before_last = [t for t in study.trials[:-1] if t.state == optuna.trial.TrialState.COMPLETE]
    rank = reliability.rank_reliability(before_last, study.directions)
    assert optimizer._local.reliability == pytest.approx(rank)
    # Here the LLM's random trial is in the better half, which the median check trusts fully.
    assert reliability.belief_reliability(before_last, study.directions) == 1.0 and rank < 0.5


def test_partly_supported_beliefs_get_a_reduced_weight() -> None:
    values_other = [0.1, 0.2, 0.3, 0.9, 0.95, 0.99]
    values_llm = [0.25, 0.96, 0.97, 0.98]
    trials = [_complete(v, False, i) for i, v in enumerate(values_other)]
    trials += [_complete(v, True, 10 + i) for i, v in enumerate(values_llm)]
    rho = reliability.belief_reliability(trials, ["minimize"])
    assert rho == pytest.approx((2 / 6) / (5 / 8))
    sampler = PriorWeightedGPSampler(prior_strength=5.0)
    assert sampler.prior_weight(10, rho) == pytest.approx(0.5 * rho)


UNIT = {"x": FloatDistribution(0.0, 1.0)}


def _at(
    x: float, value: float, from_llm: bool = False, number: int = 0
) -> optuna.trial.FrozenTrial:
    trial = optuna.trial.create_trial(
        value=value,
        params={"x": x},
        distributions=UNIT,
        user_attrs={PROPOSAL_ATTR: {"x": x}} if from_llm else {},
    )
    trial.number = number
    return trial


def _density(
    trials: list[optuna.trial.FrozenTrial], direction: str = "minimize", center: float = 0.3
) -> float:
    prior = build_prior([{"x": center}], UNIT)
    return reliability.density_reliability(trials, [direction], prior, UNIT)


def test_the_density_check_trusts_beliefs_whose_neighbourhood_does_well() -> None:
    # The closer to the belief at 0.3, the denser the prior and the better the trial.
    places = [0.3, 0.35, 0.5, 0.7, 0.9]
    near_is_good = [
        _at(x, abs(x - 0.3), from_llm=(x == 0.3), number=i) for i, x in enumerate(places)
    ]
    assert _density(near_is_good) == pytest.approx(1.0)
    # The same values maximised: the trials near the belief are now the worst.
    assert _density(near_is_good, "maximize") == 0.0


def test_the_density_check_withdraws_a_lucky_belief_whose_neighbourhood_disappoints() -> None:
    lucky = [_at(0.3, 0.0, from_llm=True, number=0)]  # the best trial of the study
    near_but_bad = [_at(x, 5.0 + i, number=1 + i) for i, x in enumerate([0.32, 0.27, 0.35, 0.25])]
    far_and_good = [_at(x, 1.0 + i, number=10 + i) for i, x in enumerate([0.8, 0.9, 0.95, 0.05])]
    trials = lucky + near_but_bad + far_and_good
    assert reliability.belief_reliability(trials, ["minimize"]) == 1.0
    assert reliability.rank_reliability(trials, ["minimize"]) == 1.0
    assert _density(trials) == 0.0


def test_the_density_check_without_evidence_trusts_and_on_a_plateau_refutes() -> None:
    spread = [_at(x, x, number=i) for i, x in enumerate([0.3, 0.6, 0.9])]
    assert reliability.density_reliability(spread, ["minimize"], None, UNIT) == 1.0  # no prior
    assert _density(spread[:2]) == 1.0  # fewer than 3 trials
    assert (
        reliability.density_reliability(
            spread, ["minimize", "minimize"], build_prior([{"x": 0.3}], UNIT), UNIT
        )
        == 1.0
    )
    same_place = [_at(0.8, float(i), number=i) for i in range(4)]
    assert _density(same_place) == 1.0  # the prior does not tell these trials apart
    plateau = [_at(x, 0.5, number=i) for i, x in enumerate([0.3, 0.6, 0.9])]
    assert _density(plateau) == 0.0


def test_the_density_check_skips_trials_outside_the_space() -> None:
    near_is_good = [_at(x, abs(x - 0.3), number=i) for i, x in enumerate([0.3, 0.5, 0.9])]
    elsewhere = optuna.trial.create_trial(
        value=-1.0, params={"y": 0.3}, distributions={"y": FloatDistribution(0, 1)}
    )
    beyond = optuna.trial.create_trial(
        value=-1.0, params={"x": 5.0}, distributions={"x": FloatDistribution(0, 10)}
    )
    assert _density(near_is_good + [elsewhere, beyond]) == pytest.approx(1.0)
    assert _density(near_is_good[:2] + [elsewhere, beyond]) == 1.0  # 2 usable trials: no evidence


def test_a_user_supplied_optimizer_with_the_density_check_weighs_the_prior_by_it() -> None:
    optimizer = PriorWeightedGPSampler(reliability_estimate="density", seed=0, n_startup_trials=5)
    _, study = _study_over_http(optimizer, n_trials=10)
    assert trial_sources(study)[1] == "llm"
    # The last trial was sampled with the density check of the nine trials before it.
    before_last = [t for t in study.trials[:-1] if t.state == optuna.trial.TrialState.COMPLETE]
    prior = build_prior(llm_beliefs(before_last), SPACE)
    expected = reliability.density_reliability(before_last, study.directions, prior, SPACE)
    assert optimizer._local.reliability == pytest.approx(expected)
    assert expected != pytest.approx(reliability.belief_reliability(before_last, study.directions))


def test_a_density_check_that_fails_warns_once_and_checks_by_the_median(monkeypatch) -> None:
    from llm_guided_optuna._prior import _gp_compat

    def changed(search_space):
        raise AttributeError("'SearchSpace' object has no attribute 'get_normalized_params'")

    monkeypatch.setattr(_gp_compat, "_space", changed)  # as an Optuna upgrade would break it
    optimizer = PriorWeightedGPSampler(
        beliefs=[{"x": 2.0, "lr": 1e-3, "layers": 1, "kind": "b"}],
        reliability_estimate="density",
        seed=0,
        n_startup_trials=3,
    )
    study = optuna.create_study(sampler=optimizer)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.optimize(objective, n_trials=6)
    messages = [str(w.message) for w in caught if issubclass(w.category, LLMSamplerWarning)]
    assert len(messages) == 1 and "median check instead" in messages[0]
    complete = [t for t in study.trials[:-1] if t.state == optuna.trial.TrialState.COMPLETE]
    assert optimizer._local.reliability == reliability.belief_reliability(
        complete, study.directions
    )


def test_evidence_first_the_prior_weighs_no_more_than_the_advice_earns_by_rank() -> None:
    # The advice (x=0.3) is the 3rd of 5 start-up trials: no better than the random ones.
    # Its neighbourhood happens to do well, so the density check alone would trust it.
    places_values = [(0.3, 0.30), (0.32, 0.05), (0.9, 0.9), (0.7, 0.7), (0.28, 0.02)]
    trials = [
        _at(x, value, from_llm=(i == 0), number=i) for i, (x, value) in enumerate(places_values)
    ]
    first = PriorWeightedGPSampler(beliefs=[{"x": 0.3}], seed=0, evidence_first=True)
    alone = PriorWeightedGPSampler(beliefs=[{"x": 0.3}], seed=0)
    for sampler in (first, alone):
        sampler._local.beliefs, sampler._local.weights = [{"x": 0.3}], None
        sampler._local.knowledge = None
    density = alone._reliability(trials, ["minimize"], UNIT)
    assert density > 0.3
    assert first._reliability(trials, ["minimize"], UNIT) == reliability.rank_reliability(
        trials, ["minimize"]
    )
    assert reliability.rank_reliability(trials, ["minimize"]) == 0.0
    # Advice that beats every start-up trial keeps the density check's weight.
    best = [_at(0.3, 0.0, from_llm=True, number=0)] + trials[1:]
    assert first._reliability(best, ["minimize"], UNIT) == alone._reliability(
        best, ["minimize"], UNIT
    )
