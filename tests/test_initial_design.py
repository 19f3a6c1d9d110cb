"""The GP's start-up trials drawn from the prior (``initial_design="prior"``, πBO's design)."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pytest


pytest.importorskip("torch")

from llm_guided_optuna._attrs import PRIOR_DRAW_ATTR  # noqa: E402
from llm_guided_optuna._attrs import PROPOSAL_ATTR  # noqa: E402
from llm_guided_optuna._prior.configuration_prior import ConfigurationPrior  # noqa: E402
from llm_guided_optuna._prior.sampler import PriorWeightedGPSampler  # noqa: E402
from tests.support.mixed_space import objective  # noqa: E402
from tests.support.mixed_space import SPACE  # noqa: E402


optuna.logging.set_verbosity(optuna.logging.WARNING)

BELIEF = {"x": -3.0, "lr": 1e-4, "layers": 7, "kind": "c"}


def test_draws_follow_the_centres_widths_and_choices() -> None:
    prior = ConfigurationPrior(
        np.array([[0.2, 0.5, 2.0]]),
        np.array([False, False, True]),
        np.array([0, 0, 3]),
        width=np.array([0.05, 0.2, 0.2]),
        informed=np.array([True, False, True]),
    )
    draws = prior.sample(np.random.RandomState(0), n=4000)
    assert draws.shape == (4000, 3)
    assert draws.min() >= 0.0 and draws[:, :2].max() <= 1.0
    near = (
        np.abs(draws[:, 0] - 0.2) < 0.15
    )  # 3 widths: every Gaussian draw, and floor draws by chance
    assert near.mean() == pytest.approx(0.95 + 0.05 * 0.3, abs=0.02)
    # An uninformed coordinate is uniform whatever the centre says.
    assert draws[:, 1].mean() == pytest.approx(0.5, abs=0.02) and draws[
        :, 1
    ].std() == pytest.approx(0.289, abs=0.02)
    # The believed choice: 0.7 of the Gaussian part, a third of the floor's uniform draws.
    assert set(np.unique(draws[:, 2])) == {0.0, 1.0, 2.0}
    assert (draws[:, 2] == 2.0).mean() == pytest.approx(0.95 * 0.7 + 0.05 / 3, abs=0.025)


def test_a_mixture_draws_from_each_centre_by_its_weight() -> None:
    prior = ConfigurationPrior(
        np.array([[0.1], [0.9]]),
        np.array([False]),
        np.array([0]),
        width=0.02,
        weights=np.array([3.0, 1.0]),
    )
    draws = prior.sample(np.random.RandomState(1), n=4000)[:, 0]
    assert (np.abs(draws - 0.1) < 0.1).mean() == pytest.approx(0.95 * 0.75 + 0.05 * 0.2, abs=0.025)
    assert (np.abs(draws - 0.9) < 0.1).mean() == pytest.approx(0.95 * 0.25 + 0.05 * 0.2, abs=0.025)


def test_start_up_trials_are_drawn_around_the_beliefs_and_marked() -> None:
    # The median check trusts fixed beliefs fully (no LLM trial to check); the density check would
    # weigh this poor belief down as its draws do badly.
    sampler = PriorWeightedGPSampler(
        beliefs=[BELIEF],
        seed=0,
        n_startup_trials=5,
        initial_design="prior",
        reliability_estimate="median",
    )
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=7)
    drawn = [t.number for t in study.trials if t.system_attrs.get(PRIOR_DRAW_ATTR)]
    # Trial 0 has no search space yet (Optuna samples it independently); the GP models from
    # trial 5.
    assert drawn == [1, 2, 3, 4]
    for trial in study.trials[1:5]:
        assert abs(trial.params["x"] - BELIEF["x"]) < 4.0  # 2 widths of 0.2 x 10
        assert abs(math.log10(trial.params["lr"]) - math.log10(BELIEF["lr"])) < 3.2


def test_the_random_design_is_gpsamplers_own() -> None:
    plain = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=4, n_startup_trials=5))
    weighted = optuna.create_study(
        sampler=PriorWeightedGPSampler(
            prior_strength=0.0, beliefs=[BELIEF], seed=4, n_startup_trials=5
        )
    )
    plain.optimize(objective, n_trials=5)
    weighted.optimize(objective, n_trials=5)
    assert [t.params for t in plain.trials] == [t.params for t in weighted.trials]
    assert not any(t.system_attrs.get(PRIOR_DRAW_ATTR) for t in weighted.trials)


@pytest.mark.parametrize(("llm_value", "drawn"), [(50.0, False), (0.05, True)])
def test_refuted_beliefs_leave_the_start_up_to_uniform_draws(
    llm_value: float, drawn: bool
) -> None:
    # The median check: with two trials the density check has no evidence yet (reliability 1).
    sampler = PriorWeightedGPSampler(
        seed=0, n_startup_trials=5, initial_design="prior", reliability_estimate="median"
    )
    study = optuna.create_study(sampler=sampler)
    good = {"x": 2.0, "lr": 1e-3, "layers": 1, "kind": "b"}
    study.add_trial(optuna.trial.create_trial(value=0.1, params=good, distributions=SPACE))
    # The LLM's belief was tried: worse than the random trial (reliability 0) or better (1).
    study.add_trial(
        optuna.trial.create_trial(
            value=llm_value, params=BELIEF, distributions=SPACE, user_attrs={PROPOSAL_ATTR: BELIEF}
        )
    )
    study.optimize(objective, n_trials=1)
    assert bool(study.trials[2].system_attrs.get(PRIOR_DRAW_ATTR)) is drawn


def test_an_unknown_initial_design_is_refused() -> None:
    with pytest.raises(ValueError, match="initial_design must be one of"):
        PriorWeightedGPSampler(initial_design="sobol")
