"""Tests of the response model built from a search space and of the tolerant parser."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
import pytest

from llm_guided_optuna._prompt.response import build_response_model
from llm_guided_optuna._prompt.response import MAX_CONTENT_CHARS
from llm_guided_optuna._prompt.response import parse_proposal
from llm_guided_optuna.exceptions import ProposalParseError


SPACE = {
    "learning rate": FloatDistribution(1e-5, 1e-1, log=True),
    "batch_size": IntDistribution(16, 256, step=16),
    "layers": IntDistribution(1, 1000, log=True),
    "act": CategoricalDistribution(["relu", None, True, 1, 2.5]),
    "wd": FloatDistribution(0.0, 0.1, step=0.01),
}


def test_schema_has_enums_bounds_and_aliases() -> None:
    schema = build_response_model(SPACE).model_json_schema()
    params = schema["$defs"]["Parameters"]
    properties = params["properties"]
    assert list(properties) == list(SPACE)
    assert set(params["required"]) == set(SPACE)
    assert params["additionalProperties"] is False
    assert properties["learning rate"]["minimum"] == 1e-5
    assert properties["learning rate"]["maximum"] == 1e-1
    assert properties["batch_size"]["enum"] == list(range(16, 257, 16))
    assert properties["layers"]["type"] == "integer"
    assert properties["act"]["enum"] == ["relu", None, True, 1, 2.5]
    assert properties["wd"]["enum"] == [
        0.0,
        0.01,
        0.02,
        0.03,
        0.04,
        0.05,
        0.06,
        0.07,
        0.08,
        0.09,
        0.1,
    ]
    assert schema["required"] == ["parameters", "rationale"]


def test_valid_answer_matches_schema() -> None:
    model = build_response_model(SPACE)
    text = json.dumps(
        {
            "parameters": {
                "learning rate": 0.01,
                "batch_size": 32,
                "layers": 3,
                "act": None,
                "wd": 0.02,
            },
            "rationale": "a sensible start",
        }
    )
    proposal = parse_proposal(text, model)
    assert proposal.matches_schema
    assert proposal.parameters["act"] is None
    assert proposal.rationale == "a sensible start"


@pytest.mark.parametrize(
    "text",
    [
        'Sure! Here it is:\n```json\n{"parameters": {"batch_size": 64}, "rationale": "x"}\n```',
        'prefix {"parameters": {"batch_size": 64}} suffix',
        '{"batch_size": 64, "rationale": "flat"}',
    ],
)
def test_tolerant_parsing(text: str) -> None:
    proposal = parse_proposal(text, build_response_model(SPACE))
    assert proposal.parameters["batch_size"] == 64
    assert not proposal.matches_schema


def test_out_of_range_values_are_kept_for_the_validator_but_flagged() -> None:
    proposal = parse_proposal(
        '{"parameters": {"learning rate": 5.0, "batch_size": 17, "layers": 0, "act": "elu", '
        '"wd": NaN}, "rationale": ""}',
        build_response_model(SPACE),
    )
    assert proposal.parameters["learning rate"] == 5.0
    assert not proposal.matches_schema


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (None, "empty_response"),
        ("", "empty_response"),
        ("   \n", "empty_response"),
        ('{"parameters": {"lr": 0.1,', "invalid_json"),
        ("no json here", "invalid_json"),
        ("[1, 2, 3]", "schema_violation"),
        ('{"rationale": "only"}', "schema_violation"),
        ({"parameters": {}}, "schema_violation"),
        ('{"parameters": {}, "rationale": "none"}', "missing_parameters"),
        ('{"foo": 1}', "schema_violation"),
        ("{" + " " * (MAX_CONTENT_CHARS + 1) + "}", "oversized_response"),
    ],
)
def test_unusable_answers_raise_with_a_kind(content, kind: str) -> None:
    with pytest.raises(ProposalParseError) as info:
        parse_proposal(content, build_response_model(SPACE))
    assert info.value.kind == kind


def test_rationale_is_one_bounded_line() -> None:
    proposal = parse_proposal(
        json.dumps({"parameters": {"wd": 0.1}, "rationale": "line one\nline two " + "z" * 500})
    )
    assert "\n" not in proposal.rationale and len(proposal.rationale) <= 100


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=400)
    | st.builds(
        json.dumps,
        st.recursive(
            st.none() | st.integers() | st.text(max_size=5),
            lambda c: (
                st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=4)
            ),
            max_leaves=10,
        ),
    )
)
def test_parser_never_fails_other_than_with_a_parse_error(text: str) -> None:
    try:
        proposal = parse_proposal(text, build_response_model(SPACE))
    except ProposalParseError as error:
        assert error.kind in {
            "empty_response",
            "invalid_json",
            "schema_violation",
            "oversized_response",
            "missing_parameters",
        }
        return
    assert isinstance(proposal.parameters, dict)
