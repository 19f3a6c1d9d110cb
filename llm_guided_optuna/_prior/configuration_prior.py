"""The prior strategy: LLM beliefs combined with a Gaussian-process model, as in πBO.

The LLM's proposals are read as *beliefs* about where good configurations lie. They define a
prior density over the search space (a mixture of Gaussians centred on the proposals, in the
optimizer's normalised coordinates); the Gaussian process supplies the evidence. Following
πBO (Hvarfner et al., ICLR 2022) the acquisition after ``n`` finished trials is

.. math::

    \\alpha_n(x) = \\mathrm{EI}_n(x) \\, \\pi(x)^{\\beta / n},
    \\qquad \\log \\alpha_n(x) = \\log \\mathrm{EI}_n(x) + \\frac{\\beta}{n} \\log \\pi(x),

so the prior steers the first model-based trials and its influence decays as evidence
accumulates; as ``n`` grows the optimizer becomes plain GP-EI again, which keeps GP's
convergence. The derivation and the choice of ``β`` and the kernel width are in
``docs/01_mathematical_foundations.md``.

This module reads the beliefs from the study (the ``llm_proposal`` of every trial the LLM proposed)
and builds the prior density; :mod:`llm_guided_optuna._prior.reliability` checks the beliefs
against the study's evidence, and :mod:`llm_guided_optuna._prior.sampler` holds the sampler that
weights GPSampler's acquisition with the prior.

Example:
    >>> space = {"x": FloatDistribution(0, 1)}  # doctest: +SKIP
    >>> prior = build_prior([{"x": 0.3}], space, width=0.2)  # doctest: +SKIP
    >>> prior.log_density(torch.tensor([[0.3]]))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
import math
from typing import Any
from typing import TYPE_CHECKING

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from llm_guided_optuna._attrs import llm_proposal
from llm_guided_optuna._attrs import PROPOSAL_ATTR
from llm_guided_optuna._optuna_compat import contains
from llm_guided_optuna._prior._gp_compat import categorical_mask
from llm_guided_optuna._prior._gp_compat import normalize_configurations
from llm_guided_optuna._proposal.stated_beliefs import StatedBelief
from llm_guided_optuna._trials import loss_sign


if TYPE_CHECKING:
    import torch


DEFAULT_PRIOR_STRENGTH = 1.0
DEFAULT_PRIOR_WIDTH = 0.2
DEFAULT_PRIOR_FLOOR = 0.05
CATEGORICAL_BELIEF = 0.7
MAX_BELIEFS = 8
#: How the beliefs weigh in the prior's mixture: all alike, or by how their trials did.
BELIEF_WEIGHTINGS = ("uniform", "evidence")
EVIDENCE_TEMPERATURE = 0.25


def llm_belief_trials(trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
    """The trials whose configuration the LLM proposed (at most :data:`MAX_BELIEFS`, the
    earliest first: the warm start, which came from the problem context alone)."""
    chosen: list[FrozenTrial] = []
    for trial in sorted(trials, key=lambda t: t.number):
        if llm_proposal(trial):  # A non-empty configuration.
            chosen.append(trial)
        if len(chosen) >= MAX_BELIEFS:
            break
    return chosen


def llm_beliefs(trials: Sequence[FrozenTrial]) -> list[dict[str, Any]]:
    """The configurations the LLM proposed in ``trials`` (see :func:`llm_belief_trials`)."""
    return [dict(trial.user_attrs[PROPOSAL_ATTR]) for trial in llm_belief_trials(trials)]


def belief_weights(
    belief_trials: Sequence[FrozenTrial],
    complete: Sequence[FrozenTrial],
    directions: Sequence[Any],
    temperature: float = EVIDENCE_TEMPERATURE,
) -> np.ndarray:
    """Weights of the beliefs in the prior's mixture, from how their trials did.

    A belief whose trial is complete gets ``exp(-q / temperature)``, with ``q`` the share of
    complete trials strictly better than it (0 for the best trial); one not yet evaluated gets
    the weight of the median (``q = 0.5``). With several objectives every belief weighs the same.

    Example:
        >>> belief_weights([], [], ["minimize"]).shape
        (0,)
    """
    if len(directions) != 1:
        return np.ones(len(belief_trials))
    sign = loss_sign(directions[0])
    losses = np.array(
        [sign * float(t.values[0]) for t in complete if t.values and math.isfinite(t.values[0])]
    )
    weights = []
    for trial in belief_trials:
        quantile = 0.5
        if (
            trial.state == TrialState.COMPLETE
            and trial.values
            and math.isfinite(trial.values[0])
            and losses.size
        ):
            quantile = float(np.sum(losses < sign * float(trial.values[0]))) / losses.size
        weights.append(math.exp(-quantile / temperature))
    return np.array(weights)


class ConfigurationPrior:
    """A mixture of Gaussians centred on believed-good configurations, floored by the uniform.

    In the normalised search space (``[0, 1]`` per numerical coordinate, log-scaled where the
    distribution is; categorical coordinates hold the choice index) the density is

        π(x) = (1 − ε) · Σ_k w_k Π_j K_j(x_j; c_kj) + ε · u(x),
        Σ_k w_k = 1 (w_k = 1/K by default),

    with a Gaussian of standard deviation ``width`` for numerical coordinates, the believed
    choice at probability :data:`CATEGORICAL_BELIEF` (the rest shared) for categorical ones,
    and ``u`` the uniform density. The floor ``ε`` keeps ``π`` away from 0, so a confidently
    wrong belief slows the search but cannot exclude any region. :meth:`log_density` is
    shifted so that the density at a centre is about 1 (log 0): constant shifts do not move
    the arg max of the weighted acquisition.

    Args:
        centers: ``(K, d)`` normalised configurations (categoricals as choice indices).
        is_categorical: ``(d,)`` mask of categorical coordinates.
        n_choices: ``(d,)`` number of choices of each categorical coordinate.
        width: Standard deviation of each Gaussian, in normalised units: one for every
            coordinate, or ``(d,)`` (a stated belief is narrower or wider than a guess).
        floor: ``ε``, the weight of the uniform component.
        weights: ``(K,)`` positive weights of the centres (default: all alike).
        informed: ``(d,)`` mask of the coordinates the beliefs say something about (default:
            all); the others are uniform under the prior.

    Example:
        >>> import numpy as np
        >>> prior = ConfigurationPrior(np.array([[0.5]]), np.array([False]), np.array([0]))
        >>> [round(float(v), 2) for v in prior.log_density_numpy(np.array([[0.5], [0.9], [0.0]]))]
        [0.0, -1.85, -2.68]
    """

    def __init__(
        self,
        centers: np.ndarray,
        is_categorical: np.ndarray,
        n_choices: np.ndarray,
        width: float | np.ndarray = DEFAULT_PRIOR_WIDTH,
        floor: float = DEFAULT_PRIOR_FLOOR,
        weights: np.ndarray | None = None,
        informed: np.ndarray | None = None,
    ) -> None:
        if centers.ndim != 2 or centers.shape[0] == 0:
            raise ValueError("a prior needs at least one centre")
        if weights is not None and (
            weights.shape != (centers.shape[0],) or not np.all(weights > 0)
        ):
            raise ValueError("the prior's weights must be positive, one per centre")
        widths = np.broadcast_to(np.asarray(width, dtype=float), (centers.shape[1],)).copy()
        if not np.all(widths > 0):
            raise ValueError("the prior's width must be positive")
        if not 0.0 < floor < 1.0:
            raise ValueError("the prior's floor must be in (0, 1)")
        self.centers = centers.astype(float)
        self.is_categorical = is_categorical.astype(bool)
        self.n_choices = np.maximum(n_choices.astype(int), 1)
        self.widths = widths
        self.informed = (
            np.ones(centers.shape[1], dtype=bool) if informed is None else informed.astype(bool)
        )
        choices = np.maximum(n_choices.astype(float), 2.0)
        # Densities relative to the uniform one: a categorical choice has uniform mass 1/n.
        self._log_match = np.log(CATEGORICAL_BELIEF * choices)
        self._log_other = np.log((1.0 - CATEGORICAL_BELIEF) / (choices - 1.0) * choices)
        self._log_gauss_peak = -np.log(self.widths * math.sqrt(2.0 * math.pi))
        shares = np.full(self.centers.shape[0], 1.0) if weights is None else weights.astype(float)
        self.mixture_weights = shares / shares.sum()
        self.floor = floor
        self._log_mixture_weights = math.log(1.0 - floor) + np.log(self.mixture_weights)
        self._log_floor = math.log(floor)
        numeric_peak = float(self._log_gauss_peak[~self.is_categorical & self.informed].sum())
        categorical_peak = float(self._log_match[self.is_categorical & self.informed].sum())
        self._log_peak = float(
            np.logaddexp(math.log(1.0 - floor) + numeric_peak + categorical_peak, self._log_floor)
        )

    def log_density(self, x: torch.Tensor) -> torch.Tensor:
        """Log prior density of normalised points ``x`` of shape ``(..., d)``, shifted so that
        a lone centre has log density 0."""
        import torch

        centers = torch.from_numpy(self.centers).to(x.dtype)
        diff = x.unsqueeze(-2) - centers  # (..., K, d)
        numeric = torch.from_numpy(~self.is_categorical)
        widths = torch.from_numpy(self.widths).to(x.dtype)
        gauss = torch.from_numpy(self._log_gauss_peak).to(x.dtype) - 0.5 * (diff / widths) ** 2
        log_match = torch.from_numpy(self._log_match).to(x.dtype)
        log_other = torch.from_numpy(self._log_other).to(x.dtype)
        categorical = torch.where(diff.abs() < 0.5, log_match, log_other)
        per_coordinate = torch.where(numeric, gauss, categorical)
        per_center = torch.where(torch.from_numpy(self.informed), per_coordinate, 0.0).sum(dim=-1)
        log_weights = torch.from_numpy(self._log_mixture_weights).to(x.dtype)
        log_mixture = torch.logsumexp(per_center + log_weights, dim=-1)
        floor = torch.full_like(log_mixture, self._log_floor)
        return torch.logaddexp(log_mixture, floor) - self._log_peak

    def sample(self, rng: np.random.RandomState, n: int = 1) -> np.ndarray:
        """``n`` normalised points drawn from the prior, shape ``(n, d)``.

        With probability ``ε`` a point is uniform; otherwise a centre is chosen by its weight,
        each informed numerical coordinate is drawn from its Gaussian truncated to ``[0, 1]``,
        each informed categorical one keeps the believed choice with probability
        :data:`CATEGORICAL_BELIEF` (another choice otherwise), and uninformed coordinates are
        uniform.

        Example:
            >>> import numpy as np
            >>> prior = ConfigurationPrior(
            ...     np.array([[0.5]]), np.array([False]), np.array([0]), width=0.01
            ... )
            >>> bool(abs(prior.sample(np.random.RandomState(0))[0, 0] - 0.5) < 0.05)
            True
        """
        k, d = self.centers.shape
        chosen = self.centers[rng.choice(k, size=n, p=self.mixture_weights)]
        points = rng.uniform(0.0, 1.0, size=(n, d))
        informed = self.informed & ~(rng.uniform(size=(n, 1)) < self.floor)
        numeric = informed & ~self.is_categorical
        gauss = _truncated_normal(rng, chosen, self.widths)
        points = np.where(numeric, gauss, points)
        for j in np.flatnonzero(self.is_categorical):
            n_choices = int(self.n_choices[j])
            uniform_choice = rng.randint(0, n_choices, size=n).astype(float)
            other = (chosen[:, j] + rng.randint(1, max(2, n_choices), size=n)) % n_choices
            believed = np.where(rng.uniform(size=n) < CATEGORICAL_BELIEF, chosen[:, j], other)
            points[:, j] = np.where(informed[:, j], believed, uniform_choice)
        return points

    def log_density_numpy(self, x: np.ndarray) -> np.ndarray:
        """:meth:`log_density` for NumPy arrays."""
        import torch

        with torch.no_grad():
            return self.log_density(torch.from_numpy(np.asarray(x, dtype=float))).numpy()


def build_prior(
    beliefs: Sequence[Mapping[str, Any]],
    search_space: Mapping[str, BaseDistribution],
    width: float = DEFAULT_PRIOR_WIDTH,
    weights: Sequence[float] | None = None,
    stated: Mapping[str, StatedBelief] | None = None,
) -> ConfigurationPrior | None:
    """The prior over ``search_space`` from believed configurations (with their ``weights``)
    and the user's ``stated`` beliefs about single parameters; ``None`` without any.

    A stated parameter is centred where its statement says (the belief's value moved into a
    stated interval) with the statement's width; the other coordinates keep ``width``.
    Without a believed configuration, the stated beliefs alone make one centre, and the
    coordinates nobody stated are uniform. Beliefs lacking a parameter of the space, or
    holding a value outside it, are skipped.
    """
    stated = {name: belief for name, belief in (stated or {}).items() if name in search_space}
    complete = []
    kept_weights = []
    for index, belief in enumerate(beliefs):
        try:
            if all(
                name in belief
                and contains(search_space[name], search_space[name].to_internal_repr(belief[name]))
                for name in search_space
            ):
                complete.append({name: belief[name] for name in search_space})
                kept_weights.append(1.0 if weights is None else float(weights[index]))
        except (ValueError, TypeError, KeyError):
            continue
    informed = np.ones(len(search_space), dtype=bool)
    if not complete:
        if not stated:
            return None
        # One centre from the statements; unstated coordinates get any valid value, unused.
        filler = {name: _any_value(distribution) for name, distribution in search_space.items()}
        complete, kept_weights = [filler], [1.0]
        informed = np.array([name in stated for name in search_space])
    complete = [
        {
            name: (stated[name].constrain(value) if name in stated else value)
            for name, value in config.items()
        }
        for config in complete
    ]
    centers = normalize_configurations(search_space, complete)
    n_choices = np.array(
        [
            len(d.choices) if isinstance(d, CategoricalDistribution) else 0
            for d in search_space.values()
        ]
    )
    widths = np.array(
        [
            stated[name].width if name in stated and stated[name].width > 0 else width
            for name in search_space
        ]
    )
    return ConfigurationPrior(
        centers,
        categorical_mask(search_space),
        n_choices,
        widths,
        weights=np.array(kept_weights),
        informed=informed,
    )


def _any_value(distribution: BaseDistribution) -> Any:
    if isinstance(distribution, CategoricalDistribution):
        return distribution.choices[0]
    return distribution.low  # type: ignore[attr-defined]


def _truncated_normal(
    rng: np.random.RandomState, centers: np.ndarray, widths: np.ndarray
) -> np.ndarray:
    """Draws of ``N(centers, widths)`` kept inside ``[0, 1]`` by redrawing (clipped after 20
    tries)."""
    draws = centers + widths * rng.standard_normal(centers.shape)
    for _ in range(20):
        outside = (draws < 0.0) | (draws > 1.0)
        if not outside.any():
            break
        redrawn = centers + widths * rng.standard_normal(centers.shape)
        draws = np.where(outside, redrawn, draws)
    return np.clip(draws, 0.0, 1.0)
