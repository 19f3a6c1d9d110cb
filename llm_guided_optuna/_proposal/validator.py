"""Turn whatever an LLM proposed into values that lie inside Optuna distributions.

Everything an LLM returns is untrusted input. :class:`ParameterValidator` accepts any
mapping of names to arbitrary objects and returns, for each parameter of the search space,
either a value that Optuna's distribution accepts or nothing (the parameter then goes to the
fallback sampler). Every change it makes is reported, so that the sampler can count it and
record it on the trial.

Example:
    >>> from optuna.distributions import FloatDistribution, IntDistribution
    >>> validator = ParameterValidator()
    >>> space = {
    ...     "lr": FloatDistribution(1e-5, 1e-1, log=True),
    ...     "units": IntDistribution(16, 256, step=16),
    ... }
    >>> result = validator.validate({"lr": "0.5", "units": 70.0, "bogus": 1}, space)
    >>> result.params
    {'lr': 0.1, 'units': 64}
    >>> # "0.5" and 70.0 converted; 0.5 clamped, 70 snapped.
    >>> sorted(a.action for a in result.adjustments)
    ['clamped', 'converted', 'converted', 'snapped']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
import math
from typing import Any

from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalChoiceType
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution

from llm_guided_optuna._optuna_compat import contains
from llm_guided_optuna.exceptions import InvalidValueError


_TRUE_STRINGS = frozenset({"true", "yes", "on"})
_FALSE_STRINGS = frozenset({"false", "no", "off"})
_NONE_STRINGS = frozenset({"none", "null", "nil"})


@dataclass(frozen=True)
class Adjustment:
    """One change the validator made to a proposed value.

    ``action`` is one of ``"converted"`` (type conversion, e.g. ``"0.1"`` → ``0.1``),
    ``"clamped"`` (moved inside the bounds), ``"snapped"`` (moved onto the step or integer
    grid) or ``"matched"`` (a categorical matched loosely, e.g. ``"ADAM"`` → ``"adam"``).
    """

    name: str
    proposed: str
    value: Any
    action: str


@dataclass
class ValidationResult:
    """What :meth:`ParameterValidator.validate` made of one proposal.

    Attributes:
        params: Valid values, one per parameter that could be salvaged.
        adjustments: Every change made to reach ``params``.
        missing: Names of the search space that the proposal did not contain.
        rejected: Names whose proposed value could not be used, with the reason.
        ignored: Names in the proposal that are not in the search space.
    """

    params: dict[str, Any] = field(default_factory=dict)
    adjustments: list[Adjustment] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    @property
    def clamped_count(self) -> int:
        """Number of values that were moved inside their bounds."""
        return sum(1 for a in self.adjustments if a.action == "clamped")


def _short_repr(value: Any, limit: int = 80) -> str:
    """A bounded ``repr``, never an error (Python refuses the ``repr`` of an int of more than
    4,300 digits; a user's object may raise anything)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"<an integer of {value.bit_length()} bits>"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001
        return f"<{type(value).__name__}>"
    if not isinstance(text, str):
        return f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _to_finite_number(value: Any) -> tuple[float, bool]:
    """Return ``(number, converted)`` or raise :class:`InvalidValueError`."""
    if isinstance(value, bool):
        raise InvalidValueError(f"a boolean is not a number: {value!r}")
    try:
        if isinstance(value, (int, float)):
            # An int beyond a float's range (a literal of 400 digits) raises OverflowError.
            number, converted = float(value), False
        elif isinstance(value, str):
            number, converted = float(value.strip().replace("_", "")), True
        else:
            number, converted = float(value), True  # numpy scalars, Decimal, ...
    except OverflowError:
        raise InvalidValueError(f"a number too large: {_short_repr(value)}") from None
    except Exception:  # noqa: BLE001 - TypeError, ValueError, or whatever __float__ raises.
        raise InvalidValueError(f"not a number: {_short_repr(value)}") from None
    if not isinstance(number, float):
        raise InvalidValueError(f"not a number: {_short_repr(value)}")
    if not math.isfinite(number):
        raise InvalidValueError(f"not a finite number: {_short_repr(value)}")
    return number, converted


class ParameterValidator:
    """Validate, convert, clamp and snap LLM proposals against Optuna distributions.

    The validator is stateless and thread-safe.
    """

    def validate(
        self, proposal: Any, search_space: Mapping[str, BaseDistribution]
    ) -> ValidationResult:
        """Validate a whole proposal against ``search_space``.

        Args:
            proposal: Anything; a mapping of parameter names to proposed values is expected.
                Anything else yields an empty result with every parameter missing.
            search_space: The distributions, by parameter name.

        Returns:
            A :class:`ValidationResult`; every value in its ``params`` is contained in its
            distribution.
        """
        result = ValidationResult()
        if not isinstance(proposal, Mapping):
            result.missing = list(search_space)
            return result
        for name in proposal:
            if not isinstance(name, str) or name not in search_space:
                result.ignored.append(_short_repr(name, 60))
        for name, distribution in search_space.items():
            if name not in proposal:
                result.missing.append(name)
                continue
            raw_value = proposal[name]
            try:
                value, actions = self.validate_value(raw_value, distribution)
            except InvalidValueError as error:
                result.rejected[name] = str(error)
                continue
            result.params[name] = value
            for action in actions:
                result.adjustments.append(
                    Adjustment(
                        name=name, proposed=_short_repr(raw_value), value=value, action=action
                    )
                )
        return result

    def validate_value(self, value: Any, distribution: BaseDistribution) -> tuple[Any, list[str]]:
        """Return a value inside ``distribution`` and the actions taken to get it.

        Raises:
            InvalidValueError: when no sensible value can be derived (``NaN``, text that is
                not a number, a categorical that matches no choice, ...).
        """
        result: CategoricalChoiceType
        if isinstance(distribution, FloatDistribution):
            result, actions = self._validate_float(value, distribution)
        elif isinstance(distribution, IntDistribution):
            result, actions = self._validate_int(value, distribution)
        elif isinstance(distribution, CategoricalDistribution):
            result, actions = self._validate_categorical(value, distribution)
        else:
            raise InvalidValueError(f"unsupported distribution {type(distribution).__name__}")
        _check_inside(value, result, distribution)
        return result, actions

    @staticmethod
    def _validate_float(value: Any, distribution: FloatDistribution) -> tuple[float, list[str]]:
        number, converted = _to_finite_number(value)
        actions = ["converted"] if converted else []
        low, high = distribution.low, distribution.high
        clamped = min(max(number, low), high)
        if clamped != number:
            actions.append("clamped")
        result = clamped
        if distribution.step is not None:
            step = distribution.step
            n_steps = round((clamped - low) / step)
            n_max = math.floor((high - low) / step + 1e-9)
            result = low + min(max(n_steps, 0), n_max) * step
            result = _nearest_on_grid(min(max(result, low), high), distribution)
            if not math.isclose(result, clamped, rel_tol=1e-12, abs_tol=1e-12):
                actions.append("snapped")
        return float(result), actions

    @staticmethod
    def _validate_int(value: Any, distribution: IntDistribution) -> tuple[int, list[str]]:
        number, converted = _to_finite_number(value)
        actions = ["converted"] if converted or not isinstance(value, int) else []
        low, high, step = distribution.low, distribution.high, distribution.step
        clamped = min(max(number, float(low)), float(high))
        if clamped != number:
            actions.append("clamped")
        n_steps = round((clamped - low) / step)
        result = low + min(max(n_steps, 0), (high - low) // step) * step
        if result != clamped:
            actions.append("snapped")
        return int(result), actions

    @staticmethod
    def _validate_categorical(
        value: Any, distribution: CategoricalDistribution
    ) -> tuple[CategoricalChoiceType, list[str]]:
        choices = distribution.choices
        # 1. Exact match, type included (``True == 1`` must not match the choice ``1``).
        for choice in choices:
            if type(choice) is type(value) and choice == value:
                return choice, []
            if choice is None and value is None:
                return choice, []
        # 2. Loose matches, tried in order of confidence.
        for matcher in (_match_as_text, _match_as_number):
            matches = [choice for choice in choices if matcher(value, choice)]
            if len(matches) == 1:
                return matches[0], ["matched"]
        raise InvalidValueError(
            f"{_short_repr(value)} is not one of {_short_repr(list(choices), 200)}"
        )


def _nearest_on_grid(value: float, distribution: FloatDistribution) -> float:
    """``value`` or the closest float to it that Optuna's step check accepts.

    ``low + n * step`` is not always on the grid in floating point when ``n`` is large; a few
    units in the last place away, or a neighbouring grid point, usually is. If none is, the
    value is returned as it is and the caller's final check rejects it.
    """
    if contains(distribution, value):
        return value
    below = above = value
    for _ in range(64):
        below, above = math.nextafter(below, -math.inf), math.nextafter(above, math.inf)
        for candidate in (below, above):
            if contains(distribution, candidate):
                return candidate
    assert distribution.step is not None
    for offset in range(1, 33):
        for candidate in (value - offset * distribution.step, value + offset * distribution.step):
            if contains(distribution, candidate):
                return candidate
    return value


def _normalised_text(value: Any) -> str | None:
    """A case-folded text form of a scalar, with booleans and None in canonical words."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value.strip().casefold()
        if text in _NONE_STRINGS:
            return "none"
        if text in _TRUE_STRINGS:
            return "true"
        if text in _FALSE_STRINGS:
            return "false"
        return text
    if isinstance(value, float):
        return str(value).casefold()
    if isinstance(value, int):
        return str(value) if value.bit_length() <= 256 else None
    return None


def _match_as_text(value: Any, choice: Any) -> bool:
    value_text, choice_text = _normalised_text(value), _normalised_text(choice)
    return value_text is not None and value_text == choice_text


def _match_as_number(value: Any, choice: Any) -> bool:
    if isinstance(choice, bool) or not isinstance(choice, (int, float)):
        return False
    try:
        number, _ = _to_finite_number(value)
    except InvalidValueError:
        return False
    return math.isclose(number, float(choice), rel_tol=1e-9, abs_tol=1e-12)


def _check_inside(value: Any, result: Any, distribution: BaseDistribution) -> None:
    """The validator's final, defensive check: never hand Optuna a value outside its
    distribution."""
    if not contains(distribution, distribution.to_internal_repr(result)):
        raise InvalidValueError(f"could not bring {_short_repr(value)} inside {distribution}")
