"""Claims of configurations, so that no two trials run the same one: across threads, and
across worker processes that share a storage.

A configuration is identified by :func:`configuration_key`; :func:`known_configurations` lists
those the study already holds (running trials by their LLM proposal or claim).
:class:`ConfigurationClaims` is a sampler's claims: those of its threads in memory, those of
other worker processes through the storage.

Claims across worker processes (shared RDB or journal storage) go through the storage: the
claiming trial writes a marker, the trial system attribute ``llm_claim`` (``{"key": [...],
"state": "pending"}``), then reads every other trial's marker. It loses if another trial has
won the same configuration, or holds it pending with a lower trial number; it waits while a
trial with a higher number holds it pending (that trial is deciding, and will see this one and
give way); otherwise it wins. It then writes ``"won"`` or ``"lost"``. Because each trial
writes before it reads, of two trials claiming the same configuration at least one sees the
other, so two trials never both win; the lower number wins when both see each other. A trial
whose worker died while deciding is waited for at most ``claim_wait_s`` seconds, then the claim
is refused (never granted twice).

Example:
    >>> configuration_key({"x": 1, "y": "a"}, ["y", "x"])
    ('x=1', "y='a'")
"""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Mapping
import threading
import time
from typing import Any
from typing import TYPE_CHECKING

from optuna.distributions import BaseDistribution
from optuna.exceptions import UpdateFinishedTrialError
from optuna.storages import BaseStorage
from optuna.storages import InMemoryStorage
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from llm_guided_optuna._attrs import CLAIM_ATTR
from llm_guided_optuna._attrs import llm_proposal
from llm_guided_optuna._attrs import PROPOSAL_ATTR
from llm_guided_optuna._attrs import WARM_START_ATTR
from llm_guided_optuna._attrs import WARM_START_CLAIM_ATTR
from llm_guided_optuna._logging import get_logger
from llm_guided_optuna._optuna_compat import set_trial_user_attr
from llm_guided_optuna._optuna_compat import storage_of
from llm_guided_optuna._optuna_compat import study_id
from llm_guided_optuna._optuna_compat import study_key
from llm_guided_optuna._optuna_compat import study_trials
from llm_guided_optuna._optuna_compat import trial_id
from llm_guided_optuna._stats import SamplerStatistics


if TYPE_CHECKING:
    from optuna.study import Study


WARM_START_KEY = ("llm_warm_start",)
#: Seconds a claim waits for another worker's trial that is deciding on the same configuration.
CLAIM_WAIT_S = 10.0

ConfigurationKey = tuple[str, ...]

_logger = get_logger(__name__)


def configuration_key(
    params: Mapping[str, Any], search_space: Mapping[str, BaseDistribution] | Collection[str]
) -> ConfigurationKey:
    """A hashable identity of a configuration over the parameters of ``search_space``.

    ``search_space`` may also be the collection of parameter names alone.
    """
    return tuple(f"{name}={params.get(name, '<unset>')!r}" for name in sorted(search_space))


def claim_marker(
    trial: FrozenTrial, attr: str = CLAIM_ATTR
) -> tuple[ConfigurationKey, str] | None:
    """The claim marker of ``trial`` (in system attribute ``attr``) as ``(key, state)``, or
    ``None``."""
    marker = trial.system_attrs.get(attr)
    if not isinstance(marker, Mapping):
        return None
    key, state = marker.get("key"), marker.get("state")
    if not isinstance(key, list) or not isinstance(state, str):
        return None
    return tuple(str(part) for part in key), state


def _names_of(key: ConfigurationKey) -> list[str]:
    """The parameter names of a :func:`configuration_key` (names holding "=" are not supported)."""
    return [part.split("=", 1)[0] for part in key]


def is_shared_storage(storage: BaseStorage) -> bool:
    """Whether other processes can reach ``storage`` (anything but an in-memory storage)."""
    return not isinstance(storage, InMemoryStorage)


def claim_in_storage(
    storage: BaseStorage,
    study_id: int,
    trial: FrozenTrial,
    key: ConfigurationKey,
    wait_s: float = CLAIM_WAIT_S,
    *,
    attr: str = CLAIM_ATTR,
    proposal_attr: str | None = None,
) -> bool:
    """Claim ``key`` for ``trial`` against every other trial of the study, in storage.

    ``attr`` is the trial system attribute that holds the markers: :data:`CLAIM_ATTR` for
    configurations, :data:`WARM_START_CLAIM_ATTR` for the warm start. With ``proposal_attr``
    (the trial user attribute that holds a running trial's proposed configuration, as
    :class:`~llm_guided_optuna._proposal.provenance.ProvenanceRecorder` passes it), a trial
    that proposed ``key`` there holds it too.

    Writes the marker, reads the other trials, decides (waiting while a higher-numbered trial
    is deciding on the same key), and writes the outcome; see the module docstring for why two
    trials never both win. Returns whether ``trial`` won.

    Example:
        >>> import optuna
        >>> storage = optuna.storages.JournalStorage(
        ...     optuna.storages.journal.JournalFileBackend("journal.log"))  # doctest: +SKIP
        >>> study = optuna.create_study(storage=storage)  # doctest: +SKIP
        >>> a, b = study.ask(), study.ask()  # doctest: +SKIP
        >>> frozen = storage_of(study).get_trial(trial_id(b))  # doctest: +SKIP
        >>> storage = storage_of(study)  # doctest: +SKIP
        >>> claim_in_storage(storage, study_id(study), frozen, ("x=1",))  # doctest: +SKIP
        True
    """
    names = _names_of(key)
    try:
        storage.set_trial_system_attr(
            trial_id(trial), attr, {"key": list(key), "state": "pending"}
        )
    except UpdateFinishedTrialError:
        return False  # This trial was failed meanwhile (a missed heartbeat): nothing to claim for.
    deadline = time.monotonic() + wait_s
    delay = 0.005
    while True:
        verdict = _verdict(
            storage.get_all_trials(study_id, deepcopy=False),
            trial,
            key,
            names,
            attr,
            proposal_attr,
        )
        if verdict is None and time.monotonic() >= deadline:
            _logger.warning(
                "Trial %d: another worker's trial held the same configuration for %.1f s without "
                "deciding (did its worker die?); this trial does not take it.",
                trial.number,
                wait_s,
            )
            verdict = False
        if verdict is not None:
            break
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
    try:
        storage.set_trial_system_attr(
            trial_id(trial), attr, {"key": list(key), "state": "won" if verdict else "lost"}
        )
    except UpdateFinishedTrialError:
        return False
    return verdict


def _verdict(
    trials: list[FrozenTrial],
    me: FrozenTrial,
    key: ConfigurationKey,
    names: list[str],
    attr: str = CLAIM_ATTR,
    proposal_attr: str | None = None,
) -> bool | None:
    """True: ``me`` wins ``key``; False: it loses; None: wait for a trial that is deciding."""
    undecided = False
    for other in trials:
        if trial_id(other) == trial_id(me):
            continue
        marker = claim_marker(other, attr)
        if marker is not None and marker[0] == key:
            state = marker[1]
            if state == "won":
                return False
            if state == "pending" and other.state == TrialState.RUNNING:
                if other.number < me.number:
                    return False
                undecided = True
            continue
        proposal = other.user_attrs.get(proposal_attr) if proposal_attr is not None else None
        if isinstance(proposal, Mapping):
            params = {**proposal, **other.params}
            if configuration_key(params, names) == key:
                return False
    return None if undecided else True


class WarmStartClaim:
    """Which trials the warm start is for: once per study, whatever the number of workers.

    The first trial that reaches the sampler with the study's search space known (a trial
    whose parameters are all new has nothing to ask the LLM about) claims the warm start,
    against the other threads of this process and, on a shared storage, against every other
    worker's trials (:func:`claim_in_storage` on :data:`WARM_START_KEY`). Exactly one trial
    wins; it records :data:`WARM_START_ATTR` and makes the warm-start call, whatever its
    outcome, and its call answers for it and the ``n_trials - 1`` trials after it that this
    process runs. Every other trial goes to the optimizer. A study that already holds a
    warm-start trial (an earlier session, another worker) gets no second call.

    In one process running trials one after another, trial 0 has no search space yet and
    trial 1 wins: the warm start is trials ``1..n_trials``, as it always was.

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> claim = WarmStartClaim(n_trials=1)
        >>> first, second = study.ask(), study.ask()
        >>> frozen = [storage_of(study).get_trial(trial_id(t)) for t in (first, second)]
        >>> claim.covers(study, frozen[0]), claim.covers(study, frozen[1])
        (True, False)
    """

    def __init__(self, n_trials: int, wait_s: float = CLAIM_WAIT_S) -> None:
        self.n_trials = n_trials
        self.wait_s = wait_s
        self._lock = threading.Lock()
        #: (storage, study id) -> (first, last) trial numbers this process's warm start is for.
        self._windows: dict[tuple[int, int], tuple[int, int]] = {}
        self._refused: set[tuple[int, int]] = set()

    def covers(self, study: Study, trial: FrozenTrial) -> bool:
        """Whether ``trial`` belongs to the warm start; the first call that returns True for a
        study claimed it for ``trial``."""
        if self.n_trials < 1:
            return False
        key_of_study = study_key(study)
        with self._lock:
            window = self._windows.get(key_of_study)
            if window is not None:
                return window[0] <= trial.number <= window[1]
            if key_of_study in self._refused:
                return False
            trials = study_trials(study, use_cache=False)
            if any(_carries_warm_start(t) for t in trials if trial_id(t) != trial_id(trial)):
                self._refused.add(key_of_study)  # Decided for good: another trial has it.
                return False
            # On a storage no other process reaches, this process's lock has decided.
            if is_shared_storage(storage_of(study)) and not claim_in_storage(
                storage_of(study),
                study_id(study),
                trial,
                WARM_START_KEY,
                self.wait_s,
                attr=WARM_START_CLAIM_ATTR,
            ):
                return False  # The winner's marker refuses this study at the next trial's read.
            self._windows[key_of_study] = (trial.number, trial.number + self.n_trials - 1)
        set_trial_user_attr(study, trial, WARM_START_ATTR, True)
        return True


def _carries_warm_start(trial: FrozenTrial) -> bool:
    """Whether ``trial`` won the warm start (or recorded it, in an earlier session)."""
    if trial.user_attrs.get(WARM_START_ATTR):
        return True
    marker = claim_marker(trial, WARM_START_CLAIM_ATTR)
    return marker is not None and marker[1] == "won"


def known_configurations(
    study: Study, search_space: Mapping[str, BaseDistribution]
) -> set[ConfigurationKey]:
    """Configurations of every trial of the study, running ones by their LLM proposal or claim."""
    keys: set[ConfigurationKey] = set()
    for trial in study_trials(study):
        params: Mapping[str, Any] = trial.params
        if trial.state == TrialState.RUNNING:
            proposal = llm_proposal(trial)
            if proposal is not None:
                params = {**proposal, **trial.params}
            marker = claim_marker(trial)
            if marker is not None and marker[1] == "won":
                keys.add(marker[0])
        if params:
            keys.add(configuration_key(params, search_space))
    return keys


class ConfigurationClaims:
    """The claims of one sampler, thread-safe: no two of its trials take the same
    configuration, nor (on a shared storage) a trial of another worker process.

    Args:
        stats: The sampler's counters (``claim_conflicts`` counts claims lost in storage).
        claim_wait_s: How long a claim waits for another worker's trial that is deciding on
            the same configuration (see :func:`claim_in_storage`).

    Example:
        >>> from llm_guided_optuna._stats import SamplerStatistics
        >>> claims = ConfigurationClaims(SamplerStatistics())
        >>> claims.claim(("x=1",)), claims.claim(("x=1",))
        (True, False)
    """

    def __init__(self, stats: SamplerStatistics, claim_wait_s: float = CLAIM_WAIT_S) -> None:
        self._stats = stats
        self.claim_wait_s = claim_wait_s
        self._lock = threading.Lock()
        self._claimed: set[ConfigurationKey] = set()

    def claim(
        self,
        key: ConfigurationKey,
        known: Collection[ConfigurationKey] = (),
        *,
        study: Study | None = None,
        trial: FrozenTrial | None = None,
    ) -> bool:
        """Reserve a configuration; False if a trial already has it or is about to.

        ``known`` holds the configurations in storage (:func:`known_configurations`, read at the
        start of the trial); this object's own reservations cover threads. With ``study``
        and ``trial`` (the claiming trial) on a storage that other processes share, the claim
        is also made in storage (:func:`claim_in_storage`), which covers the trials of other
        worker processes that claim the same configuration at the same time.
        """
        with self._lock:
            if key in self._claimed:
                return False
            self._claimed.add(key)
        if key in known:
            return False
        if study is None or trial is None or not is_shared_storage(storage_of(study)):
            return True
        won = claim_in_storage(
            storage_of(study),
            study_id(study),
            trial,
            key,
            self.claim_wait_s,
            proposal_attr=PROPOSAL_ATTR,
        )
        if not won:
            self._stats.increment("claim_conflicts")
        return won
