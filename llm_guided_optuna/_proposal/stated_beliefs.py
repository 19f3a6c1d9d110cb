"""What the user states about parameters in ``domain_knowledge``, read as beliefs with a width.

A user who writes ``"C around 300, gamma between 1e-4 and 1e-3"`` has said more than an LLM
can be trusted to copy: a value, and how sure they are of it. The prior strategy reads such
statements itself, exactly, and gives them to the prior as *stated beliefs*:

- the warm-start configuration takes the stated value (or the LLM's value moved into the
  stated interval), so the first trial tests what the user said;
- in the prior, each stated parameter is centred on the statement, with a width that says
  how sure the statement is (:data:`AROUND_WIDTH` for "around", a quarter of the interval
  for "between"), instead of the LLM's default width.

Everything the text says in words only ("use strong regularisation", "shallow trees") is
left to the LLM, which reads the whole ``domain_knowledge`` in its prompt and turns it into
the warm-start configuration. Stated beliefs are decayed and checked against the evidence
like the LLM's own (docs/01, section 5): a wrong statement costs at most the first trial and
the prior's bounded push.

Supported phrasings, after a parameter's name (underscores may be spaces, a plural ``s`` is
allowed) or as the value of a ``domain_knowledge`` key that is a parameter's name:

- ``around X`` (also ``about``, ``approximately``, ``roughly``, ``near``, ``close to``, ``~``,
  ``≈``, ``=``, ``:``, ``is``, ``of``, or the number alone);
- ``between A and B``, ``from A to B``, ``A to B``, ``A - B``;
- ``below X`` / ``under`` / ``at most`` / ``less than`` / ``<`` / ``<=``, and ``above X`` /
  ``over`` / ``at least`` / ``more than`` / ``>`` / ``>=`` (an interval to the space's bound);
- for a categorical parameter, one of its choices named after it (``kernel rbf``).

A value outside the parameter's range ("C around 1e308" where C lies in [0.01, 1000]), or an
interval wholly outside it, is ignored, with a warning that says so; an interval that overlaps
the range is cut to it. The text is data: only numbers and choice names after a known
parameter's name are read, and the result always lies inside the search space.

Example:
    >>> from optuna.distributions import FloatDistribution
    >>> space = {"C": FloatDistribution(1e-2, 1e3, log=True)}
    >>> belief = read_stated_beliefs({"hint": "C around 300"}, space)["C"]
    >>> belief.value, belief.kind
    (300.0, 'around')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import math
import re
from typing import Any

from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution

from llm_guided_optuna._warnings import llm_warn


#: Width (standard deviation, normalised units) of a belief stated as "around X".
AROUND_WIDTH = 0.1
#: The narrowest width any stated belief gets.
MIN_WIDTH = 0.03
#: Characters after a parameter's name in which its statement is looked for.
WINDOW_CHARS = 60

_NUMBER = r"[-+]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_AROUND = re.compile(
    rf"^\s*(?:(?:of|is|at|=|:|~|≈|around|about|approximately|approx\.?|roughly|near|close to)\s*)*"
    rf"(?:around|about|approximately|roughly|near|close to|~|≈)?\s*({_NUMBER})(?![\w.])",
    re.IGNORECASE,
)
_BETWEEN = re.compile(
    rf"^\s*(?:(?:of|is|=|:|in)\s*)*(?:(?:between|from)?\s*({_NUMBER})\s*(?:and|to|-|–)\s*({_NUMBER})"
    rf"|\[\s*({_NUMBER})\s*,\s*({_NUMBER})\s*\])",
    re.IGNORECASE,
)
_BELOW = re.compile(
    r"^\s*(?:(?:of|is|=|:)\s*)*"
    r"(?:below|under|at most|less than|no more than|smaller than|lower than|<=|<|≤)"
    rf"\s*({_NUMBER})",
    re.IGNORECASE,
)
_ABOVE = re.compile(
    r"^\s*(?:(?:of|is|=|:)\s*)*"
    r"(?:above|over|at least|more than|no less than|greater than|larger than|higher than|>=|>|≥)"
    rf"\s*({_NUMBER})",
    re.IGNORECASE,
)
# Ends of a statement: a clause separator (not a decimal point or a thousands comma).
_CLAUSE_END = re.compile(r";|\n|,(?!\d)|\.(?!\d)")


@dataclass(frozen=True)
class StatedBelief:
    """A belief about one parameter, as the user stated it.

    Attributes:
        name: The parameter.
        kind: ``"around"``, ``"between"`` (also from "below"/"above") or ``"choice"``.
        value: The believed value (the centre of the interval for ``"between"``), inside the space.
        low: The interval's lower end (``value`` for ``"around"`` and ``"choice"``).
        high: The interval's upper end.
        width: Standard deviation of the belief in the prior's normalised coordinates (0 for
            a choice).
        phrase: The words the belief was read from.
    """

    name: str
    kind: str
    value: Any
    low: Any
    high: Any
    width: float
    phrase: str

    def constrain(self, proposed: Any) -> Any:
        """``proposed`` moved to agree with the statement: the stated value for "around" and
        a choice, the nearest point of the interval for "between"."""
        if self.kind != "between":
            return self.value
        try:
            number = float(proposed)
        except (TypeError, ValueError):
            return self.value
        if not math.isfinite(number):
            return self.value
        clipped = min(max(number, float(self.low)), float(self.high))
        return int(round(clipped)) if isinstance(self.value, int) else clipped


def read_stated_beliefs(
    knowledge: Mapping[str, Any] | str | None, search_space: Mapping[str, BaseDistribution]
) -> dict[str, StatedBelief]:
    """The stated beliefs in ``knowledge`` (``study.user_attrs["domain_knowledge"]``) about the
    parameters of ``search_space``; the first statement about a parameter wins."""
    if not knowledge:
        return {}
    texts: list[tuple[str | None, str]] = []
    if isinstance(knowledge, Mapping):
        for name, value in knowledge.items():
            texts.append((str(name), str(value)))
    else:
        texts.append((None, str(knowledge)))
    beliefs: dict[str, StatedBelief] = {}
    for key, text in texts:
        named = _parameter_named(key, search_space) if key is not None else None
        if named is not None and named not in beliefs:
            belief = _read_statement(named, search_space[named], text)
            if belief is not None:
                beliefs[named] = belief
                continue
        for name, distribution in search_space.items():
            if name in beliefs:
                continue
            for match in _name_pattern(name).finditer(text):
                belief = _read_statement(
                    name, distribution, _statement_after(text, match.end(), search_space)
                )
                if belief is not None:
                    beliefs[name] = belief
                    break
    return beliefs


def constrain_to_statements(
    params: Mapping[str, Any], beliefs: Mapping[str, StatedBelief]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``params`` with every stated parameter moved to agree with its statement, and what
    moved (``{name: {"proposed": .., "stated": ..}}``)."""
    constrained: dict[str, Any] = {}
    moved: dict[str, dict[str, Any]] = {}
    for name, value in params.items():
        constrained[name] = beliefs[name].constrain(value) if name in beliefs else value
        if constrained[name] != value:
            moved[name] = {"proposed": value, "stated": constrained[name]}
    return constrained, moved


def _name_pattern(name: str) -> re.Pattern[str]:
    words = [re.escape(part) for part in re.split(r"[_\s]+", name) if part]
    return re.compile(r"(?<![\w])" + r"[_\s]+".join(words) + r"(?:e?s)?(?![\w])", re.IGNORECASE)


def _parameter_named(key: str, search_space: Mapping[str, BaseDistribution]) -> str | None:
    for name in search_space:
        if _name_pattern(name).fullmatch(key.strip()):
            return name
    return None


def _statement_after(text: str, start: int, search_space: Mapping[str, BaseDistribution]) -> str:
    window = text[start : start + WINDOW_CHARS]
    end = _CLAUSE_END.search(window)
    if end is not None:
        window = window[: end.start()]
    for name in search_space:  # Stop at the next parameter's name.
        other = _name_pattern(name).search(window)
        if other is not None and other.start() > 0:
            window = window[: other.start()]
    return window


def _read_statement(
    name: str, distribution: BaseDistribution, statement: str
) -> StatedBelief | None:
    phrase = " ".join(statement.split())
    if isinstance(distribution, CategoricalDistribution):
        found = [
            choice
            for choice in distribution.choices
            if re.search(
                r"(?<![\w])" + re.escape(str(choice)) + r"(?![\w])", statement, re.IGNORECASE
            )
        ]
        if len(found) != 1:
            return None
        return StatedBelief(name, "choice", found[0], found[0], found[0], 0.0, phrase)
    if not isinstance(distribution, (FloatDistribution, IntDistribution)):
        return None
    for pattern, kind in (
        (_BELOW, "below"),
        (_ABOVE, "above"),
        (_BETWEEN, "between"),
        (_AROUND, "around"),
    ):
        match = pattern.match(statement)
        if match is None:
            continue
        numbers = [float(group.replace(",", "")) for group in match.groups() if group is not None]
        if not all(math.isfinite(number) for number in numbers):
            return None
        if kind == "around":
            if not _within(numbers[0], distribution):
                _say_ignored(name, distribution, phrase)
                return None
            value = _inside(numbers[0], distribution)
            return StatedBelief(name, "around", value, value, value, AROUND_WIDTH, phrase)
        if kind == "below":
            low, high = distribution.low, numbers[0]
        elif kind == "above":
            low, high = numbers[0], distribution.high
        else:
            low, high = sorted(numbers)
        if high < distribution.low or low > distribution.high:
            _say_ignored(name, distribution, phrase)
            return None
        return _interval_belief(
            name, distribution, _inside(low, distribution), _inside(high, distribution), phrase
        )
    return None


def _interval_belief(
    name: str,
    distribution: FloatDistribution | IntDistribution,
    low: float,
    high: float,
    phrase: str,
) -> StatedBelief:
    low_position, high_position = _position(low, distribution), _position(high, distribution)
    middle = _value_at((low_position + high_position) / 2.0, distribution)
    width = max(MIN_WIDTH, (high_position - low_position) / 4.0)
    return StatedBelief(name, "between", middle, low, high, width, phrase)


def _within(number: float, distribution: FloatDistribution | IntDistribution) -> bool:
    return bool(distribution.low <= number <= distribution.high)


def _say_ignored(
    name: str, distribution: FloatDistribution | IntDistribution, phrase: str
) -> None:
    """Say that a statement lies outside the parameter's range and is ignored (Python's warning
    filter says each distinct message once)."""
    llm_warn(
        f"domain_knowledge: {phrase[:80]!r} lies outside the range of {name} "
        f"[{distribution.low}, {distribution.high}]: the statement is ignored"
    )


def _inside(number: float, distribution: FloatDistribution | IntDistribution) -> Any:
    clipped = min(max(number, distribution.low), distribution.high)
    if isinstance(distribution, IntDistribution):
        step = distribution.step
        return int(distribution.low + round((clipped - distribution.low) / step) * step)
    return float(clipped)


def _position(value: float, distribution: FloatDistribution | IntDistribution) -> float:
    """``value``'s place in ``[0, 1]`` along the distribution (log-scaled where it is)."""
    low, high = float(distribution.low), float(distribution.high)
    if high <= low:
        return 0.5
    if distribution.log:
        return (math.log(value) - math.log(low)) / (math.log(high) - math.log(low))
    return (value - low) / (high - low)


def _value_at(position: float, distribution: FloatDistribution | IntDistribution) -> Any:
    low, high = float(distribution.low), float(distribution.high)
    if distribution.log:
        value = math.exp(math.log(low) + position * (math.log(high) - math.log(low)))
    else:
        value = low + position * (high - low)
    return _inside(value, distribution)
