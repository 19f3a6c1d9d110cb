"""Build what the LLM is told about a study: a bounded, typed snapshot of its state.

:class:`ContextBuilder` reads a study and returns an :class:`OptimizationContext` (a Pydantic
model), which :mod:`llm_guided_optuna.prompt` renders into chat messages. The snapshot holds
the direction(s), the search space, the best trials (for several objectives, a spread sample
of the Pareto front and the trade-off it shows), the most recent finished trials, the trials
still running (so the LLM does not propose them again), a summary of progress, the
feasibility of trials that report constraints, and the problem context that users store in
``study.user_attrs``.

Its size is bounded whatever the length of the history: at most ``max_context_trials`` recent
and running trials, a few best trials (``MAX_FRONT_TRIALS`` of a Pareto front), a few named
constraints per trial, and user attributes cut to fixed lengths.

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

from llm_guided_optuna.pareto import is_feasible
from llm_guided_optuna.pareto import losses
from llm_guided_optuna.pareto import pareto_front
from llm_guided_optuna.pareto import reported_constraints
from llm_guided_optuna.pareto import spread_sample
from llm_guided_optuna.pareto import total_violation
from llm_guided_optuna.pareto import widest_gap
from llm_guided_optuna.problem import MAX_KEY_CHARS
from llm_guided_optuna.problem import MAX_KNOWLEDGE_ITEMS  # noqa: F401 - re-exported
from llm_guided_optuna.problem import MAX_LIST_ITEMS  # noqa: F401 - re-exported
from llm_guided_optuna.problem import MAX_TEXT_CHARS  # noqa: F401 - re-exported
from llm_guided_optuna.problem import MAX_VALUE_CHARS  # noqa: F401 - re-exported
from llm_guided_optuna.problem import ProblemContext
from llm_guided_optuna.problem import read_problem_context
from llm_guided_optuna.problem import truncate_text


if TYPE_CHECKING:
    from optuna.study import Study


#: User attribute under which the sampler stores the configuration it proposed to a trial,
#: so that other threads and workers see proposals of trials that are still running.
PROPOSAL_ATTR = "llm_proposal"

MAX_BEST_TRIALS = 3
MAX_FRONT_TRIALS = 6
MAX_CONSTRAINTS_SHOWN = 4

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


class OptimizationContext(BaseModel):
    """Everything the LLM is told for one proposal.

    ``best_trials`` holds the best feasible trials; for several objectives a spread sample of
    the Pareto front of the feasible trials; when no complete trial is feasible yet, the
    trials closest to feasibility (``constraints.n_feasible == 0``).
    """

    directions: list[Literal["minimize", "maximize"]]
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
        proposal = trial.user_attrs.get(PROPOSAL_ATTR)
        if isinstance(proposal, Mapping):
            params = {name: value for name, value in proposal.items() if name in search_space}
    values = None
    if trial.state == TrialState.COMPLETE and trial.values is not None:
        values = [v for v in (_json_safe_number(float(x)) for x in trial.values) if v is not None]
    violation = None
    violations: dict[str, float] = {}
    constraints = reported_constraints(trial)
    if constraints:
        violation = total_violation(constraints)
        worst = sorted((item for item in constraints.items() if item[1] > 0), key=lambda i: (-i[1], i[0]))
        violations = dict(worst[:MAX_CONSTRAINTS_SHOWN])
    return TrialSummary(
        number=trial.number,
        state=_STATE_NAMES.get(trial.state, "failed"),
        values=values,
        params=params,
        constraint_violation=violation,
        violations=violations,
    )


class ContextBuilder:
    """Build a bounded :class:`OptimizationContext` from a study.

    Args:
        max_context_trials: How many of the most recent finished trials (and of the running
            ones) the context shows.
        max_best_trials: How many best trials it shows (single objective).
        max_front_trials: How many trials of the Pareto front it shows (several objectives).
    """

    def __init__(
        self,
        max_context_trials: int = 10,
        max_best_trials: int = MAX_BEST_TRIALS,
        max_front_trials: int = MAX_FRONT_TRIALS,
    ) -> None:
        if max_context_trials < 0:
            raise ValueError("max_context_trials must be >= 0")
        self.max_context_trials = max_context_trials
        self.max_best_trials = max_best_trials
        self.max_front_trials = max_front_trials

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
        constraints_of = {t.number: reported_constraints(t) for t in complete}
        feasible = [t for t in complete if is_feasible(constraints_of[t.number])]
        front = pareto_front(feasible, directions) if len(directions) > 1 else []

        fixed_params: dict[str, Any] = {}
        if current_trial is not None:
            fixed = current_trial.system_attrs.get("fixed_params", {})
            if isinstance(fixed, Mapping):
                fixed_params = {k: v for k, v in fixed.items() if k in search_space}

        limit = self.max_context_trials
        best = self._best_trials(complete, feasible, front, constraints_of, directions)
        return OptimizationContext(
            directions=directions,  # type: ignore[arg-type]
            objective_names=_objective_names(study),
            search_space=[describe_distribution(n, d) for n, d in search_space.items()],
            fixed_params=fixed_params,
            best_trials=[summarize_trial(t, search_space) for t in best],
            recent_trials=[summarize_trial(t, search_space) for t in finished[-limit:]]
            if limit
            else [],
            running_trials=[summarize_trial(t, search_space) for t in running[-limit:]]
            if limit
            else [],
            progress=self._progress(finished, complete, feasible, front, running, directions),
            trade_off=_trade_off(front, directions, search_space) if front else None,
            constraints=_constraint_summary(complete, constraints_of),
            problem=read_problem_context(study.user_attrs),
        )

    def _best_trials(
        self,
        complete: list[FrozenTrial],
        feasible: list[FrozenTrial],
        front: list[FrozenTrial],
        constraints_of: Mapping[int, Mapping[str, float]],
        directions: list[str],
    ) -> list[FrozenTrial]:
        if complete and not feasible:  # Constrained, nothing feasible yet: the closest trials.
            closest = sorted(complete, key=lambda t: (total_violation(constraints_of[t.number]), t.number))
            return closest[: self.max_best_trials]
        if len(directions) > 1:
            return spread_sample(front, directions, self.max_front_trials)
        sign = -1.0 if directions[0] == "maximize" else 1.0
        ranked = sorted(feasible, key=lambda t: (_score(t.values[0], sign), t.number))
        return ranked[: self.max_best_trials]

    def _progress(
        self,
        finished: list[FrozenTrial],
        complete: list[FrozenTrial],
        feasible: list[FrozenTrial],
        front: list[FrozenTrial],
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
        window = max(self.max_context_trials, 1)
        stalled_after = max(3, window // 2)
        if len(directions) > 1:
            # No single best value: the front "improves" when a trial joins it. The newest
            # trial on the front is the last one that changed it (a later trial dominating it
            # would be on the front too).
            if front:
                newest = max(t.number for t in front)
                summary.front_size = len(front)
                summary.trials_since_improvement = sum(1 for t in complete if t.number > newest)
            summary.phase = _phase(len(complete), summary.trials_since_improvement, stalled_after)
            return summary
        sign = -1.0 if directions[0] == "maximize" else 1.0
        feasible_numbers = {t.number for t in feasible}
        best_so_far = math.inf
        best_number = None
        since_improvement = 0
        history: list[float] = []
        for trial in complete:
            score = _score(trial.values[0], sign) if trial.number in feasible_numbers else math.inf
            if score < best_so_far:
                best_so_far, best_number, since_improvement = score, trial.number, 0
            else:
                since_improvement += 1
            history.append(best_so_far)
        if math.isfinite(best_so_far):
            summary.best_value = sign * best_so_far
        summary.best_trial_number = best_number
        summary.trials_since_improvement = since_improvement
        if len(history) > window and math.isfinite(history[-window - 1]) and math.isfinite(best_so_far):
            summary.recent_improvement = abs(history[-window - 1] - best_so_far)
        summary.phase = _phase(len(complete), since_improvement, stalled_after)
        return summary


def _phase(n_complete: int, since_improvement: int, stalled_after: int) -> Literal["starting", "improving", "stagnating"]:
    if n_complete < 3:
        return "starting"
    return "stagnating" if since_improvement >= stalled_after else "improving"


def _objective_names(study: Study) -> list[str] | None:
    """The study's metric names (``study.set_metric_names``), bounded, or ``None``."""
    names = getattr(study, "metric_names", None)
    if not names or all(name is None for name in names):
        return None
    return [truncate_text(name if name is not None else f"objective {i}", MAX_KEY_CHARS) for i, name in enumerate(names)]


def _trade_off(
    front: list[FrozenTrial], directions: list[str], search_space: Mapping[str, BaseDistribution]
) -> TradeOffSummary:
    """The ranges of the objectives along the front, its extremes and its widest gap."""
    loss = losses(front, directions)
    ranges: list[list[float]] = []
    extremes: list[int] = []
    for k in range(len(directions)):
        best = min(range(len(front)), key=lambda i: (loss[i, k], front[i].number))
        worst = max(range(len(front)), key=lambda i: (loss[i, k], -front[i].number))
        ranges.append([float(front[best].values[k]), float(front[worst].values[k])])
        extremes.append(front[best].number)
    gap = widest_gap(front, directions)
    return TradeOffSummary(
        front_size=len(front),
        ranges=ranges,
        extremes=extremes,
        widest_gap=[summarize_trial(t, search_space) for t in gap] if gap else [],
    )


def _constraint_summary(
    complete: list[FrozenTrial], constraints_of: Mapping[int, Mapping[str, float]]
) -> ConstraintSummary | None:
    """Feasibility counts, or ``None`` when no complete trial reported a constraint."""
    if not any(constraints_of.values()):
        return None
    names: dict[str, None] = {}
    violated: dict[str, int] = {}
    n_feasible = 0
    for trial in complete:
        constraints = constraints_of[trial.number]
        names.update(dict.fromkeys(constraints))
        n_feasible += is_feasible(constraints)
        for name, value in constraints.items():
            if value > 0:
                violated[name] = violated.get(name, 0) + 1
    most = sorted(violated.items(), key=lambda item: (-item[1], item[0]))[:MAX_CONSTRAINTS_SHOWN]
    return ConstraintSummary(
        names=list(names)[:MAX_CONSTRAINTS_SHOWN],
        n_feasible=n_feasible,
        n_infeasible=len(complete) - n_feasible,
        violated=dict(most),
    )


def _score(value: float, sign: float) -> float:
    """A value to minimise whatever the direction; NaN counts as worst."""
    score = sign * float(value)
    return math.inf if math.isnan(score) else score
