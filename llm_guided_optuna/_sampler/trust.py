"""The trust strategy's schedule: ask the LLM again while its trials outrank the optimizer's.

Under ``strategy="trust"`` the LLM warm-starts the study as under ``"prior"``, and its proposals
weight the Gaussian process as beliefs (πBO, :mod:`llm_guided_optuna._prior.configuration_prior`).
After the warm start, :class:`EvidenceTrust` decides trial by trial whether the LLM proposes again,
from the evidence in the study alone:

- **Evidence first.** Not before the optimizer's start-up design is complete (``reask_after``,
  by default its 5 trials): the advice is first checked against random trials, and no question
  takes the place of one of them (asking inside the start-up design, the design of 0.1, cost
  regret at 5 trials on the neural-network suite: docs/benchmarks_ablation.md).

- **Trust** is the rank-biserial correlation of the LLM's complete trials against the others
  (every pair of an LLM trial and another trial: 1 when the LLM's is strictly better, 1/2 on a
  tie), smoothed by ``pseudo_pairs`` pairs scored 1/2 and clipped at 0: with ``W`` the pairs won
  out of ``P``, ``trust = max(0, 2 (W + p/2) / (P + p) − 1)``. It is 1 when every LLM trial beats
  every other trial, 0 when they do no better than chance.
- **Share.** The LLM proposes a trial with probability ``max_share · trust``: an advisor whose
  trials pay is asked more often, the more they pay; one that does no better than the random
  start-up trials and the optimizer is not asked again. Later trials of the optimizer that
  outdo the LLM's lower its trust, so a fixed-skill advisor is asked less as the optimizer
  overtakes it.
- **Budget.** The LLM is asked for at most ``max_llm_trials`` trials after the warm start
  (``None``: no limit), so a slow local model cannot take over a study's time: by default
  :data:`IN_PROCESS_MAX_LLM_TRIALS` for a model run in this process (embedded or a GGUF file;
  on two CPU cores a call takes 20–50 s) and :data:`SERVED_MAX_LLM_TRIALS` for a model served
  elsewhere (:func:`default_max_llm_trials`). With ``reward_new_bests`` (the default), each
  LLM trial after the warm start that beats every trial before it earns one more: good advice is
  used while it keeps paying.

The schedule reads the study itself (``llm_proposal`` and ``llm_call`` of every trial), so it is
the same in every thread and worker process, and a restarted worker carries on.

Example:
    >>> schedule = EvidenceTrust(max_share=0.5)
    >>> schedule.trust_from_pairs(won=4.0, pairs=4)
    0.8
    >>> schedule.trust_from_pairs(won=2.0, pairs=4)
    0.0
"""

from __future__ import annotations

from collections.abc import Sequence
import random
from typing import TYPE_CHECKING

import numpy as np
from optuna.trial import TrialState

from llm_guided_optuna._attrs import CALL_ATTR
from llm_guided_optuna._attrs import has_llm_proposal
from llm_guided_optuna._attrs import TRUST_ATTR
from llm_guided_optuna._optuna_compat import set_trial_user_attr
from llm_guided_optuna._optuna_compat import study_trials
from llm_guided_optuna._prior.reliability import losses_by_source
from llm_guided_optuna._trials import loss_sign


if TYPE_CHECKING:
    from optuna.study import Study
    from optuna.study import StudyDirection
    from optuna.trial import FrozenTrial


#: The LLM's share of trials at full trust.
DEFAULT_MAX_SHARE = 0.5
#: Pairs scored 1/2 added to the evidence: one lucky trial does not earn full trust.
DEFAULT_PSEUDO_PAIRS = 1.0
#: LLM trials after the warm start at most, for a model run in this process.
IN_PROCESS_MAX_LLM_TRIALS = 3
#: LLM trials after the warm start at most, for a hosted model or one served at ``api_base``.
SERVED_MAX_LLM_TRIALS = 10


def default_max_llm_trials(in_process: bool) -> int:
    """The trust strategy's default budget of LLM trials after the warm start.

    Example:
        >>> default_max_llm_trials(in_process=True), default_max_llm_trials(in_process=False)
        (3, 10)
    """
    return IN_PROCESS_MAX_LLM_TRIALS if in_process else SERVED_MAX_LLM_TRIALS


class EvidenceTrust:
    """Decides per trial, after the warm start, whether the LLM proposes again.

    Args:
        warm_start_trials: Trials (after the first) that the LLM proposes unconditionally, in
            one call (:class:`~llm_guided_optuna._proposal.claims.WarmStartClaim` decides which).
        max_share: The LLM's share of later trials at full trust.
        pseudo_pairs: Pairs scored 1/2 that smooth the trust (see the module's docstring).
        max_llm_trials: Trials after the warm start that the LLM may propose at most
            (``None``: no limit).
        reask_after: Complete trials before the LLM may be asked again (the optimizer's
            start-up design, so that no random start-up trial is replaced).
        reward_new_bests: Each LLM trial after the warm start that beats every trial before it
            raises ``max_llm_trials`` by one.
        seed: Makes the per-trial draws reproducible.
    """

    def __init__(
        self,
        *,
        warm_start_trials: int = 1,
        max_share: float = DEFAULT_MAX_SHARE,
        pseudo_pairs: float = DEFAULT_PSEUDO_PAIRS,
        max_llm_trials: int | None = None,
        reask_after: int = 0,
        reward_new_bests: bool = False,
        seed: int | None = None,
    ) -> None:
        # The strategy's options are checked once, by :class:`~llm_guided_optuna.Trust`.
        if pseudo_pairs < 0:
            raise ValueError(f"pseudo_pairs must be >= 0, got {pseudo_pairs!r}")
        self.warm_start_trials = warm_start_trials
        self.max_share = max_share
        self.pseudo_pairs = pseudo_pairs
        self.max_llm_trials = max_llm_trials
        self.reask_after = reask_after
        self.reward_new_bests = reward_new_bests
        self.seed = seed

    def ask_llm(self, study: Study, trial: FrozenTrial) -> bool:
        """Whether the LLM proposes ``trial``, a trial after the warm start."""
        if self.max_share == 0.0:
            return False
        trials = study_trials(study)
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        if len(complete) < self.reask_after:
            return False  # The optimizer's start-up design is not complete yet.
        if self.max_llm_trials is not None:
            # Every trial the LLM was asked for records its call, a failed one too.
            asked = sum(1 for t in trials if CALL_ATTR in t.user_attrs)
            budget = self.max_llm_trials
            if self.reward_new_bests:
                budget += new_bests_after_warm_start(
                    complete, study.directions, self.warm_start_trials
                )
            if asked >= budget + max(1, self.warm_start_trials):
                return False
        trust = self.trust(trials, study.directions)
        set_trial_user_attr(study, trial, TRUST_ATTR, trust)  # Why it was (not) asked.
        draw = random.Random(f"{self.seed}:{trial.number}:trust").random()
        return draw < self.max_share * trust

    def trust(self, trials: Sequence[FrozenTrial], directions: Sequence[StudyDirection]) -> float:
        """The LLM's trust in ``[0, 1]`` from the complete ``trials`` (0 without evidence:
        no LLM trial or no other trial complete yet; and with several objectives, where the
        strategy is ``"prior"``'s: one warm start)."""
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        losses = losses_by_source(complete, directions)
        if losses is None:
            return 0.0
        llm, other = losses
        won = float(
            np.sum(llm[:, None] < other[None, :]) + 0.5 * np.sum(llm[:, None] == other[None, :])
        )
        return self.trust_from_pairs(won, llm.size * other.size)

    def trust_from_pairs(self, won: float, pairs: int) -> float:
        """``max(0, 2 (won + p/2) / (pairs + p) − 1)`` with ``p`` = ``pseudo_pairs``."""
        total = pairs + self.pseudo_pairs
        if total <= 0:
            return 0.0
        score = (won + 0.5 * self.pseudo_pairs) / total
        return round(max(0.0, 2.0 * score - 1.0), 6)


def new_bests_after_warm_start(
    complete: Sequence[FrozenTrial], directions: Sequence[StudyDirection], warm_start_trials: int
) -> int:
    """How many of the LLM's trials after the warm start beat every trial before them: each
    earns the LLM one more trial of budget (single objective; 0 with several).

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> llm = {"llm_proposal": {}}
        >>> for value, attrs in [(3.0, {}), (2.0, llm), (1.0, llm)]:
        ...     study.add_trial(optuna.trial.create_trial(value=value, user_attrs=attrs))
        >>> new_bests_after_warm_start(study.trials, study.directions, warm_start_trials=1)
        1
    """
    if len(directions) != 1:
        return 0
    sign = loss_sign(directions[0])
    best = float("inf")
    earned = 0
    for trial in sorted(complete, key=lambda t: t.number):
        if not trial.values:
            continue
        loss = sign * float(trial.values[0])
        if not loss == loss:  # NaN
            continue
        if loss < best and has_llm_proposal(trial) and trial.number > warm_start_trials:
            earned += 1
        best = min(best, loss)
    return earned
