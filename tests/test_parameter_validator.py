"""Unit and property-based tests of the parameter validator."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
import pytest

from llm_guided_optuna._proposal.validator import ParameterValidator
from llm_guided_optuna.exceptions import InvalidValueError


validator = ParameterValidator()


def contains(distribution: BaseDistribution, value: object) -> bool:
    return distribution._contains(distribution.to_internal_repr(value))


@pytest.mark.parametrize(
    ("distribution", "proposed", "expected", "actions"),
    [
        (FloatDistribution(0.0, 1.0), 0.25, 0.25, []),
        (FloatDistribution(0.0, 1.0), "0.25", 0.25, ["converted"]),
        (FloatDistribution(0.0, 1.0), " 1e-2 ", 0.01, ["converted"]),
        (FloatDistribution(0.0, 1.0), 7, 1.0, ["clamped"]),
        (FloatDistribution(0.0, 1.0), -3.5, 0.0, ["clamped"]),
        (FloatDistribution(1e-5, 1e-1, log=True), 0.9, 0.1, ["clamped"]),
        (FloatDistribution(1e-5, 1e-1, log=True), 0.0, 1e-5, ["clamped"]),
        (FloatDistribution(0.0, 1.0, step=0.1), 0.34, 0.30000000000000004, ["snapped"]),
        (FloatDistribution(0.0, 0.5, step=0.25), 9.0, 0.5, ["clamped"]),
        (IntDistribution(1, 10), 3, 3, []),
        (IntDistribution(1, 10), 3.0, 3, ["converted"]),
        (IntDistribution(1, 10), "4", 4, ["converted"]),
        (IntDistribution(1, 10), 3.6, 4, ["converted", "snapped"]),
        (IntDistribution(1, 10), 100, 10, ["clamped"]),
        (IntDistribution(16, 256, step=16), 70, 64, ["snapped"]),
        (IntDistribution(16, 256, step=16), 1e9, 256, ["converted", "clamped"]),
        (IntDistribution(1, 1000, log=True), 0, 1, ["clamped"]),
        (CategoricalDistribution(["adam", "sgd"]), "sgd", "sgd", []),
        (CategoricalDistribution(["adam", "sgd"]), " ADAM ", "adam", ["matched"]),
        (CategoricalDistribution([True, False]), "true", True, ["matched"]),
        (CategoricalDistribution([True, False]), "False", False, ["matched"]),
        (CategoricalDistribution([None, "relu"]), "null", None, ["matched"]),
        (CategoricalDistribution([None, "relu"]), None, None, []),
        (CategoricalDistribution([1, 2, 4]), 2.0, 2, ["matched"]),
        (CategoricalDistribution([1, 2, 4]), "4", 4, ["matched"]),
        (CategoricalDistribution([0.1, 0.5]), "0.5", 0.5, ["matched"]),
        (CategoricalDistribution([1, True]), True, True, []),
        (CategoricalDistribution([1, True]), 1, 1, []),
    ],
)
def test_validate_value(distribution, proposed, expected, actions) -> None:
    value, taken = validator.validate_value(proposed, distribution)
    assert value == expected
    assert type(value) is type(expected)
    assert taken == actions
    assert contains(distribution, value)


@pytest.mark.parametrize(
    ("distribution", "proposed"),
    [
        (FloatDistribution(0.0, 1.0), float("nan")),
        (FloatDistribution(0.0, 1.0), float("inf")),
        (FloatDistribution(0.0, 1.0), "-Infinity"),
        (FloatDistribution(0.0, 1.0), "fast"),
        (FloatDistribution(0.0, 1.0), True),
        (FloatDistribution(0.0, 1.0), None),
        (FloatDistribution(0.0, 1.0), [0.5]),
        (IntDistribution(0, 5), {"value": 1}),
        (IntDistribution(0, 5), "NaN"),
        (CategoricalDistribution(["adam", "sgd"]), "rmsprop"),
        (CategoricalDistribution(["adam", "sgd"]), None),
        (CategoricalDistribution([1, 2]), 3),
    ],
)
def test_invalid_values_are_rejected(distribution, proposed) -> None:
    with pytest.raises(InvalidValueError):
        validator.validate_value(proposed, distribution)


def test_validate_reports_missing_rejected_ignored_and_changes() -> None:
    space = {
        "lr": FloatDistribution(1e-5, 1e-1, log=True),
        "units": IntDistribution(16, 256, step=16),
        "opt": CategoricalDistribution(["adam", "sgd"]),
        "dropout": FloatDistribution(0.0, 0.5),
    }
    result = validator.validate({"lr": "0.5", "units": 70.0, "opt": "nadam", "bogus": 1}, space)
    assert result.params == {"lr": 0.1, "units": 64}
    assert result.missing == ["dropout"]
    assert set(result.rejected) == {"opt"}
    assert result.ignored == ["'bogus'"]
    assert result.clamped_count == 1
    assert {(a.name, a.action) for a in result.adjustments} == {
        ("lr", "converted"),
        ("lr", "clamped"),
        ("units", "converted"),
        ("units", "snapped"),
    }


@pytest.mark.parametrize("proposal", [None, [1, 2], "text", 3.0])
def test_a_proposal_that_is_not_a_mapping_gives_nothing(proposal) -> None:
    space = {"x": FloatDistribution(0.0, 1.0)}
    result = validator.validate(proposal, space)
    assert result.params == {}
    assert result.missing == ["x"]


# ----------------------------------------------------------------- property-based tests

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def float_distributions(draw: st.DrawFn) -> FloatDistribution:
    kind = draw(st.sampled_from(["linear", "log", "step"]))
    if kind == "log":
        low = draw(st.floats(min_value=1e-8, max_value=1e3))
        high = low * draw(st.floats(min_value=1.0, max_value=1e6))
        return FloatDistribution(low, high, log=True)
    low = draw(finite)
    high = low + draw(st.floats(min_value=0.0, max_value=1e6))
    if kind == "step":
        step = draw(st.floats(min_value=1e-3, max_value=1e3))
        return FloatDistribution(low, max(high, low + step), step=step)
    return FloatDistribution(low, high)


@st.composite
def int_distributions(draw: st.DrawFn) -> IntDistribution:
    if draw(st.booleans()):
        low = draw(st.integers(min_value=1, max_value=10_000))
        return IntDistribution(low, low + draw(st.integers(0, 10**6)), log=True)
    low = draw(st.integers(min_value=-(10**6), max_value=10**6))
    step = draw(st.integers(min_value=1, max_value=100))
    return IntDistribution(low, low + draw(st.integers(0, 10**6)), step=step)


choice_values = st.one_of(
    st.none(), st.booleans(), st.integers(-100, 100), finite, st.text(max_size=10)
)
categorical_distributions = st.lists(choice_values, min_size=1, max_size=8, unique_by=repr).map(
    lambda choices: CategoricalDistribution(choices)
)
distributions = st.one_of(float_distributions(), int_distributions(), categorical_distributions)

garbage = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(),
        st.binary(max_size=8),
        st.sampled_from(["NaN", "inf", "-Infinity", "1e999", "0x10", "1_000", "  7  ", "TRUE"]),
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None)
@given(distribution=distributions, proposed=garbage)
def test_any_garbage_gives_a_valid_value_or_a_clear_rejection(distribution, proposed) -> None:
    try:
        value, _ = validator.validate_value(proposed, distribution)
    except InvalidValueError:
        return
    assert contains(distribution, value)
    if isinstance(distribution, IntDistribution):
        assert type(value) is int
    if isinstance(distribution, FloatDistribution):
        assert type(value) is float and math.isfinite(value)


@settings(max_examples=300, deadline=None)
@given(distribution=st.one_of(float_distributions(), int_distributions()), proposed=finite)
def test_any_finite_number_is_accepted_for_numeric_distributions(distribution, proposed) -> None:
    try:
        value, _ = validator.validate_value(proposed, distribution)
    except InvalidValueError:
        # Only where floating point cannot represent the grid (Optuna's own check fails there).
        assert isinstance(distribution, FloatDistribution) and distribution.step is not None
        assert (distribution.high - distribution.low) / distribution.step > 1e6
        return
    assert contains(distribution, value)


@settings(max_examples=200, deadline=None)
@given(distribution=categorical_distributions, data=st.data())
def test_every_choice_matches_itself_exactly(distribution, data) -> None:
    choice = data.draw(st.sampled_from(distribution.choices))
    value, actions = validator.validate_value(choice, distribution)
    assert actions == []
    assert value == choice or (isinstance(choice, float) and math.isnan(choice))


@settings(max_examples=200, deadline=None)
@given(
    space=st.dictionaries(st.text(min_size=1, max_size=12), distributions, min_size=1, max_size=6),
    proposal=st.dictionaries(st.text(max_size=12), garbage, max_size=8) | garbage,
)
def test_validate_never_raises_and_only_returns_valid_values(space, proposal) -> None:
    result = validator.validate(proposal, space)
    for name, value in result.params.items():
        assert contains(space[name], value)
    assert set(result.params) | set(result.missing) | set(result.rejected) == set(space)
