"""Build what the LLM is told about a study: a bounded, typed snapshot of its state.

:class:`ContextBuilder` reads a study and returns an :class:`OptimizationContext` (a Pydantic
model), which :mod:`llm_guided_optuna.prompt` renders into chat messages. The snapshot holds
the direction(s), the search space, the best trials, the most recent finished trials, the
trials still running (so the LLM does not propose them again), a summary of progress and the
problem context that users store in ``study.user_attrs``.

Its size is bounded whatever the length of the history: at most ``max_context_trials`` recent
and running trials, a few best trials, and user attributes cut to fixed lengths.

Example:
    >>> import optuna
    >>> study = optuna.create_study()
    >>> study.set_user_attr("problem_type", "regression")
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=4)
    >>> from llm_guided_optuna.search_space import UnionSearchSpace
    >>> context = ContextBuilder(max_context_trials=2).build(study, UnionSearchSpace().calculate(study))
    >>> len(context.recent_trials), context.problem.problem_type
    (2, 'regression')
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
import json
import math
from typing import Any
from typing import Literal
from typing import TYPE_CHECKING

from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial
from optuna.trial import TrialState
from pydantic import BaseModel
from pydantic import Field


if TYPE_CHECKING:
    from optuna.study import Study


#: User attribute under which the sampler stores the configuration it proposed to a trial,
#: so that other threads and workers see proposals of trials that are still running.
PROPOSAL_ATTR = "llm_proposal"

MAX_TEXT_CHARS = 600
MAX_LIST_ITEMS = 12
MAX_KNOWLEDGE_ITEMS = 20
MAX_KEY_CHARS = 60
MAX_VALUE_CHARS = 200
MAX_BEST_TRIALS = 3

TrialStateName = Literal["complete", "pruned", "failed", "running"]

_STATE_NAMES: dict[TrialState, TrialStateName] = {
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
    """One trial: its number, state, objective value(s) and parameters."""

    number: int
    state: TrialStateName
    values: list[float] | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    constraint_violation: float | None = None


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


class ProblemContext(BaseModel):
    """What the user told about the problem in ``study.user_attrs`` (data, not instructions)."""

    problem_type: str | None = None
    problem_description: str | None = None
    constraints: list[str] = Field(default_factory=list)
    domain_knowledge: dict[str, str] = Field(default_factory=dict)

    def is_empty(self) -> bool:
        """Whether the user gave no problem context at all."""
        return not (
            self.problem_type or self.problem_description or self.constraints or self.domain_knowledge
        )


class OptimizationContext(BaseModel):
    """Everything the LLM is told for one proposal."""

    directions: list[Literal["minimize", "maximize"]]
    search_space: list[ParameterSpec]
    fixed_params: dict[str, Any] = Field(default_factory=dict)
    best_trials: list[TrialSummary] = Field(default_factory=list)
    recent_trials: list[TrialSummary] = Field(default_factory=list)
    running_trials: list[TrialSummary] = Field(default_factory=list)
    progress: ProgressSummary = Field(default_factory=ProgressSummary)
    problem: ProblemContext = Field(default_factory=ProblemContext)


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


def truncate_text(value: Any, limit: int = MAX_TEXT_CHARS) -> str:
    """Any value as a single-line string of at most ``limit`` characters."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
        except (TypeError, ValueError, RecursionError):
            text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        constraints = [truncate_text(c, MAX_VALUE_CHARS) for c in raw_constraints[:MAX_LIST_ITEMS]]
    else:
        constraints = [truncate_text(raw_constraints, MAX_VALUE_CHARS)]

    raw_knowledge = user_attrs.get("domain_knowledge")
    knowledge: dict[str, str] = {}
    if isinstance(raw_knowledge, Mapping):
        for key, value in list(raw_knowledge.items())[:MAX_KNOWLEDGE_ITEMS]:
            knowledge[truncate_text(key, MAX_KEY_CHARS)] = truncate_text(value, MAX_VALUE_CHARS)
    elif raw_knowledge is not None:
        knowledge["notes"] = truncate_text(raw_knowledge, MAX_TEXT_CHARS)

    return ProblemContext(
        problem_type=optional_text("problem_type"),
        problem_description=optional_text("problem_description"),
        constraints=constraints,
        domain_knowledge=knowledge,
    )


def _json_safe_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def summarize_trial(
    trial: FrozenTrial, search_space: Mapping[str, BaseDistribution]
) -> TrialSummary:
    """Summarise a trial, keeping only the parameters of the search space."""
    params = {name: value for name, value in trial.params.items() if name in search_space}
    if trial.state == TrialState.RUNNING and not params:
        proposal = trial.user_attrs.get(PROPOSAL_ATTR)
        if isinstance(proposal, Mapping):
            params = {name: value for name, value in proposal.items() if name in search_space}
    values = None
    if trial.state == TrialState.COMPLETE and trial.values is not None:
        values = [v for v in (_json_safe_number(float(x)) for x in trial.values) if v is not None]
    violation = None
    constraints = trial.system_attrs.get("constraints")
    if isinstance(constraints, Sequence) and constraints:
        try:
            violation = float(sum(max(0.0, float(c)) for c in constraints))
        except (TypeError, ValueError):
            violation = None
    return TrialSummary(
        number=trial.number,
        state=_STATE_NAMES.get(trial.state, "failed"),
        values=values,
        params=params,
        constraint_violation=violation,
    )


class ContextBuilder:
    """Build a bounded :class:`OptimizationContext` from a study.

    Args:
        max_context_trials: How many of the most recent finished trials (and of the running
            ones) the context shows.
        max_best_trials: How many best trials it shows.
    """

    def __init__(self, max_context_trials: int = 10, max_best_trials: int = MAX_BEST_TRIALS) -> None:
        if max_context_trials < 0:
            raise ValueError("max_context_trials must be >= 0")
        self.max_context_trials = max_context_trials
        self.max_best_trials = max_best_trials

    def build(
        self,
        study: Study,
        search_space: Mapping[str, BaseDistribution],
        current_trial: FrozenTrial | None = None,
    ) -> OptimizationContext:
        """Snapshot ``study`` for a proposal of ``search_space`` for ``current_trial``."""
        trials = study._get_trials(deepcopy=False, use_cache=True)
        directions = [
            "maximize" if d == StudyDirection.MAXIMIZE else "minimize" for d in study.directions
        ]
        finished = [t for t in trials if t.state in _STATE_NAMES and t.state != TrialState.RUNNING]
        running = [
            t
            for t in trials
            if t.state == TrialState.RUNNING
            and (current_trial is None or t.number != current_trial.number)
        ]
        complete = [t for t in finished if t.state == TrialState.COMPLETE and t.values is not None]

        fixed_params: dict[str, Any] = {}
        if current_trial is not None:
            fixed = current_trial.system_attrs.get("fixed_params", {})
            if isinstance(fixed, Mapping):
                fixed_params = {k: v for k, v in fixed.items() if k in search_space}

        limit = self.max_context_trials
        return OptimizationContext(
            directions=directions,  # type: ignore[arg-type]
            search_space=[describe_distribution(n, d) for n, d in search_space.items()],
            fixed_params=fixed_params,
            best_trials=[
                summarize_trial(t, search_space) for t in self._best_trials(complete, directions)
            ],
            recent_trials=[summarize_trial(t, search_space) for t in finished[-limit:]]
            if limit
            else [],
            running_trials=[summarize_trial(t, search_space) for t in running[-limit:]]
            if limit
            else [],
            progress=self._progress(finished, complete, running, directions),
            problem=read_problem_context(study.user_attrs),
        )

    def _best_trials(
        self, complete: list[FrozenTrial], directions: list[str]
    ) -> list[FrozenTrial]:
        if not complete:
            return []
        if len(directions) > 1:
            from optuna.study._multi_objective import _get_pareto_front_trials_by_trials

            front = _get_pareto_front_trials_by_trials(complete, [_direction(d) for d in directions])
            return front[: self.max_best_trials]
        sign = -1.0 if directions[0] == "maximize" else 1.0
        ranked = sorted(complete, key=lambda t: (_score(t.values[0], sign), t.number))
        return ranked[: self.max_best_trials]

    def _progress(
        self,
        finished: list[FrozenTrial],
        complete: list[FrozenTrial],
        running: list[FrozenTrial],
        directions: list[str],
    ) -> ProgressSummary:
        summary = ProgressSummary(
            n_complete=len(complete),
            n_pruned=sum(1 for t in finished if t.state == TrialState.PRUNED),
            n_failed=sum(1 for t in finished if t.state == TrialState.FAIL),
            n_running=len(running),
        )
        if not complete:
            return summary
        if len(directions) > 1:
            # No single best value: the Pareto front is shown instead; refine once it exists.
            summary.phase = "starting" if len(complete) < 3 else "improving"
            return summary
        sign = -1.0 if directions[0] == "maximize" else 1.0
        best_so_far = math.inf
        best_number = None
        since_improvement = 0
        history: list[float] = []
        for trial in complete:
            score = _score(trial.values[0], sign)
            if score < best_so_far:
                best_so_far, best_number, since_improvement = score, trial.number, 0
            else:
                since_improvement += 1
            history.append(best_so_far)
        if math.isfinite(best_so_far):
            summary.best_value = sign * best_so_far
        summary.best_trial_number = best_number
        summary.trials_since_improvement = since_improvement
        window = max(self.max_context_trials, 1)
        if len(history) > window and math.isfinite(history[-window - 1]) and math.isfinite(best_so_far):
            summary.recent_improvement = abs(history[-window - 1] - best_so_far)
        if len(complete) < 3:
            summary.phase = "starting"
        elif since_improvement >= max(3, window // 2):
            summary.phase = "stagnating"
        else:
            summary.phase = "improving"
        return summary


def _score(value: float, sign: float) -> float:
    """A value to minimise whatever the direction; NaN counts as worst."""
    score = sign * float(value)
    return math.inf if math.isnan(score) else score


def _direction(name: str) -> StudyDirection:
    return StudyDirection.MAXIMIZE if name == "maximize" else StudyDirection.MINIMIZE
