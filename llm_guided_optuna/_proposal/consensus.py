"""Self-consistency for the warm start: one configuration from several guesses of the LLM.

A small model's single guess is noisy. With ``WarmStartPrompt(guesses=k)`` the warm-start call
asks for ``k`` independent guesses of the best configuration, and the warm-start trial takes
their *consensus*, parameter by parameter:

- a numeric parameter takes the median of the guessed values (of an even number of guesses,
  the mean of the middle two, geometric for a log-scaled parameter, on an integer
  parameter's step);
- a categorical parameter takes its most frequent choice (the earliest guessed on a tie).

A parameter that some guesses lack is decided by the guesses that have it. The guesses are
validated first (:mod:`~llm_guided_optuna._proposal.validator`), so the consensus always lies
in the search space.

Example:
    >>> from optuna.distributions import CategoricalDistribution, FloatDistribution
    >>> space = {
    ...     "C": FloatDistribution(1e-3, 1e3, log=True),
    ...     "kernel": CategoricalDistribution(["rbf", "linear"]),
    ... }
    >>> guesses = [{"C": 1.0, "kernel": "rbf"}, {"C": 100.0, "kernel": "linear"},
    ...            {"C": 10.0, "kernel": "rbf"}]
    >>> consensus_configuration(guesses, space)
    {'C': 10.0, 'kernel': 'rbf'}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from collections.abc import Sequence
import math
from typing import Any

from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import IntDistribution


def consensus_configuration(
    guesses: Sequence[Mapping[str, Any]], search_space: Mapping[str, BaseDistribution]
) -> dict[str, Any]:
    """The consensus of validated ``guesses`` over ``search_space`` (see the module's
    docstring); parameters no guess has are left out, and no guess gives ``{}``."""
    consensus: dict[str, Any] = {}
    for name, distribution in search_space.items():
        values = [guess[name] for guess in guesses if name in guess]
        if values:
            consensus[name] = _consensus_value(values, distribution)
    return consensus


def _consensus_value(values: list[Any], distribution: BaseDistribution) -> Any:
    if isinstance(distribution, CategoricalDistribution):
        # Equal counts keep the order first met: a tie goes to the earliest guess.
        return Counter(values).most_common(1)[0][0]
    log = bool(getattr(distribution, "log", False))
    ordered = sorted(values, key=float)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]  # A guessed value itself: no rounding on the way.
    below, above = float(ordered[middle - 1]), float(ordered[middle])
    value = math.sqrt(below * above) if log else (below + above) / 2
    if isinstance(distribution, IntDistribution):
        steps = round((value - distribution.low) / distribution.step)
        return int(min(distribution.low + steps * distribution.step, distribution.high))
    return value
