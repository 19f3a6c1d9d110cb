"""How far the study's evidence supports the LLM's beliefs: the reliability checks of the prior.

The prior strategy scales the prior's exponent by a reliability ``ρ`` in ``[0, 1]`` read from
the study (``docs/01_mathematical_foundations.md``, sections 5.3, 5.8 and 5.9), so that beliefs the
evidence refutes stop steering the Gaussian process. Three checks are available, named by
:data:`RELIABILITY_ESTIMATES` (``PriorWeightedGPSampler(reliability_estimate=...)``):

* ``"density"`` (:func:`density_reliability`, the default): are the trials where the prior is
  dense better than those where it is thin? Every trial counts, the optimizer's too: the trials
  the prior steered near a belief are evidence for or against it. The values a user states in
  ``domain_knowledge`` are checked the same way; the other two checks read only the LLM's trials.
* ``"median"`` (:func:`belief_reliability`): are the LLM's own trials better than the median
  trial, as often as the others are? (The default before the density check was measured.)
* ``"rank"`` (:func:`rank_reliability`): how far do the LLM's trials outrank the others, pair
  by pair?

Every check is 1 without evidence and for multi-objective studies.

Example:
    >>> belief_reliability([], ["minimize"]), rank_reliability([], ["minimize"])
    (1.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
import math
from typing import Any
from typing import TYPE_CHECKING

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial

from llm_guided_optuna._attrs import has_llm_proposal
from llm_guided_optuna._optuna_compat import contains
from llm_guided_optuna._prior._gp_compat import normalize_trials
from llm_guided_optuna._trials import loss_sign


if TYPE_CHECKING:
    from llm_guided_optuna._prior.configuration_prior import ConfigurationPrior


#: The names of the checks, for ``PriorWeightedGPSampler(reliability_estimate=...)``.
RELIABILITY_ESTIMATES = ("median", "rank", "density")
#: The density check reads at most this many complete trials, the latest (its cost is quadratic).
MAX_DENSITY_EVIDENCE = 500
#: Prior log densities closer than this are a tie for the density check.
DENSITY_TIE = 1e-9


def losses_by_source(
    complete: Sequence[FrozenTrial], directions: Sequence[Any]
) -> tuple[np.ndarray, np.ndarray] | None:
    """The finite values of the LLM's complete trials and of the others, as losses (lower is
    better); ``None`` with several objectives or while either kind has no trial."""
    if len(directions) != 1:
        return None
    sign = loss_sign(directions[0])
    scored = [(sign * float(t.values[0]), has_llm_proposal(t)) for t in complete if t.values]
    scored = [(value, is_llm) for value, is_llm in scored if math.isfinite(value)]
    llm = np.array([value for value, is_llm in scored if is_llm])
    other = np.array([value for value, is_llm in scored if not is_llm])
    if llm.size == 0 or other.size == 0:
        return None
    return llm, other


def belief_reliability(complete: Sequence[FrozenTrial], directions: Sequence[Any]) -> float:
    """How far the study's evidence supports the LLM's beliefs, in ``[0, 1]``: the median check.

    A complete trial is *good* when its value is strictly better than the median of all
    complete values (ties are not good: a plateau says nothing). With ``r = (good + 1) /
    (n + 2)`` for the LLM's trials and for the others, the reliability is
    ``min(1, r_llm / r_others)``, and 0 when none of the LLM's trials is good: the beliefs are
    refuted and the GP goes on alone. It is 1 without evidence (no LLM trial or no other
    trial yet) and for multi-objective studies.

    Example:
        >>> belief_reliability([], ["minimize"])
        1.0
    """
    losses = losses_by_source(complete, directions)
    if losses is None:
        return 1.0
    llm, other = losses
    median = float(np.median(np.concatenate([llm, other])))
    good_llm = int(np.sum(llm < median))
    good_other = int(np.sum(other < median))
    if good_llm == 0:
        return 0.0
    rate_llm = (good_llm + 1) / (llm.size + 2)
    rate_other = (good_other + 1) / (other.size + 2)
    return min(1.0, rate_llm / rate_other)


def rank_reliability(complete: Sequence[FrozenTrial], directions: Sequence[Any]) -> float:
    """How far the LLM's trials outrank the others, in ``[0, 1]``: the rank check.

    Over every pair of an LLM trial and another complete trial, the LLM's trial scores 1 when it
    is strictly better, 1/2 on a tie and 0 otherwise; with ``A`` the mean score (the
    Mann-Whitney statistic over the number of pairs), the reliability is ``max(0, 2A − 1)``,
    the rank-biserial correlation clipped at 0. It is 1 when every LLM trial beats every other
    trial and 0 when they do no better than chance. Unlike :func:`belief_reliability`, one
    LLM trial that was lucky loses weight as soon as other trials outdo it: ranked 2nd of 10,
    it wins 8 of 9 pairs and gets ``ρ = 7/9``, where the median check gives 1. It is 1 without
    evidence (no LLM trial or no other trial yet) and for multi-objective studies.

    Example:
        >>> rank_reliability([], ["minimize"])
        1.0
    """
    losses = losses_by_source(complete, directions)
    if losses is None:
        return 1.0
    llm, other = losses
    wins = np.sum(llm[:, None] < other[None, :]) + 0.5 * np.sum(llm[:, None] == other[None, :])
    share = float(wins) / (llm.size * other.size)
    return max(0.0, 2.0 * share - 1.0)


def density_reliability(
    complete: Sequence[FrozenTrial],
    directions: Sequence[Any],
    prior: ConfigurationPrior | None,
    search_space: Mapping[str, BaseDistribution],
) -> float:
    """Whether the trials where the prior is dense did better, in ``[0, 1]``: the density check.

    The reliability is Kendall's ``τ_b`` between the prior's log density at every complete
    trial and how good the trial was (its value, negated when minimised), clipped at 0: 1 when
    the denser the prior at a trial the better the trial, 0 when density and quality are
    unrelated or opposed. Unlike the median and rank checks, which read only the LLM's own
    trials, it reads every trial: those the prior steered near a belief weigh for it when they
    do well and against it when they do badly, so a belief that was lucky once loses weight as
    its neighbourhood disappoints. Prior densities closer than :data:`DENSITY_TIE` are ties.

    It is 1 without evidence: without a prior, before 3 complete trials hold a value and a
    value for every parameter of ``search_space``, when the prior does not tell those trials
    apart, and for multi-objective studies. It is 0 on a plateau (every value alike). Only the
    latest :data:`MAX_DENSITY_EVIDENCE` such trials are read.

    Example:
        >>> density_reliability([], ["minimize"], None, {})
        1.0
    """
    if prior is None or len(directions) != 1 or not search_space:
        return 1.0
    usable = [t for t in complete if _has_finite_value(t) and _covers(t, search_space)]
    usable = sorted(usable, key=lambda t: t.number)[-MAX_DENSITY_EVIDENCE:]
    if len(usable) < 3:
        return 1.0
    points = normalize_trials(search_space, usable)
    density = prior.log_density_numpy(points)
    quality = np.array([-loss_sign(directions[0]) * float(t.values[0]) for t in usable])
    tau = _kendall_tau_b(density, quality, tie=DENSITY_TIE)
    if tau is None:
        return 0.0 if np.all(quality == quality[0]) else 1.0
    return max(0.0, tau)


def _has_finite_value(trial: FrozenTrial) -> bool:
    return bool(trial.values) and math.isfinite(trial.values[0])


def _covers(trial: FrozenTrial, search_space: Mapping[str, BaseDistribution]) -> bool:
    """Whether ``trial`` has a value inside every distribution of ``search_space``."""
    try:
        return all(
            name in trial.params
            and contains(distribution, distribution.to_internal_repr(trial.params[name]))
            for name, distribution in search_space.items()
        )
    except (ValueError, TypeError):
        return False


def _kendall_tau_b(first: np.ndarray, second: np.ndarray, tie: float = 0.0) -> float | None:
    """Kendall's ``τ_b`` of two samples (differences within ``tie`` are ties); ``None`` when
    either sample is all ties."""
    upper = np.triu_indices(first.size, k=1)
    differences = []
    for sample in (first, second):
        difference = (sample[:, None] - sample[None, :])[upper]
        differences.append(np.where(np.abs(difference) <= tie, 0.0, np.sign(difference)))
    untied_first = int(np.count_nonzero(differences[0]))
    untied_second = int(np.count_nonzero(differences[1]))
    if untied_first == 0 or untied_second == 0:
        return None
    return float(np.sum(differences[0] * differences[1])) / math.sqrt(untied_first * untied_second)
