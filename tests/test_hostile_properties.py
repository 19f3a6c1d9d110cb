"""Property-based tests (Hypothesis) of everything hostile that reaches the sampler (issue 44).

- The answer parser: any text (any code point, lone surrogates included, bytes decoded with
  any codec), any JSON document (huge integers, ``NaN``/``Infinity`` literals, nested values)
  and any non-text content give proposals or a :class:`ProposalParseError`, nothing else.
- The validator: any value (JSON values, integers of hundreds of digits, tiny and huge floats,
  NaN, infinities, strings of digits, bytes, ``Decimal``, ``Fraction``, objects whose
  ``__float__`` or ``__repr__`` raises) against any distribution (float, log, step; int, log,
  step; categorical of mixed types) gives a value inside the distribution or an
  :class:`InvalidValueError`, nothing else.
- User attributes: any object and any string under any key give a problem context, a prompt
  that UTF-8 can encode and a cache fingerprint, never an error.
- The client: any status and body from a loopback server (any JSON, bytes, a completion with
  any of its fields replaced, an error object), the key echoed or not, gives a reply or an
  :class:`LLMCallError`, and no 8 characters of the key in either (200 examples).

Each property runs 500 examples by default, and 10,000 in its ``slow``-marked twin. CI runs
both: ``.ci/run`` runs the whole suite, markers included; ``pytest -m "not slow"`` leaves the
twins out on a developer's machine.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
import json
import math
from typing import Any

from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
import optuna
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
import pytest

from llm_guided_optuna._llm.caller import sendable_messages
from llm_guided_optuna._llm.client import LLMClient
from llm_guided_optuna._llm.replay import ExchangeCache
from llm_guided_optuna._prompt.context_builder import ContextBuilder
from llm_guided_optuna._prompt.problem import read_problem_context
from llm_guided_optuna._prompt.render import render_messages
from llm_guided_optuna._prompt.response import build_response_model
from llm_guided_optuna._prompt.response import parse_proposals
from llm_guided_optuna._proposal.validator import ParameterValidator
from llm_guided_optuna.exceptions import InvalidValueError
from llm_guided_optuna.exceptions import LLMCallError
from llm_guided_optuna.exceptions import ProposalParseError
from tests.support.hostile_server import Answer
from tests.support.hostile_server import completion
from tests.support.hostile_server import HostileServer


DEFAULT_EXAMPLES = 500
SLOW_EXAMPLES = 10_000


def _settings(examples: int) -> Any:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ----------------------------------------------------------------------------- strategies

#: Every code point, lone surrogates included (Hypothesis leaves them out by default).
_code_points = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None))
any_text = _code_points | st.builds(
    lambda before, surrogate, after: before + chr(surrogate) + after,
    _code_points,
    st.integers(0xD800, 0xDFFF),
    _code_points,
)

huge_integers = st.builds(
    lambda digits, sign: sign * int("1" + "0" * digits),
    st.integers(0, 600),
    st.sampled_from([1, -1]),
)
numbers = st.one_of(
    st.integers(),
    huge_integers,
    st.floats(),  # NaN, infinities, subnormals, -0.0
    st.sampled_from([math.nan, math.inf, -math.inf, 5e-324, 1.7976931348623157e308]),
    st.floats(min_value=-1e-300, max_value=1e-300),
    st.from_regex(r"\A[+-]?[0-9_]{1,500}(\.[0-9]{0,20})?([eE][+-]?[0-9]{1,4})?\Z"),
    st.sampled_from(["NaN", "inf", "-Infinity", "1e400", "0x10", " 12 ", "1_000", ""]),
)


class Hostile:
    """An object whose conversions all raise."""

    def __float__(self) -> float:
        raise RuntimeError("no float")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    __str__ = __repr__


json_values = st.recursive(
    st.none() | st.booleans() | numbers | any_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=10,
)
values = st.one_of(
    json_values,
    st.binary(max_size=20),
    st.builds(Decimal, st.sampled_from(["1e999999", "NaN", "-0.5", "3"])),
    st.builds(Fraction, st.integers(), st.integers(1, 10**6)),
    st.builds(Fraction, huge_integers, st.just(3)),
    st.just(Hostile()),
    st.tuples(st.integers(), st.integers()),
)


@st.composite
def distributions(draw: st.DrawFn) -> BaseDistribution:
    kind = draw(st.sampled_from(["float", "log", "fstep", "int", "ilog", "istep", "cat"]))
    if kind == "float":
        low = draw(st.floats(-1e300, 1e300))
        return FloatDistribution(low, low + draw(st.floats(0.0, 1e300)))
    if kind == "log":
        low = draw(st.floats(1e-300, 1e10))
        return FloatDistribution(low, low * draw(st.floats(1.0, 1e10)), log=True)
    if kind == "fstep":
        low = draw(st.floats(-1e6, 1e6))
        step = draw(st.floats(1e-6, 1e3))
        return FloatDistribution(low, low + step * draw(st.integers(0, 10**6)), step=step)
    if kind == "int":
        low = draw(st.integers(-(10**18), 10**18))
        return IntDistribution(low, low + draw(st.integers(0, 10**18)))
    if kind == "ilog":
        low = draw(st.integers(1, 10**9))
        return IntDistribution(low, low + draw(st.integers(0, 10**9)), log=True)
    if kind == "istep":
        low = draw(st.integers(-(10**9), 10**9))
        step = draw(st.integers(1, 10**6))
        return IntDistribution(low, low + step * draw(st.integers(0, 10**6)), step=step)
    choices = draw(
        st.lists(
            st.none()
            | st.booleans()
            | st.integers()
            | st.floats(allow_nan=False)
            | st.text(max_size=12),
            min_size=1,
            max_size=8,
            unique_by=lambda v: (type(v), v),
        )
    )
    return CategoricalDistribution(choices)


def inside(distribution: BaseDistribution, value: Any) -> bool:
    return distribution._contains(distribution.to_internal_repr(value))


# ---------------------------------------------------------------------- the validator


def check_validator(distribution: BaseDistribution, value: Any) -> None:
    validator = ParameterValidator()
    try:
        result, _ = validator.validate_value(value, distribution)
    except InvalidValueError as error:
        assert str(error)  # A reason, of bounded length.
        assert len(str(error)) < 400
    else:
        assert inside(distribution, result)
    whole = validator.validate({"p": value, "q": value}, {"p": distribution})
    assert set(whole.params) | set(whole.rejected) == {"p"}
    assert all(inside(distribution, v) for v in whole.params.values())


@_settings(DEFAULT_EXAMPLES)
@given(distribution=distributions(), value=values)
def test_the_validator_returns_a_value_inside_or_a_clear_rejection(distribution, value) -> None:
    check_validator(distribution, value)


@pytest.mark.slow
@_settings(SLOW_EXAMPLES)
@given(distribution=distributions(), value=values)
def test_the_validator_at_10000_examples(distribution, value) -> None:
    check_validator(distribution, value)


# ------------------------------------------------------------------------- the parser


def _json_text(value: Any) -> str:
    """JSON as a server may write it: ``NaN``/``Infinity`` literals allowed, any code point."""
    return json.dumps(value, ensure_ascii=False, allow_nan=True, default=repr)


@st.composite
def answers(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["text", "bytes", "json", "parameters", "batch", "other"]))
    if kind == "text":
        return draw(any_text)
    if kind == "bytes":
        codec = draw(st.sampled_from(["utf-8", "latin-1", "utf-16", "cp1252", "ascii"]))
        return draw(st.binary(max_size=200)).decode(
            codec, "replace" if codec == "utf-16" else "surrogateescape"
        )
    if kind == "json":
        return _json_text(draw(json_values))
    parameters = draw(
        st.dictionaries(st.sampled_from(["x", "n", "c", "other"]) | any_text, json_values)
    )
    configuration = {"parameters": parameters, "rationale": draw(json_values)}
    if kind == "parameters":
        before, after = draw(st.sampled_from([("", ""), ("```json\n", "\n```"), ("Sure! ", "")]))
        return before + _json_text(configuration) + after
    if kind == "batch":
        return _json_text({"configurations": [configuration, draw(json_values)]})
    return draw(st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.integers())))


SPACE: dict[str, BaseDistribution] = {
    "x": FloatDistribution(1e-5, 1.0, log=True),
    "n": IntDistribution(1, 64, step=3),
    "c": CategoricalDistribution([None, True, 2, 0.5, "adam"]),
}
MODEL = build_response_model(SPACE, 2)


def check_parser(answer: Any) -> None:
    try:
        proposals = parse_proposals(answer, MODEL)
    except ProposalParseError as error:
        assert error.kind in {
            "empty_response",
            "oversized_response",
            "invalid_json",
            "schema_violation",
            "missing_parameters",
        }
        return
    assert proposals
    for proposal in proposals:
        assert isinstance(proposal.parameters, dict)
        assert proposal.rationale is None or len(proposal.rationale) <= 100
        result = ParameterValidator().validate(proposal.parameters, SPACE)
        assert all(inside(SPACE[name], value) for name, value in result.params.items())


@_settings(DEFAULT_EXAMPLES)
@given(answer=answers())
def test_the_parser_reads_any_answer_or_says_why_not(answer) -> None:
    check_parser(answer)


@pytest.mark.slow
@_settings(SLOW_EXAMPLES)
@given(answer=answers())
def test_the_parser_at_10000_examples(answer) -> None:
    check_parser(answer)


# --------------------------------------------------------------------- user attributes

user_values = st.one_of(
    json_values,
    st.just(Hostile()),
    st.builds(lambda v: {"C": Hostile(), "k": v}, json_values),
    st.builds(lambda v: [Hostile(), v], json_values),
    st.builds(lambda t: {t: 1e308}, any_text),
    huge_integers,
    st.builds(lambda t: "\udce9" + t, any_text),
)
user_attrs = st.dictionaries(
    st.sampled_from(["problem_type", "problem_description", "constraints", "domain_knowledge"]),
    user_values,
)
STUDY = optuna.create_study()  # Empty: the context is the user attributes and the space.


def check_user_attrs(attrs: dict[str, Any]) -> None:
    problem = read_problem_context(attrs)
    for text in [problem.problem_type, problem.problem_description, *problem.constraints]:
        assert text is None or len(text) <= 600
    context = ContextBuilder().build(STUDY, SPACE)
    context = context.model_copy(update={"problem": problem})
    messages = sendable_messages(render_messages(context))
    for message in messages:
        message["content"].encode("utf-8")  # Sendable: strict UTF-8.
    fingerprint = ExchangeCache.fingerprint("m", messages, MODEL, 0.3, 100, 0)
    assert len(fingerprint) == 64
    raw = ExchangeCache.fingerprint("m", render_messages(context), MODEL, 0.3, 100, 0)
    assert len(raw) == 64  # Unescaped text hashes too.


@_settings(DEFAULT_EXAMPLES)
@given(attrs=user_attrs)
def test_any_user_attribute_gives_a_prompt_and_a_fingerprint(attrs) -> None:
    check_user_attrs(attrs)


@pytest.mark.slow
@_settings(SLOW_EXAMPLES)
@given(attrs=user_attrs)
def test_user_attributes_at_10000_examples(attrs) -> None:
    check_user_attrs(attrs)


def test_the_strategies_reach_the_hostile_corners() -> None:
    """The strategies above do draw what the properties claim to cover."""
    assert math.isinf(float("1e400"))
    seen: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**308:
            seen.add("huge int")
        elif isinstance(value, float) and math.isnan(value):
            seen.add("nan")
        elif isinstance(value, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            seen.add("surrogate")
        elif isinstance(value, Hostile):
            seen.add("hostile")

    @settings(max_examples=500, deadline=None, derandomize=True)
    @given(value=values)
    def collect(value: Any) -> None:
        walk(value)

    collect()
    assert seen == {"huge int", "nan", "surrogate", "hostile"}


# ------------------------------------------------------------- any answer of a server

KEY = "sk-CANARY-" + "feedc0de" * 4
server_bodies = st.one_of(
    json_values,
    st.binary(max_size=100),
    st.builds(
        lambda fields: completion('{"parameters": {}}', **fields),
        st.dictionaries(
            st.sampled_from(["choices", "usage", "model", "object", "id", "created"]),
            json_values,
        ),
    ),
    st.builds(lambda error: {"error": error}, json_values),
)


@pytest.fixture(scope="module")
def hostile_server():
    with HostileServer() as running:
        yield running


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    status=st.sampled_from([200, 200, 200, 201, 204, 301, 400, 401, 404, 418, 422, 429, 500, 503]),
    body=server_bodies,
    echo=st.booleans(),
)
def test_any_answer_of_a_server_gives_a_reply_or_a_call_error_without_the_key(
    hostile_server, status, body, echo
) -> None:
    if echo:  # The key, echoed in the body as careless servers do.
        body = body + KEY.encode() if isinstance(body, bytes) else {"error": (" " + KEY) * 10}
    hostile_server.answer = Answer(status=status, body=body)
    client = LLMClient(
        "openai/m", api_base=hostile_server.base_url, api_key=KEY, timeout=2, max_retries=0
    )
    try:
        reply = client.complete([{"role": "user", "content": "hi"}])
    except LLMCallError as error:
        text = str(error)
    else:
        text = f"{reply.content} {reply.model}"
        assert reply.prompt_tokens >= 0 and reply.completion_tokens >= 0
    assert all(KEY[i : i + 8] not in text for i in range(len(KEY) - 7)), text
