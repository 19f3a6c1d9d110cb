"""The problem context users give in ``study.user_attrs``, read as bounded, quoted data.

``problem_type``, ``problem_description``, ``constraints`` (a list of strings) and
``domain_knowledge`` (a dict) may hold values of any type and any size: each is turned into
single-line text of bounded length (:func:`truncate_text`), never trusted as structure. The
prompt shows the result as data, never as instructions. Nothing a user attribute holds makes
reading it fail: an object whose ``__str__`` or ``__repr__`` raises is shown by its type's name,
a mapping that cannot be read is left out, and text that UTF-8 cannot encode (a lone surrogate
of a file name read with ``surrogateescape``) is written as its escape.

Example:
    >>> read_problem_context({"constraints": "memory < 2 GB", "problem_type": "svm"}).constraints
    ['memory < 2 GB']
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
import itertools
import json
from typing import Any

from pydantic import BaseModel
from pydantic import Field


MAX_TEXT_CHARS = 600
MAX_LIST_ITEMS = 12
MAX_KNOWLEDGE_ITEMS = 20
MAX_KEY_CHARS = 60
MAX_VALUE_CHARS = 200


class ProblemContext(BaseModel):
    """What the user told about the problem in ``study.user_attrs`` (data, not instructions)."""

    problem_type: str | None = None
    problem_description: str | None = None
    constraints: list[str] = Field(default_factory=list)
    domain_knowledge: dict[str, str] = Field(default_factory=dict)

    def is_empty(self) -> bool:
        """Whether the user gave no problem context at all."""
        return not (
            self.problem_type
            or self.problem_description
            or self.constraints
            or self.domain_knowledge
        )


def truncate_text(value: Any, limit: int = MAX_TEXT_CHARS) -> str:
    """Any value as a single-line string of at most ``limit`` characters, never an error."""
    if isinstance(value, str):
        text = str.__str__(value)  # A str subclass's own __str__ is not trusted either.
    else:
        text = _text_of(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # Escaped before the cut, which then bounds the escapes too.
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text_of(value: Any) -> str:
    """JSON where the value allows, its ``repr`` otherwise, its type's name as the last resort."""
    makers: tuple[Callable[[], str], ...] = (
        lambda: json.dumps(value, ensure_ascii=False, default=str, sort_keys=True),
        lambda: json.dumps(value, ensure_ascii=False, default=repr),
        lambda: repr(value),
    )
    for make in makers:
        try:
            text = make()
        except Exception:  # noqa: BLE001 - a user's object may raise anything here.
            continue
        if isinstance(text, str):
            return text
    return f"<{type(value).__name__} that cannot be shown>"


def read_problem_context(user_attrs: Mapping[str, Any]) -> ProblemContext:
    """Read and bound the problem context from ``study.user_attrs``.

    Values of any type are accepted (a string where a list was expected, nested structures,
    huge texts): each is turned into bounded text, never trusted as structure.
    """

    def optional_text(key: str) -> str | None:
        value = user_attrs.get(key)
        return None if value is None else truncate_text(value)

    raw_constraints = user_attrs.get("constraints")
    if raw_constraints is None:
        constraints: list[str] = []
    elif isinstance(raw_constraints, (list, tuple)):
        items = list(itertools.islice(iter(raw_constraints), MAX_LIST_ITEMS))
        constraints = [truncate_text(c, MAX_VALUE_CHARS) for c in items]
    else:
        constraints = [truncate_text(raw_constraints, MAX_VALUE_CHARS)]

    raw_knowledge = user_attrs.get("domain_knowledge")
    knowledge: dict[str, str] = {}
    if isinstance(raw_knowledge, Mapping):
        try:
            items = list(itertools.islice(raw_knowledge.items(), MAX_KNOWLEDGE_ITEMS))
        except Exception:  # noqa: BLE001 - a mapping of the user's that cannot be read.
            items = [("notes", raw_knowledge)]
        for key, value in items:
            knowledge[truncate_text(key, MAX_KEY_CHARS)] = truncate_text(value, MAX_VALUE_CHARS)
    elif raw_knowledge is not None:
        knowledge["notes"] = truncate_text(raw_knowledge, MAX_TEXT_CHARS)

    return ProblemContext(
        problem_type=optional_text("problem_type"),
        problem_description=optional_text("problem_description"),
        constraints=constraints,
        domain_knowledge=knowledge,
    )
