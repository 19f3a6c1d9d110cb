"""The beliefs' reliability inside recorded runs, by each check: does a check tell a good LLM
from a useless one?

For every cached run of the given samplers that recorded its trials' configurations and the LLM's
proposals, the reliability ``ρ`` the prior strategy would use for trial ``k`` is recomputed from
the ``k − 1`` trials before it, by each check of :mod:`llm_guided_optuna._prior.reliability` (the
prior for the density check is built from the LLM's proposals, as the sampler builds it). A check
that tells beliefs apart gives a good LLM's runs a high mean ``ρ`` and a useless LLM's runs a low
one; one that only trusts everything less lowers both alike.

Example::

    python -m benchmarks.reliability_trace llm-prior[reliability=density] \\
        llm-prior+useless[reliability=density]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import optuna

from benchmarks._paths import DEFAULT_CACHE_DIR
from benchmarks.core.archive import add_archive_arguments
from benchmarks.core.archive import restore_from_arguments
from benchmarks.core.metrics import mean_and_standard_error
from benchmarks.core.runner import load_run
from benchmarks.tasks.registry import get_task
from benchmarks.tasks.registry import resolve_task_names
from llm_guided_optuna._attrs import PROPOSAL_ATTR
from llm_guided_optuna._prior.configuration_prior import build_prior
from llm_guided_optuna._prior.configuration_prior import llm_beliefs
from llm_guided_optuna._prior.reliability import belief_reliability
from llm_guided_optuna._prior.reliability import density_reliability
from llm_guided_optuna._prior.reliability import rank_reliability


CHECKPOINTS = (5, 10, 20)


def _trials(record: dict[str, Any], space: dict[str, Any], count: int) -> list[Any]:
    """The first ``count`` complete trials of ``record``, rebuilt as Optuna trials."""

    trials = []
    for number, (value, params, proposal) in enumerate(
        zip(record["values"][:count], record["params"][:count], record["llm_proposals"][:count])
    ):
        if value is None or set(params) != set(space):
            continue
        trial = optuna.trial.create_trial(
            value=value,
            params=params,
            distributions=space,
            user_attrs={PROPOSAL_ATTR: proposal} if proposal else {},
        )
        trial.number = number
        trials.append(trial)
    return trials


def traceable(record: dict[str, Any]) -> bool:
    """Whether ``record`` kept its trials' configurations and the LLM's proposals (an LLM run
    recorded since both were added to run records)."""
    return "params" in record and "llm_proposals" in record and any(record["llm_proposals"])


def reliabilities(record: dict[str, Any], checkpoint: int) -> dict[str, float] | None:
    """``ρ`` by every check for trial ``checkpoint`` of ``record`` (from the trials before it);
    ``None`` for a record without configurations or LLM proposals."""
    if not traceable(record):
        return None
    space = get_task(record["task"]).space
    before = _trials(record, space, checkpoint - 1)
    directions = [record["direction"]]
    prior = build_prior(llm_beliefs(before), space)
    return {
        "median": belief_reliability(before, directions),
        "rank": rank_reliability(before, directions),
        "density": density_reliability(before, directions, prior, space),
    }


def describe(
    sampler: str, tasks: list[str], seeds: int, trials: int, cache_dir: Path
) -> list[str]:
    """One line per checkpoint: the mean ``ρ`` (± SE) of ``sampler``'s runs by every check."""
    records = [
        load_run(cache_dir, task, sampler, seed, trials) for task in tasks for seed in range(seeds)
    ]
    usable = [record for record in records if record is not None and traceable(record)]
    lines = [f"{sampler}: {len(usable)} runs with configurations and LLM proposals recorded"]
    for checkpoint in CHECKPOINTS:
        if checkpoint > trials or not usable:
            continue
        values = [reliabilities(record, checkpoint) for record in usable]
        cells = []
        for check in ("median", "rank", "density"):
            mean, error = mean_and_standard_error([v[check] for v in values if v is not None])
            cells.append(f"{check} {mean:.2f} ± {error:.2f}")
        lines.append(f"  ρ for trial {checkpoint}: " + " | ".join(cells))
    return lines


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.reliability_trace``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.reliability_trace", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "samplers", nargs="+", help="LLM samplers whose runs to read (e.g. llm-prior)"
    )
    parser.add_argument("--tasks", nargs="+", default=["bayesmark"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    add_archive_arguments(parser)
    args = parser.parse_args(argv)
    restore_from_arguments(args)
    tasks = resolve_task_names(args.tasks)
    for sampler in args.samplers:
        print("\n".join(describe(sampler, tasks, args.seeds, args.trials, args.cache_dir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
