"""Tests of nearby variants for repeated LLM configurations."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution

from llm_guided_optuna._proposal.diversify import distinct_variant
from llm_guided_optuna._proposal.diversify import nearby_configuration
from llm_guided_optuna._proposal.diversify import spread_batch


SPACE = {
    "lr": FloatDistribution(1e-5, 1e-1, log=True),
    "dropout": FloatDistribution(0.0, 0.5, step=0.05),
    "layers": IntDistribution(1, 8),
    "units": IntDistribution(16, 512, log=True),
    "optimizer": CategoricalDistribution(["adam", "sgd", "rmsprop"]),
}
CENTER = {"lr": 1e-3, "dropout": 0.2, "layers": 4, "units": 64, "optimizer": "adam"}


def key_of(params):
    return tuple(sorted(params.items()))


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 10**6), scale=st.floats(0.01, 2.0))
def test_variants_are_valid_for_every_distribution(seed: int, scale: float) -> None:
    variant = nearby_configuration(CENTER, SPACE, random.Random(seed), scale)
    assert set(variant) == set(SPACE)
    for name, distribution in SPACE.items():
        assert distribution._contains(distribution.to_internal_repr(variant[name]))


def test_variants_stay_near_the_centre() -> None:
    rng = random.Random(0)
    layers = [nearby_configuration(CENTER, SPACE, rng)["layers"] for _ in range(200)]
    assert sum(abs(value - 4) <= 2 for value in layers) >= 190


def test_repeats_within_an_answer_become_distinct_configurations() -> None:
    spread = spread_batch(
        [dict(CENTER), dict(CENTER), dict(CENTER)], SPACE, key_of, set(), random.Random(1)
    )
    assert [perturbed for _, perturbed in spread] == [False, True, True]
    assert len({key_of(params) for params, _ in spread}) == 3


def test_without_variation_repeats_are_returned_unchanged() -> None:
    other = {**CENTER, "layers": 5}
    batch = [dict(CENTER), dict(CENTER), other, dict(other)]
    spread = spread_batch(batch, SPACE, key_of, set(), random.Random(1), vary_repeats=False)
    assert spread == [(params, False) for params in batch]


def test_repeats_of_the_studys_configurations_are_left_to_the_duplicate_check() -> None:
    other = {**CENTER, "layers": 5}
    taken = {key_of(CENTER)}
    spread = spread_batch(
        [dict(CENTER), dict(CENTER), other, dict(other)], SPACE, key_of, taken, random.Random(1)
    )
    assert [perturbed for _, perturbed in spread] == [False, False, False, True]
    assert spread[0][0] == CENTER and spread[1][0] == CENTER
    assert key_of(spread[3][0]) not in taken | {key_of(other)}


def test_new_configurations_are_kept_as_they_are() -> None:
    other = {**CENTER, "layers": 5}
    spread = spread_batch([dict(CENTER), other], SPACE, key_of, set(), random.Random(1))
    assert spread == [(CENTER, False), (other, False)]


def test_no_variant_when_every_configuration_is_taken() -> None:
    space = {"flag": CategoricalDistribution([True])}
    assert distinct_variant({"flag": True}, space, lambda params: True, random.Random(0)) is None
