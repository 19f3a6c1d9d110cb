"""Statistics of a whole study, read from its storage: every worker process counted.

:meth:`~llm_guided_optuna.LLMGuidedSampler.get_statistics` counts what one sampler object did,
in one process. When several workers share a study through RDB or journal storage,
:func:`study_statistics` rebuilds the same counters from what each trial recorded in storage
(``llm_source``, ``llm_reason``, ``llm_optimizer_params``, ``llm_proposal`` and
``llm_call``, see :mod:`~llm_guided_optuna._proposal.provenance`), so it also works from a
process that ran no trial, after the workers have ended, or after one of them was killed.

Example:
    >>> import optuna
    >>> study = optuna.create_study()
    >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    >>> study_statistics(study)["sampler_stats"]["llm_calls"]
    0

What storage cannot tell, and how that differs from ``get_statistics()``:

- the LLM call of a trial whose proposal failed (``fallback``) is counted with the requests,
  seconds and tokens that its ``llm_call`` record holds (see ``provenance.failure_usage``);
  where the sampler did not record them: one request, no tokens and no time;
- ``schema_mismatches`` (and ``duplicates_perturbed``) count the configurations *used*
  whose answer did not match the schema (that were perturbed); ``get_statistics`` counts every
  configuration received;
- ``replay_misses`` and ``claim_conflicts`` are per-process counters and not in storage;
- the repairs of a call are those of the configuration its calling trial used, the call's
  lowest-numbered trial (exact when each worker runs one trial at a time).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
import json
from typing import Any
from typing import TYPE_CHECKING

from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from llm_guided_optuna._attrs import CALL_ATTR
from llm_guided_optuna._attrs import llm_proposal
from llm_guided_optuna._attrs import OPTIMIZER_PARAMS_ATTR
from llm_guided_optuna._attrs import REASON_ATTR
from llm_guided_optuna._attrs import REPEAT_VARIED_ATTR
from llm_guided_optuna._attrs import SOURCE_ATTR
from llm_guided_optuna._attrs import source_is_llm
from llm_guided_optuna._stats import STANDARD_COUNTERS


if TYPE_CHECKING:
    from optuna.study import Study


#: Reasons that mean the sampler had stopped asking the LLM (no call was made).
DISABLED_REASONS = ("authentication", "unknown_model", "budget_llm_calls", "budget_cost")
_REPAIR_ACTIONS = ("converted", "clamped", "snapped", "matched")
_NOT_CHANGES = ("rejected", "missing", "ignored")  # Repairs that are not changed values.


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _call_group(trial: FrozenTrial, call: Mapping[str, Any]) -> tuple[Any, ...]:
    """The identity of the LLM call that proposed ``trial``'s configuration."""
    call_id = call.get("call_id")
    if isinstance(call_id, str):
        return ("id", call_id)
    # Records written before call_id existed: one reply has the same latency and usage.
    return tuple(
        str(call.get(k))
        for k in ("model", "latency_s", "attempts", "prompt_tokens", "completion_tokens")
    )


def _inherited(trial: FrozenTrial, by_number: Mapping[int, FrozenTrial]) -> bool:
    """Whether ``trial`` re-runs a failed trial and only carries that trial's provenance.

    Optuna's retry callbacks (``RetryHeartbeatStaleTrialCallback``, ``RetryFailedTrialCallback``)
    enqueue a failed trial again with its parameters and attributes; the sampler then proposes
    nothing for it, so its ``llm_*`` attributes are the failed trial's, not a second proposal.
    """
    original = by_number.get(trial.system_attrs.get("failed_trial", -1))
    if original is None:
        return False
    return all(
        trial.user_attrs.get(name) == original.user_attrs.get(name)
        for name in (SOURCE_ATTR, CALL_ATTR)
    )


def _repairs(call: Mapping[str, Any]) -> Counter[str]:
    """The validator's changes to one configuration, by kind."""
    repairs: Counter[str] = Counter()
    recorded = call.get("repairs")
    if isinstance(recorded, Mapping):
        for action, count in recorded.items():
            repairs[str(action)] += int(_number(count))
    else:  # Older records: "name: action proposed" strings.
        for entry in call.get("adjusted") or []:
            for action in _REPAIR_ACTIONS:
                if f": {action} " in f"{entry} ":
                    repairs[action] += 1
                    break
    rejected, missing = call.get("rejected"), call.get("missing")
    repairs["rejected"] += len(rejected) if isinstance(rejected, (Mapping, list)) else 0
    repairs["missing"] += len(missing) if isinstance(missing, list) else 0
    repairs["ignored"] += int(_number(call.get("ignored")))
    return repairs


def study_statistics(study: Study) -> dict[str, Any]:
    """The counters of :meth:`~llm_guided_optuna.LLMGuidedSampler.get_statistics` for the study.

    Read from the trials in storage, so they sum what every worker process did. Runs in time
    linear in the number of trials and writes nothing.

    Args:
        study: A study sampled by :class:`~llm_guided_optuna.LLMGuidedSampler`, typically
            ``optuna.load_study(study_name=..., storage=...)``.

    Returns:
        ``{"sampler_stats": {...}, "model", "strategy", "fallback_sampler",
        "llm_disabled_reason", "trials", "sources"}``: ``sampler_stats`` has the keys of
        ``get_statistics()["sampler_stats"]`` (``success_rate``, ``average_llm_time``,
        ``optimizer_trials``, ``fallback_uses``, ``llm_calls``, ``failures``, ``prompt_tokens``
        and the rest); ``model`` is the model most calls used; ``strategy`` and
        ``fallback_sampler`` are not recorded in storage and are ``None``;
        ``llm_disabled_reason`` is the latest reason for which a worker had stopped asking the
        LLM, if any; ``trials`` counts the trials by
        state (and ``retried``: re-runs of failed trials, which carry the failed trial's
        provenance and are left out of the counters); ``sources`` counts the trials by
        ``llm_source``; ``llm_proposals`` counts the LLM configurations ``used`` and how many
        of them are ``distinct`` (equal numbers: no configuration was proposed twice).

    Example:
        .. code-block:: python

            study = optuna.load_study(study_name="scale-out", storage="postgresql://...")
            stats = study_statistics(study)["sampler_stats"]
            print(stats["success_rate"], stats["llm_calls"], stats["failures"])
    """
    trials = study.get_trials(deepcopy=False)
    by_number = {trial.number: trial for trial in trials}
    counts: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    fallback_reasons: Counter[str] = Counter()
    optimizer_reasons: Counter[str] = Counter()
    repairs: Counter[str] = Counter()
    models: Counter[str] = Counter()
    calls: dict[tuple[Any, ...], list[tuple[int, Mapping[str, Any]]]] = {}
    fallback_trials = optimizer_trials = 0
    llm_seconds = cost_usd = 0.0
    disabled_reason: str | None = None
    retried = 0
    proposals: list[str] = []

    for trial in trials:
        if _inherited(trial, by_number):
            retried += 1
            continue
        attrs = trial.user_attrs
        source = attrs.get(SOURCE_ATTR)
        call = attrs.get(CALL_ATTR)
        call = call if isinstance(call, Mapping) else {}
        optimizer_params = attrs.get(OPTIMIZER_PARAMS_ATTR)
        if isinstance(optimizer_params, list):
            counts["optimizer_params"] += len(optimizer_params)
        reason = str(attrs.get(REASON_ATTR, "unknown"))
        if attrs.get(REPEAT_VARIED_ATTR) is True:
            counts["repeats_varied"] += 1
        if source_is_llm(trial):
            counts["proposals_requested"] += 1
            counts["llm_successes"] += 1
            proposal = llm_proposal(trial)
            if proposal is not None:
                counts["llm_params"] += len(proposal)
                proposals.append(json.dumps(proposal, sort_keys=True, default=str))
            calls.setdefault(_call_group(trial, call), []).append((trial.number, call))
            if call.get("matches_schema") is False:
                counts["schema_mismatches"] += 1
            if call.get("perturbed") is True:
                counts["duplicates_perturbed"] += 1
            if source == "llm+fallback":
                fallback_trials += 1
                fallback_reasons[reason] += 1
            elif source == "llm+optimizer":
                optimizer_trials += 1
                optimizer_reasons[reason] += 1
        elif source == "optimizer":
            optimizer_trials += 1
            optimizer_reasons[reason] += 1
            if reason in DISABLED_REASONS:
                disabled_reason = reason
        elif source == "fallback":
            fallback_trials += 1
            fallback_reasons[reason] += 1
            if "error" in call:  # A failed proposal: the LLM was asked, and a call made.
                counts["proposals_requested"] += 1
                failures[reason] += 1
                counts["llm_calls"] += 1
                counts["llm_requests"] += int(_number(call.get("attempts", 1)))
                counts["prompt_tokens"] += int(_number(call.get("prompt_tokens")))
                counts["completion_tokens"] += int(_number(call.get("completion_tokens")))
                llm_seconds += _number(call.get("latency_s"))
                cost_usd += _number(call.get("cost_usd"))
            elif reason in DISABLED_REASONS:
                disabled_reason = reason

    for group in calls.values():
        group.sort(key=lambda item: item[0])
        first = group[0][1]
        counts["batched_proposals_used"] += len(group) - 1
        if first.get("replayed") is True:
            counts["replay_hits"] += 1
        else:
            counts["llm_calls"] += 1
            counts["llm_requests"] += int(_number(first.get("attempts")))
            counts["prompt_tokens"] += int(_number(first.get("prompt_tokens")))
            counts["completion_tokens"] += int(_number(first.get("completion_tokens")))
            llm_seconds += _number(first.get("latency_s"))
            cost_usd += _number(first.get("cost_usd"))
            if isinstance(first.get("model"), str):
                models[first["model"]] += 1
        trial_repairs = _repairs(first)
        repairs.update(trial_repairs)
        counts["clamped_values"] += trial_repairs["clamped"]
        counts["adjusted_values"] += sum(
            n for kind, n in trial_repairs.items() if kind not in _NOT_CHANGES
        )

    requested, n_calls = counts["proposals_requested"], counts["llm_calls"]
    sampler_stats: dict[str, Any] = {
        "success_rate": counts["llm_successes"] / requested if requested else 0.0,
        "average_llm_time": llm_seconds / n_calls if n_calls else 0.0,
        "optimizer_trials": optimizer_trials,
        "optimizer_reasons": dict(optimizer_reasons),
        "fallback_uses": fallback_trials,
        "fallback_reasons": dict(fallback_reasons),
        "failures": dict(failures),
        "value_repairs": {kind: n for kind, n in repairs.items() if n},
        "llm_seconds": llm_seconds,
        "cost_usd": cost_usd,
    }
    for name in STANDARD_COUNTERS:
        sampler_stats[name] = counts[name]
    states = Counter(trial.state.name.lower() for trial in trials)
    return {
        "sampler_stats": sampler_stats,
        "model": models.most_common(1)[0][0] if models else None,
        "strategy": None,
        "fallback_sampler": None,
        "llm_disabled_reason": disabled_reason,
        "trials": {
            "total": len(trials),
            **{state.name.lower(): states[state.name.lower()] for state in TrialState},
            "retried": retried,
        },
        "sources": dict(Counter(str(t.user_attrs.get(SOURCE_ATTR, "none")) for t in trials)),
        "llm_proposals": {"used": len(proposals), "distinct": len(set(proposals))},
    }
