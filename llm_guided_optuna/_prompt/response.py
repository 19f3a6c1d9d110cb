"""The structured answer asked of the LLM, and the tolerant parsing of what comes back.

:func:`build_response_model` makes a Pydantic model from the search space: a ``parameters``
object with one field per parameter (an ``enum`` for categoricals and for stepped integers
with few values, a bounded number otherwise) and a one-line ``rationale``. Its JSON schema is
sent to providers that accept one; local servers turn it into a grammar, which guarantees the
shape of the answer but not its numeric bounds.

:func:`parse_proposals` then reads the raw text, whatever it is: it accepts code fences,
text around the JSON, ``NaN``/``Infinity`` literals, and a flat object without the
``parameters`` wrapper. It only raises :class:`ProposalParseError` when nothing usable is
there; whether the answer matched the schema is reported, and values are left to the
:class:`~llm_guided_optuna._proposal.validator.ParameterValidator`.

Example:
    >>> from optuna.distributions import CategoricalDistribution, FloatDistribution
    >>> space = {
    ...     "lr": FloatDistribution(1e-4, 1.0, log=True),
    ...     "opt": CategoricalDistribution(["adam", "sgd"]),
    ... }
    >>> model = build_response_model(space)
    >>> answer = '{"parameters": {"lr": 0.01, "opt": "adam"}, "rationale": "a usual start"}'
    >>> proposal = parse_proposal('```json\\n' + answer + '\\n```', model)
    >>> proposal.parameters, proposal.matches_schema
    ({'lr': 0.01, 'opt': 'adam'}, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace
import json
import re
from typing import Any
from typing import cast
from typing import get_args
from typing import Literal

from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import conlist
from pydantic import create_model
from pydantic import Field
from pydantic import ValidationError

from llm_guided_optuna.exceptions import ProposalParseError


#: Stepped parameters with at most this many values are sent as an ``enum``.
MAX_ENUM_VALUES = 64
MAX_RATIONALE_CHARS = 100
#: Characters allowed for the answer's account of the related studies it used (``related_used``).
RELATED_USED_CHARS = 200
#: Answers longer than this are not parsed (a runaway or hostile body).
MAX_CONTENT_CHARS = 200_000
#: At most this many configurations are read from one answer.
MAX_CONFIGURATIONS = 16


@dataclass(frozen=True)
class ParsedProposal:
    """A proposal read from the LLM's text: raw values, not yet validated."""

    parameters: dict[str, Any]
    rationale: str | None
    matches_schema: bool
    #: Which related studies the LLM says it used and how (only asked when some were shown).
    related_used: str | None = None


def _json_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _field_type(distribution: BaseDistribution, alias: str) -> tuple[Any, Any]:
    if isinstance(distribution, CategoricalDistribution):
        # Deduplicate by type and value: ``True == 1`` but both may be choices.
        choices = tuple(
            {(type(c), c): c for c in distribution.choices if _json_scalar(c)}.values()
        )
        if not choices:
            return Any, Field(..., alias=alias)
        return Literal[choices], Field(..., alias=alias)
    if isinstance(distribution, IntDistribution):
        n_values = (distribution.high - distribution.low) // distribution.step + 1
        if distribution.step > 1 and n_values <= MAX_ENUM_VALUES and not distribution.log:
            values = tuple(range(distribution.low, distribution.high + 1, distribution.step))
            return Literal[values], Field(..., alias=alias)
        return int, Field(..., alias=alias, ge=distribution.low, le=distribution.high)
    if isinstance(distribution, FloatDistribution):
        description = "log scale" if distribution.log else None
        if distribution.step is not None:
            n_steps = int(round((distribution.high - distribution.low) / distribution.step))
            if n_steps + 1 <= MAX_ENUM_VALUES:
                grid = tuple(
                    float(f"{distribution.low + i * distribution.step:.12g}")
                    for i in range(n_steps + 1)
                )
                return Literal[grid], Field(..., alias=alias)
            description = f"multiple of {distribution.step:g} from {distribution.low:g}"
        return float, Field(
            ..., alias=alias, ge=distribution.low, le=distribution.high, description=description
        )
    raise TypeError(f"Unsupported distribution: {distribution!r}")


def build_response_model(
    search_space: Mapping[str, BaseDistribution],
    n_configurations: int = 1,
    *,
    rationale: bool = True,
    analysis_chars: int = 0,
    related_used_chars: int = 0,
) -> type[BaseModel]:
    """A Pydantic model of the answer.

    With one configuration: ``{"parameters": {...}, "rationale": "..."}``; with ``n``:
    ``{"configurations": [<n such objects>]}``. Parameter names are used as aliases, so any
    name Optuna accepts works, even one that is not a Python identifier.

    Args:
        search_space: The parameters to propose.
        n_configurations: How many configurations the answer holds.
        rationale: Whether each configuration carries a one-line ``rationale`` after its values.
        analysis_chars: If positive, the answer starts with an ``analysis`` of at most that many
            characters, written *before* any value (free reasoning first, values after).
        related_used_chars: If positive (related studies are shown), the answer starts with
            ``related_used``: which related studies it used and how, in at most that many
            characters. Zero leaves the model exactly as it was without related studies.
    """
    if n_configurations < 1:
        raise ValueError("n_configurations must be >= 1")
    fields: dict[str, Any] = {}
    for index, (param_name, distribution) in enumerate(search_space.items()):
        annotation, field_info = _field_type(distribution, param_name)
        fields[f"p{index}"] = (annotation, field_info)
    parameters_model = create_model(
        "Parameters",
        __config__=ConfigDict(extra="forbid", populate_by_name=True),
        **fields,
    )
    configuration_fields: dict[str, Any] = {"parameters": (parameters_model, Field(...))}
    if rationale:
        configuration_fields["rationale"] = (str, Field(..., max_length=MAX_RATIONALE_CHARS))
    analysis_field: dict[str, Any] = {}
    if related_used_chars > 0:
        analysis_field["related_used"] = (str, Field(..., max_length=related_used_chars))
    if analysis_chars > 0:
        analysis_field["analysis"] = (str, Field(..., max_length=analysis_chars))
    if n_configurations == 1:
        # The analysis, if any, comes first: the values are written after it.
        return create_model(
            "ProposedConfiguration",
            __config__=ConfigDict(extra="forbid"),
            **analysis_field,
            **configuration_fields,
        )
    configuration_model = create_model(
        "ProposedConfiguration", __config__=ConfigDict(extra="forbid"), **configuration_fields
    )
    answer_fields: dict[str, Any] = dict(analysis_field)
    answer_fields["configurations"] = (
        conlist(configuration_model, min_length=n_configurations, max_length=n_configurations),
        Field(...),
    )
    return create_model(
        "ProposedConfigurations", __config__=ConfigDict(extra="forbid"), **answer_fields
    )


def configuration_model_of(response_model: type[BaseModel]) -> type[BaseModel]:
    """The single-configuration model inside a model made by :func:`build_response_model`."""
    field = response_model.model_fields.get("configurations")
    if field is None:
        return response_model
    (item_model,) = get_args(field.annotation)
    return cast("type[BaseModel]", item_model)


def parameter_names(response_model: type[BaseModel]) -> set[str]:
    """The parameter names (aliases) of a model made by :func:`build_response_model`."""
    parameters_model = configuration_model_of(response_model).model_fields["parameters"].annotation
    if not isinstance(parameters_model, type) or not issubclass(parameters_model, BaseModel):
        return set()
    return {f.alias or name for name, f in parameters_model.model_fields.items()}


_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)


def _candidate_texts(content: str) -> list[str]:
    candidates = [content.strip()]
    candidates += [m.group(1).strip() for m in _FENCE.finditer(content)]
    start, end = content.find("{"), content.rfind("}")
    if 0 <= start < end:
        candidates.append(content[start : end + 1])
    return candidates


def _loads(text: str) -> Any:
    # Python's json accepts NaN/Infinity literals; the validator rejects those values later.
    return json.loads(text)


def _load_object(content: Any) -> dict[str, Any]:
    if content is None or (isinstance(content, str) and not content.strip()):
        raise ProposalParseError("empty_response", "the LLM returned no content")
    if not isinstance(content, str):
        raise ProposalParseError("schema_violation", f"content of type {type(content).__name__}")
    if len(content) > MAX_CONTENT_CHARS:
        raise ProposalParseError(
            "oversized_response", f"the LLM returned {len(content)} characters"
        )
    data: Any = None
    for text in _candidate_texts(content):
        try:
            data = _loads(text)
        except (ValueError, RecursionError):
            continue
        if isinstance(data, dict):
            return data
    if data is None:
        raise ProposalParseError("invalid_json", "the LLM's answer is not valid JSON")
    raise ProposalParseError("schema_violation", f"JSON {type(data).__name__}, not an object")


def _read_configuration(
    data: Any, configuration_model: type[BaseModel] | None, known_names: set[str] | None
) -> ParsedProposal:
    if not isinstance(data, dict):
        raise ProposalParseError(
            "schema_violation", f"a configuration of type {type(data).__name__}"
        )
    parameters = data.get("parameters")
    if isinstance(parameters, dict):
        if not parameters:
            raise ProposalParseError("missing_parameters", "the LLM's answer has no parameters")
    else:
        # A flat object: parameters at the top level (providers that ignored the schema).
        parameters = {
            k: v
            for k, v in data.items()
            if k not in ("rationale", "analysis", "related_used")
            and (known_names is None or k in known_names)
        }
        if not parameters:
            raise ProposalParseError("schema_violation", "no parameters in the LLM's answer")
    rationale = data.get(
        "rationale", data.get("analysis")
    )  # A lone configuration's analysis explains it.
    rationale_text = (
        " ".join(rationale.split())[:MAX_RATIONALE_CHARS] if isinstance(rationale, str) else None
    )
    matches_schema = False
    if configuration_model is not None:
        try:
            configuration_model.model_validate(data)
            matches_schema = True
        except ValidationError:
            matches_schema = False
    return ParsedProposal(
        parameters=dict(parameters),
        rationale=rationale_text or None,
        matches_schema=matches_schema,
        related_used=_one_line(data.get("related_used"), RELATED_USED_CHARS),
    )


def _one_line(text: Any, max_chars: int) -> str | None:
    """``text`` on one line, cut to ``max_chars``; ``None`` if it is no (or an empty) string."""
    if not isinstance(text, str):
        return None
    return " ".join(text.split())[:max_chars] or None


def parse_proposals(
    content: Any, response_model: type[BaseModel] | None = None
) -> list[ParsedProposal]:
    """Read every configuration in the LLM's raw message content.

    Accepts a single configuration or ``{"configurations": [...]}``; configurations that
    cannot be read are skipped.

    Raises:
        ProposalParseError: when no configuration can be read: ``empty_response``,
            ``oversized_response``, ``invalid_json`` (no JSON object found),
            ``schema_violation`` (JSON without any parameter object or known parameter name)
            or ``missing_parameters`` (an empty parameter object).
    """
    data = _load_object(content)
    configuration_model = configuration_model_of(response_model) if response_model else None
    known_names = parameter_names(response_model) if response_model is not None else None
    items = data.get("configurations")
    if not isinstance(items, list):
        return [_read_configuration(data, configuration_model, known_names)]
    analysis = data.get("analysis")
    shared_rationale = (
        " ".join(analysis.split())[:MAX_RATIONALE_CHARS] if isinstance(analysis, str) else None
    )
    related_used = _one_line(data.get("related_used"), RELATED_USED_CHARS)
    proposals: list[ParsedProposal] = []
    first_error: ProposalParseError | None = None
    for item in items[:MAX_CONFIGURATIONS]:
        try:
            proposal = _read_configuration(item, configuration_model, known_names)
        except ProposalParseError as error:
            first_error = first_error or error
            continue
        if proposal.rationale is None and shared_rationale:
            # The answer's analysis, written before the values, explains them all.
            proposal = replace(proposal, rationale=shared_rationale)
        if proposal.related_used is None and related_used:
            # So does its account of the related studies it used.
            proposal = replace(proposal, related_used=related_used)
        proposals.append(proposal)
    if not proposals:
        raise first_error or ProposalParseError("missing_parameters", "no configuration given")
    return proposals


def parse_proposal(content: Any, response_model: type[BaseModel] | None = None) -> ParsedProposal:
    """The first configuration of :func:`parse_proposals`."""
    return parse_proposals(content, response_model)[0]


def answer_token_budget(
    n_params: int,
    n_configurations: int,
    *,
    rationale: bool = True,
    analysis_chars: int = 0,
    related_used_chars: int = 0,
) -> int:
    """Tokens allowed for an answer: room for every value, a short rationale, the analysis and
    the account of the related studies used (at least a token per two characters), no more."""
    per_configuration = 24 * n_params + (64 if rationale else 8)
    return n_configurations * per_configuration + 32 + (analysis_chars + related_used_chars) // 2
