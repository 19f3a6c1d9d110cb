"""What the LLM is told about a study, as data: a bounded, typed snapshot of its state.

:class:`OptimizationContext` (a Pydantic model) holds the direction(s), the search space
(:class:`ParameterSpec`), the best, recent and running trials (:class:`TrialSummary`), where
the optimisation stands (:class:`ProgressSummary`), what the Pareto front shows
(:class:`TradeOffSummary`), the feasibility of trials that report constraints
(:class:`ConstraintSummary`) and the problem context users store in ``study.user_attrs``.
:class:`~llm_guided_optuna._prompt.context_builder.ContextBuilder` builds it from a study, and
:mod:`llm_guided_optuna._prompt.render` renders it into chat messages.

Example:
    >>> from optuna.distributions import FloatDistribution
    >>> spec = describe_distribution("lr", FloatDistribution(1e-5, 1e-1, log=True))
    >>> context = OptimizationContext(directions=["minimize"], search_space=[spec])
    >>> context.search_space[0].kind, context.progress.phase
    ('float', 'starting')
"""

from __future__ import annotations

from collections.abc import Mapping
import math
from typing import Any
from typing import Literal

from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
from optuna.trial import FrozenTrial
from optuna.trial import TrialState
from pydantic import BaseModel
from pydantic import Field

from llm_guided_optuna._attrs import llm_proposal
from llm_guided_optuna._prompt.problem import MAX_KNOWLEDGE_ITEMS  # noqa: F401 - re-exported
from llm_guided_optuna._prompt.problem import MAX_LIST_ITEMS  # noqa: F401 - re-exported
from llm_guided_optuna._prompt.problem import MAX_TEXT_CHARS  # noqa: F401 - re-exported
from llm_guided_optuna._prompt.problem import MAX_VALUE_CHARS  # noqa: F401 - re-exported
from llm_guided_optuna._prompt.problem import ProblemContext
from llm_guided_optuna._trials import reported_constraints
from llm_guided_optuna._trials import total_violation


MAX_BEST_TRIALS = 3
MAX_FRONT_TRIALS = 6
MAX_CONSTRAINTS_SHOWN = 4

TrialStateName = Literal["complete", "pruned", "failed", "running"]
DirectionName = Literal["minimize", "maximize"]

STATE_NAMES: dict[TrialState, TrialStateName] = {
    TrialState.COMPLETE: "complete",
    TrialState.PRUNED: "pruned",
    TrialState.FAIL: "failed",
    TrialState.RUNNING: "running",
}


class ParameterSpec(BaseModel):
    """One parameter of the search space, as the LLM is told about it."""

    name: str
    kind: Literal["float", "int", "categorical"]
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: list[Any] | None = None


class TrialSummary(BaseModel):
    """One trial: its number, state, objective value(s), parameters and feasibility.

    ``constraint_violation`` is ``None`` when the trial reported no constraint, else the sum
    of its positive constraint values (0: feasible); ``violations`` names the largest
    violated constraints (at most :data:`MAX_CONSTRAINTS_SHOWN`) with their excess.
    """

    number: int
    state: TrialStateName
    values: list[float] | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    constraint_violation: float | None = None
    violations: dict[str, float] = Field(default_factory=dict)

    @property
    def feasible(self) -> bool | None:
        """Whether the trial satisfied its constraints (``None``: it reported none)."""
        return None if self.constraint_violation is None else self.constraint_violation <= 0.0


class ProgressSummary(BaseModel):
    """Where the optimisation stands."""

    n_complete: int = 0
    n_pruned: int = 0
    n_failed: int = 0
    n_running: int = 0
    best_value: float | None = None
    best_trial_number: int | None = None
    trials_since_improvement: int = 0
    recent_improvement: float | None = None
    phase: Literal["starting", "improving", "stagnating"] = "starting"
    front_size: int | None = None


class ConstraintSummary(BaseModel):
    """Feasibility of the complete trials of a study whose trials report constraints.

    ``violated`` counts, for the most often violated constraints (at most
    :data:`MAX_CONSTRAINTS_SHOWN`), the complete trials that violated them.
    """

    names: list[str] = Field(default_factory=list)
    n_feasible: int = 0
    n_infeasible: int = 0
    violated: dict[str, int] = Field(default_factory=dict)


class TradeOffSummary(BaseModel):
    """What the Pareto front of a multi-objective study shows.

    ``ranges`` holds, per objective, the best and the worst value on the front and
    ``extremes`` the trial best in each objective; ``widest_gap`` the two neighbouring front
    trials farthest apart (two objectives only), where a new trade-off is most wanted.
    """

    front_size: int
    ranges: list[list[float]] = Field(default_factory=list)
    extremes: list[int] = Field(default_factory=list)
    widest_gap: list[TrialSummary] = Field(default_factory=list)


class RelatedConfiguration(BaseModel):
    """One of the best configurations of a related study."""

    rank: int
    values: list[float]
    params: dict[str, Any]


class RelatedStudy(BaseModel):
    """A related study as the LLM is shown it."""

    name: str
    directions: list[DirectionName]
    problem_type: str | None = None
    description: str | None = None
    parameters: list[ParameterSpec]
    n_complete: int
    best: list[RelatedConfiguration]


class OptimizationContext(BaseModel):
    """Everything the LLM is told for one proposal.

    ``best_trials`` holds the best feasible trials; for several objectives a spread sample of
    the Pareto front of the feasible trials; when no complete trial is feasible yet, the
    trials closest to feasibility (``constraints.n_feasible == 0``).
    """

    directions: list[DirectionName]
    objective_names: list[str] | None = None
    search_space: list[ParameterSpec]
    fixed_params: dict[str, Any] = Field(default_factory=dict)
    best_trials: list[TrialSummary] = Field(default_factory=list)
    recent_trials: list[TrialSummary] = Field(default_factory=list)
    running_trials: list[TrialSummary] = Field(default_factory=list)
    progress: ProgressSummary = Field(default_factory=ProgressSummary)
    trade_off: TradeOffSummary | None = None
    constraints: ConstraintSummary | None = None
    problem: ProblemContext = Field(default_factory=ProblemContext)
    related: list[RelatedStudy] = Field(default_factory=list)


def describe_distribution(name: str, distribution: BaseDistribution) -> ParameterSpec:
    """Describe one Optuna distribution in the terms the LLM is given."""
    if isinstance(distribution, FloatDistribution):
        return ParameterSpec(
            name=name,
            kind="float",
            low=distribution.low,
            high=distribution.high,
            log=distribution.log,
            step=distribution.step,
        )
    if isinstance(distribution, IntDistribution):
        return ParameterSpec(
            name=name,
            kind="int",
            low=distribution.low,
            high=distribution.high,
            log=distribution.log,
            step=distribution.step if distribution.step != 1 else None,
        )
    if isinstance(distribution, CategoricalDistribution):
        return ParameterSpec(name=name, kind="categorical", choices=list(distribution.choices))
    raise TypeError(f"Unsupported distribution for {name!r}: {distribution!r}")


def _json_safe_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def summarize_trial(
    trial: FrozenTrial, search_space: Mapping[str, BaseDistribution]
) -> TrialSummary:
    """Summarise a trial, keeping only the parameters of the search space."""
    params = {name: value for name, value in trial.params.items() if name in search_space}
    if trial.state == TrialState.RUNNING and not params:
        proposal = llm_proposal(trial)
        if proposal is not None:
            params = {name: value for name, value in proposal.items() if name in search_space}
    values = None
    if trial.state == TrialState.COMPLETE and trial.values is not None:
        values = [v for v in (_json_safe_number(float(x)) for x in trial.values) if v is not None]
    violation = None
    violations: dict[str, float] = {}
    constraints = reported_constraints(trial)
    if constraints:
        violation = total_violation(constraints)
        worst = sorted(
            (item for item in constraints.items() if item[1] > 0), key=lambda i: (-i[1], i[0])
        )
        violations = dict(worst[:MAX_CONSTRAINTS_SHOWN])
    return TrialSummary(
        number=trial.number,
        state=STATE_NAMES.get(trial.state, "failed"),
        values=values,
        params=params,
        constraint_violation=violation,
        violations=violations,
    )
