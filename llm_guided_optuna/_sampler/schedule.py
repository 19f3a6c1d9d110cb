"""The hybrid strategy: the LLM advises a classical optimizer that keeps the state.

Published results agree that an LLM proposing every trial loses to TPE and CMA-ES on fixed
search spaces, while an LLM that *advises* a classical optimizer helps, mostly in the first
trials. :class:`AdaptiveLLMShare` decides, trial by trial, which of the two proposes:

- **Warm start.** ``warm_start_trials`` trials are the LLM's: the first trial that sees the
  search space (trial 1 in a single process) claims them
  (:class:`~llm_guided_optuna._proposal.claims.WarmStartClaim`), and the LLM proposes them in
  one call from the problem context and the parameter names, replacing part of the random
  initial design of the classical optimizer (which starts modelling right after).
- **Adaptive share.** Afterwards the LLM proposes a trial with probability ``share``. Its share
  follows its record: each finished trial is scored *good* when its value is in the best
  quarter of the complete trials before it; with Beta(1, 1) smoothing, the share is
  ``initial_share * p_good(LLM) / p_good(optimizer)``, clipped to ``[min_share, max_share]``.
  An LLM whose trials pay off gets more trials, a useless one falls to ``min_share``.
- **Decay.** LLMs help most in the first trials, and every trial the LLM takes is one the
  optimizer's model does not choose. Past ``decay_start`` complete trials (default twice the
  warm start plus one) the share is multiplied by ``decay_start / n``: with the defaults,
  0.3 at 10 trials, 0.15 at 20 and 0.1 at 30 while the record is even.

The share is computed from the study itself (the ``llm_source`` attribute of each trial), so
it is the same in every thread and worker process, and a restarted worker carries on.

Example:
    >>> schedule = AdaptiveLLMShare(warm_start_trials=4, initial_share=0.3)
    >>> schedule.share_from_record(llm_good=1, llm_total=6, optimizer_good=3, optimizer_total=6)
    0.15
    >>> schedule.decayed(0.3, n_complete=20)
    0.15
"""

from __future__ import annotations

from collections.abc import Sequence
import math
import random
from typing import TYPE_CHECKING

from optuna.samplers import BaseSampler
from optuna.samplers import GPSampler
from optuna.samplers import TPESampler
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from llm_guided_optuna._attrs import source_is_llm
from llm_guided_optuna._imports import gp_available
from llm_guided_optuna._optuna_compat import study_trials
from llm_guided_optuna._trials import dominating
from llm_guided_optuna._trials import loss_sign
from llm_guided_optuna._trials import losses


if TYPE_CHECKING:
    from optuna.study import Study


GOOD_QUANTILE = 0.25


def default_optimizer(seed: int | None, n_startup_trials: int) -> BaseSampler:
    """The classical optimizer of the hybrid strategy: Optuna's GPSampler when PyTorch and
    SciPy are installed, otherwise a multivariate TPESampler; both start modelling after
    ``n_startup_trials`` trials."""
    if not gp_available():
        return TPESampler(seed=seed, multivariate=True, n_startup_trials=n_startup_trials)
    return GPSampler(seed=seed, n_startup_trials=n_startup_trials)


class WarmStartOnly:
    """The schedule of the prior strategy: the LLM proposes the warm start and nothing more.

    Example:
        >>> WarmStartOnly(warm_start_trials=1).ask_llm(None, None)  # type: ignore[arg-type]
        False
    """

    def __init__(self, warm_start_trials: int = 1) -> None:
        self.warm_start_trials = warm_start_trials

    def ask_llm(self, study: Study, trial: FrozenTrial) -> bool:
        """Never: after the warm start the LLM's beliefs weight the GP instead."""
        return False


class AdaptiveLLMShare:
    """Decides per trial whether the LLM or the classical optimizer proposes.

    Args:
        warm_start_trials: Trials (after the first) that the LLM proposes unconditionally.
        initial_share: The LLM's share of later trials while its record is even.
        min_share: The share never falls below this (the LLM keeps a chance to prove itself),
            nor below ``initial_share`` if that is smaller.
        max_share: The share never rises above this (the optimizer keeps learning), nor above
            ``initial_share`` if that is larger.
        seed: Makes the per-trial draws reproducible.
        decay_start: Complete trials after which the share decays as ``decay_start / n``
            (default ``2 * (warm_start_trials + 1)``).
    """

    def __init__(
        self,
        warm_start_trials: int = 4,
        initial_share: float = 0.3,
        min_share: float = 0.05,
        max_share: float = 0.6,
        seed: int | None = None,
        decay_start: int | None = None,
    ) -> None:
        # The options are checked once, by the strategy (:class:`~llm_guided_optuna.Hybrid`).
        self.warm_start_trials = warm_start_trials
        self.initial_share = initial_share
        # A share of 0 or 1 asked for explicitly is kept: the bounds widen to include it.
        self.min_share = min(min_share, initial_share)
        self.max_share = max(max_share, initial_share)
        self.seed = seed
        self.decay_start = 2 * (warm_start_trials + 1) if decay_start is None else decay_start

    def ask_llm(self, study: Study, trial: FrozenTrial) -> bool:
        """Whether the LLM proposes ``trial``, a trial after the warm start (which trials the
        warm start is for, :class:`~llm_guided_optuna._proposal.claims.WarmStartClaim` decides)."""
        if self.initial_share == 0.0:
            return False
        share = self.current_share(study)
        draw = random.Random(f"{self.seed}:{trial.number}").random()
        return draw < share

    def current_share(self, study: Study) -> float:
        """The LLM's share of trials now, from the record in the study."""
        trials = study_trials(study, (TrialState.COMPLETE,))
        share = self.share_from_record(*score_record(trials, study.directions))
        return self.decayed(share, len(trials))

    def decayed(self, share: float, n_complete: int) -> float:
        """``share`` scaled by ``decay_start / n_complete`` once past ``decay_start`` trials."""
        if n_complete <= self.decay_start or self.decay_start <= 0:
            return share
        return round(share * self.decay_start / n_complete, 6)

    def share_from_record(
        self, llm_good: int, llm_total: int, optimizer_good: int, optimizer_total: int
    ) -> float:
        """``initial_share`` scaled by the ratio of the two smoothed good-trial rates."""
        llm_rate = (llm_good + 1) / (llm_total + 2)
        optimizer_rate = (optimizer_good + 1) / (optimizer_total + 2)
        share = self.initial_share * llm_rate / optimizer_rate
        return round(min(self.max_share, max(self.min_share, share)), 6)


def score_record(
    complete: Sequence[FrozenTrial], directions: Sequence[StudyDirection]
) -> tuple[int, int, int, int]:
    """``(llm_good, llm_total, optimizer_good, optimizer_total)`` over ``complete`` trials.

    A trial is good when its value is in the best :data:`GOOD_QUANTILE` of the complete
    trials before it; with several objectives, when no complete trial before it dominates
    it (it reached the Pareto front of its time). Trials before the fourth have no record to
    be compared with.
    """
    if len(directions) != 1:
        return _score_multi_objective(complete, directions)
    sign = loss_sign(directions[0])
    ordered = sorted(complete, key=lambda t: t.number)
    earlier: list[float] = []
    counts = [0, 0, 0, 0]
    for trial in ordered:
        value = sign * float(trial.values[0]) if trial.values else math.inf
        if math.isnan(value):
            value = math.inf
        if len(earlier) >= 3:
            threshold = sorted(earlier)[max(0, math.ceil(GOOD_QUANTILE * len(earlier)) - 1)]
            good = value <= threshold
            offset = 0 if source_is_llm(trial) else 2
            counts[offset] += int(good)
            counts[offset + 1] += 1
        earlier.append(value)
    return counts[0], counts[1], counts[2], counts[3]


def _score_multi_objective(
    complete: Sequence[FrozenTrial], directions: Sequence[StudyDirection]
) -> tuple[int, int, int, int]:
    scored = [
        t
        for t in sorted(complete, key=lambda t: t.number)
        if t.values and len(t.values) == len(directions)
    ]
    loss = losses(scored, directions)
    counts = [0, 0, 0, 0]
    for index, trial in enumerate(scored):
        if index >= 3:
            dominated = bool(dominating(loss[:index], loss[index]).any())
            offset = 0 if source_is_llm(trial) else 2
            counts[offset] += int(not dominated)
            counts[offset + 1] += 1
    return counts[0], counts[1], counts[2], counts[3]
