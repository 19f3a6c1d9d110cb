"""Build what the LLM is told about a study: :class:`ContextBuilder`.

:meth:`ContextBuilder.build` reads a study and returns an
:class:`~llm_guided_optuna._prompt.context.OptimizationContext`, which
:mod:`llm_guided_optuna._prompt.render` renders into chat messages: the direction(s), the search
space, the best trials (for several objectives, a spread sample of the Pareto front and the
trade-off it shows), the most recent finished trials, the trials still running (so the LLM does not
propose them again), a summary of progress, the feasibility of trials that report constraints, and
the problem context that users store in ``study.user_attrs``.

Its size is bounded whatever the length of the history: at most ``max_context_trials`` recent
and running trials, a few best trials (``MAX_FRONT_TRIALS`` of a Pareto front), a few named
constraints per trial, and user attributes cut to fixed lengths.

Example:
    >>> import optuna
    >>> study = optuna.create_study()
    >>> study.set_user_attr("problem_type", "regression")
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=4)
    >>> from llm_guided_optuna._sampler.search_space import UnionSearchSpace
    >>> space = UnionSearchSpace().calculate(study)
    >>> context = ContextBuilder(max_context_trials=2).build(study, space)
    >>> len(context.recent_trials), context.problem.problem_type
    (2, 'regression')
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
import math
from typing import Any
from typing import Literal
from typing import TYPE_CHECKING

from optuna.distributions import BaseDistribution
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from llm_guided_optuna._optuna_compat import study_trials
from llm_guided_optuna._prompt.context import ConstraintSummary
from llm_guided_optuna._prompt.context import describe_distribution
from llm_guided_optuna._prompt.context import DirectionName
from llm_guided_optuna._prompt.context import MAX_BEST_TRIALS
from llm_guided_optuna._prompt.context import MAX_CONSTRAINTS_SHOWN
from llm_guided_optuna._prompt.context import MAX_FRONT_TRIALS
from llm_guided_optuna._prompt.context import OptimizationContext
from llm_guided_optuna._prompt.context import ProgressSummary
from llm_guided_optuna._prompt.context import STATE_NAMES
from llm_guided_optuna._prompt.context import summarize_trial
from llm_guided_optuna._prompt.context import TradeOffSummary
from llm_guided_optuna._prompt.problem import MAX_KEY_CHARS
from llm_guided_optuna._prompt.problem import read_problem_context
from llm_guided_optuna._prompt.problem import truncate_text
from llm_guided_optuna._prompt.related import RelatedStudies
from llm_guided_optuna._trials import is_feasible
from llm_guided_optuna._trials import loss_sign
from llm_guided_optuna._trials import losses
from llm_guided_optuna._trials import pareto_front
from llm_guided_optuna._trials import reported_constraints
from llm_guided_optuna._trials import spread_sample
from llm_guided_optuna._trials import total_violation
from llm_guided_optuna._trials import widest_gap


if TYPE_CHECKING:
    from optuna.study import Study


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
        related: RelatedStudies | None = None,
    ) -> None:
        if max_context_trials < 0:
            raise ValueError("max_context_trials must be >= 0")
        self.max_context_trials = max_context_trials
        self.max_best_trials = max_best_trials
        self.max_front_trials = max_front_trials
        self.related = related

    def build(
        self,
        study: Study,
        search_space: Mapping[str, BaseDistribution],
        current_trial: FrozenTrial | None = None,
    ) -> OptimizationContext:
        """Snapshot ``study`` for a proposal of ``search_space`` for ``current_trial``."""
        trials = study_trials(study)
        directions: list[DirectionName] = [
            "maximize" if d == StudyDirection.MAXIMIZE else "minimize" for d in study.directions
        ]
        finished = [t for t in trials if t.state in STATE_NAMES and t.state != TrialState.RUNNING]
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
            directions=directions,
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
            related=self.related.of(study) if self.related is not None else [],
        )

    def _best_trials(
        self,
        complete: list[FrozenTrial],
        feasible: list[FrozenTrial],
        front: list[FrozenTrial],
        constraints_of: Mapping[int, Mapping[str, float]],
        directions: Sequence[str],
    ) -> list[FrozenTrial]:
        if complete and not feasible:  # Constrained, nothing feasible yet: the closest trials.
            closest = sorted(
                complete, key=lambda t: (total_violation(constraints_of[t.number]), t.number)
            )
            return closest[: self.max_best_trials]
        if len(directions) > 1:
            return spread_sample(front, directions, self.max_front_trials)
        sign = loss_sign(directions[0])
        ranked = sorted(feasible, key=lambda t: (_score(t.values[0], sign), t.number))
        return ranked[: self.max_best_trials]

    def _progress(
        self,
        finished: list[FrozenTrial],
        complete: list[FrozenTrial],
        feasible: list[FrozenTrial],
        front: list[FrozenTrial],
        running: list[FrozenTrial],
        directions: Sequence[str],
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
        sign = loss_sign(directions[0])
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
        if (
            len(history) > window
            and math.isfinite(history[-window - 1])
            and math.isfinite(best_so_far)
        ):
            summary.recent_improvement = abs(history[-window - 1] - best_so_far)
        summary.phase = _phase(len(complete), since_improvement, stalled_after)
        return summary


def _phase(
    n_complete: int, since_improvement: int, stalled_after: int
) -> Literal["starting", "improving", "stagnating"]:
    if n_complete < 3:
        return "starting"
    return "stagnating" if since_improvement >= stalled_after else "improving"


def _objective_names(study: Study) -> list[str] | None:
    """The study's metric names (``study.set_metric_names``), bounded, or ``None``."""
    names = getattr(study, "metric_names", None)
    if not names or all(name is None for name in names):
        return None
    return [
        truncate_text(name if name is not None else f"objective {i}", MAX_KEY_CHARS)
        for i, name in enumerate(names)
    ]


def _trade_off(
    front: list[FrozenTrial],
    directions: Sequence[str],
    search_space: Mapping[str, BaseDistribution],
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
