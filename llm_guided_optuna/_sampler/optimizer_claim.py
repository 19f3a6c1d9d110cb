"""The optimizer's configuration, claimed as the LLM's are, so that no two trials run it.

Optimizers in two workers that read the same history at the same moment can propose the very
same point (the acquisition's optimum from the same starts), and neither sees the other's
running trial before its parameters reach the storage. The sampler therefore claims the
optimizer's configuration (:mod:`llm_guided_optuna._proposal.claims`) and, if a trial already
has it or another worker wins it, runs a nearby unclaimed variant instead
(:func:`~llm_guided_optuna._proposal.diversify.distinct_variant`), recorded as a varied
repeat.

Example:
    .. code-block:: python

        params = claim_optimizer_configuration(
            claims, provenance, study, trial, search_space, fixed={}, params={"x": 0.5}, seed=0
        )
"""

from __future__ import annotations

from collections.abc import Mapping
import random
from typing import Any
from typing import TYPE_CHECKING

from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial

from llm_guided_optuna._proposal.claims import configuration_key
from llm_guided_optuna._proposal.claims import ConfigurationClaims
from llm_guided_optuna._proposal.claims import known_configurations
from llm_guided_optuna._proposal.diversify import distinct_variant
from llm_guided_optuna._proposal.provenance import ProvenanceRecorder


if TYPE_CHECKING:
    from optuna.study import Study


def claim_optimizer_configuration(
    claims: ConfigurationClaims,
    provenance: ProvenanceRecorder,
    study: Study,
    trial: FrozenTrial,
    search_space: dict[str, BaseDistribution],
    *,
    fixed: dict[str, Any],
    params: dict[str, Any],
    seed: int | None,
) -> dict[str, Any]:
    """``params`` (the optimizer's) if this trial wins their claim; otherwise a nearby
    unclaimed variant of the parameters not ``fixed``, or ``params`` again when the space is
    too small to hold a new configuration nearby.

    Args:
        claims: The sampler's claims.
        provenance: The sampler's recorder (a varied repeat is recorded).
        study: The study.
        trial: The trial the configuration is for.
        search_space: The trial's relative search space.
        fixed: Parameters fixed for this trial (enqueued), kept as they are.
        params: The optimizer's proposal.
        seed: The sampler's seed: the variant is drawn from it and the trial number.
    """
    known = known_configurations(study, search_space)

    def claimed(candidate: Mapping[str, Any]) -> bool:
        key = configuration_key({**params, **candidate, **fixed}, search_space)
        return claims.claim(key, known, study=study, trial=trial)

    if claimed(params):
        return params
    free = {name: d for name, d in search_space.items() if name in params and name not in fixed}
    rng = random.Random(f"{seed}:{trial.number}:repeat")
    variant = distinct_variant({n: params[n] for n in free}, free, lambda p: not claimed(p), rng)
    if variant is None:
        return params
    provenance.record_repeat_varied(study, trial)
    return {**params, **variant}
