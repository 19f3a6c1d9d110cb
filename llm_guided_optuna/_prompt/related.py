"""What worked before: the user's related studies, as the LLM is shown them.

``LLMGuidedSampler(related_studies=...)`` names earlier studies in the same storage (or
``"auto"``: every other study there, newest first, at most :data:`MAX_RELATED_STUDIES`). Each
is read once, when the sampler first asks the LLM, and shown in the warm-start and later
prompts as user data: its name, direction(s), problem type and description, its search space
and its best configurations with their values and ranks. The LLM decides which of them
resembles the study at hand and how their parameters map to this one's (``lr`` and
``learning_rate``); what it proposes is validated like any other proposal. The section is
bounded (:data:`~llm_guided_optuna._prompt.sections.RELATED_BUDGET_CHARS`), and with
``related_studies=None`` (the default) nothing of another study is read or sent.

Only complete trials count (failed, pruned and running ones are left out); a study with several
objectives shows its directions and the configurations of its Pareto front, never mixed with
one of another direction.

Example:
    >>> import optuna
    >>> storage = optuna.storages.InMemoryStorage()
    >>> before = optuna.create_study(study_name="svc-iris", storage=storage, direction="maximize")
    >>> before.optimize(lambda t: t.suggest_float("C", 0.1, 10.0, log=True), n_trials=3)
    >>> now = optuna.create_study(study_name="svc-wine", storage=storage)
    >>> [s.name for s in read_related_studies(storage, "auto", exclude="svc-wine")]
    ['svc-iris']
"""

from __future__ import annotations

from collections.abc import Sequence
import threading
from typing import TYPE_CHECKING

from optuna.distributions import BaseDistribution
from optuna.storages import BaseStorage
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from llm_guided_optuna._optuna_compat import frozen_study_id
from llm_guided_optuna._optuna_compat import storage_of
from llm_guided_optuna._optuna_compat import study_key
from llm_guided_optuna._prompt.context import describe_distribution
from llm_guided_optuna._prompt.context import DirectionName
from llm_guided_optuna._prompt.context import RelatedConfiguration
from llm_guided_optuna._prompt.context import RelatedStudy
from llm_guided_optuna._prompt.problem import read_problem_context
from llm_guided_optuna._trials import loss_sign
from llm_guided_optuna._trials import pareto_front
from llm_guided_optuna._warnings import llm_warn


if TYPE_CHECKING:
    from optuna.study import Study


#: ``"auto"`` reads at most this many other studies of the storage, the newest first.
MAX_RELATED_STUDIES = 5
#: The best configurations shown of each related study.
MAX_BEST_CONFIGURATIONS = 3
#: The characters of a related study's description.
MAX_DESCRIPTION_CHARS = 200
AUTO = "auto"


def read_related_studies(
    storage: BaseStorage,
    selection: str | Sequence[str],
    *,
    exclude: str,
    max_studies: int = MAX_RELATED_STUDIES,
    max_best: int = MAX_BEST_CONFIGURATIONS,
) -> list[RelatedStudy]:
    """The related studies ``selection`` names (``"auto"``: every study of ``storage`` but
    ``exclude``, the newest first, at most ``max_studies``), those without a complete trial
    left out. A name that is not in the storage is skipped (the caller says so).
    """
    if selection == AUTO:
        frozen = [s for s in storage.get_all_studies() if s.study_name != exclude]
        ids = {s.study_name: frozen_study_id(s) for s in frozen}
        names = sorted(ids, key=lambda name: ids[name], reverse=True)
    else:
        names = [name for name in selection if name != exclude]
    studies: list[RelatedStudy] = []
    for name in names:
        if len(studies) >= max_studies:
            break
        study = _read_one(storage, name, max_best)
        if study is not None:
            studies.append(study)
    return studies


def missing_studies(storage: BaseStorage, selection: str | Sequence[str]) -> list[str]:
    """The names of ``selection`` that are no study of ``storage``."""
    if selection == AUTO:
        return []
    known = {s.study_name for s in storage.get_all_studies()}
    return [name for name in selection if name not in known]


def _read_one(storage: BaseStorage, name: str, max_best: int) -> RelatedStudy | None:
    try:
        study_id = storage.get_study_id_from_name(name)
    except KeyError:
        return None
    directions = storage.get_study_directions(study_id)
    complete = [
        t
        for t in storage.get_all_trials(study_id, deepcopy=False, states=(TrialState.COMPLETE,))
        if t.values is not None and len(t.values) == len(directions)
    ]
    if not complete:
        return None
    names: list[DirectionName] = [
        "maximize" if d == StudyDirection.MAXIMIZE else "minimize" for d in directions
    ]
    problem = read_problem_context(storage.get_study_user_attrs(study_id))
    description = problem.problem_description
    if description is not None and len(description) > MAX_DESCRIPTION_CHARS:
        description = description[: MAX_DESCRIPTION_CHARS - 1] + "…"
    return RelatedStudy(
        name=name,
        directions=names,
        problem_type=problem.problem_type,
        description=description,
        parameters=[describe_distribution(n, d) for n, d in _union_space(complete).items()],
        n_complete=len(complete),
        best=[
            RelatedConfiguration(rank=rank, values=list(t.values), params=dict(t.params))
            for rank, t in enumerate(_best(complete, directions, names)[:max_best], start=1)
        ],
    )


def _union_space(trials: Sequence[FrozenTrial]) -> dict[str, BaseDistribution]:
    """Every parameter any trial used (a conditional one included), its latest distribution."""
    space: dict[str, BaseDistribution] = {}
    for trial in sorted(trials, key=lambda t: t.number):
        space.update(trial.distributions)
    return space


def _best(
    trials: list[FrozenTrial],
    directions: Sequence[StudyDirection],
    names: list[DirectionName],
) -> list[FrozenTrial]:
    """The best trials first: by value for one objective, the Pareto front for several."""
    if len(directions) == 1:
        sign = loss_sign(directions[0])
        return sorted(trials, key=lambda t: (sign * float(t.values[0]), t.number))
    return pareto_front(trials, names)


class RelatedStudies:
    """The related studies of one sampler: read from the study's storage at the first use, then
    kept (they are finished studies); thread-safe.

    Args:
        selection: ``"auto"`` or the names of the studies.
    """

    def __init__(self, selection: str | Sequence[str]) -> None:
        self.selection: str | tuple[str, ...] = (
            selection if selection == AUTO else tuple(selection)
        )
        self._lock = threading.Lock()
        self._read: dict[tuple[int, int], list[RelatedStudy]] = {}

    def of(self, study: Study) -> list[RelatedStudy]:
        """The related studies of ``study`` (those of its storage, it excluded)."""
        key = study_key(study)
        with self._lock:
            if key not in self._read:
                storage = storage_of(study)
                missing = missing_studies(storage, self.selection)
                if missing:
                    llm_warn(
                        f"related_studies: no study named {', '.join(map(repr, missing))} in "
                        "this study's storage; the LLM is shown the others"
                    )
                self._read[key] = read_related_studies(
                    storage, self.selection, exclude=study.study_name
                )
            return self._read[key]
