"""Quote what the LLM answered in knowledge-benchmark runs, for the reading of the results.

For one (task, seed), each hint condition's warm start is replayed from the recorded exchange
(two trials of the same study, no new LLM call) and printed with the hint, the model's analysis,
its configuration, what the stated values moved, and the cached run's regret per trial.

    python -m benchmarks.knowledge_quotes dt-wine 0
    python -m benchmarks.knowledge_quotes dt-wine 0 --conditions precise none

Example:
    >>> format_quote({"condition": "none", "hint": "", "analysis": "a", "proposal": {"x": 1},
    ...               "moved": {}, "regret": [1.0, 0.5]}).splitlines()[0]
    '- **none** (no hint)'
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import optuna

from benchmarks._paths import DEFAULT_CACHE_DIR
from benchmarks.core.metrics import regret_curve
from benchmarks.core.runner import load_run
from benchmarks.core.runner import task_study
from benchmarks.core.samplers import build_sampler
from benchmarks.core.suite import exchanges_dir
from benchmarks.experiments.hints import CONDITIONS as HINT_CONDITIONS
from benchmarks.experiments.hints import task_hints
from benchmarks.experiments.knowledge import condition_setup
from benchmarks.tasks.reference import load_reference
from benchmarks.tasks.reference import require_reference
from benchmarks.tasks.registry import get_task
from llm_guided_optuna import LLMGuidedSampler


def warm_start_quote(
    task_name: str, condition: str, seed: int, cache_dir: Path = DEFAULT_CACHE_DIR
) -> dict[str, Any]:
    """The warm start of ``condition`` on (``task_name``, ``seed``), replayed, with its regret."""

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    task = get_task(task_name)
    hints = task_hints(task)
    sampler_name, user_attrs, _ = condition_setup(condition, hints)
    sampler = build_sampler(sampler_name, seed, {"cache_dir": exchanges_dir(cache_dir)}).sampler
    if not isinstance(sampler, LLMGuidedSampler):
        raise TypeError(f"{condition!r} has no LLM warm start to quote")
    study = task_study(task, sampler, user_attrs)
    study.optimize(lambda trial: task.evaluate_cv(task.suggest(trial)), n_trials=2)
    warm = study.trials[1].user_attrs
    record = load_run(cache_dir / "knowledge", task_name, condition, seed, 30)
    reference = load_reference(task_name)
    regret = (
        [
            round(regret_curve([v], require_reference(reference, task_name))[0], 2)
            for v in record["values"]
        ]
        if record
        else []
    )
    return {
        "condition": condition,
        "hint": hints.texts.get(condition.split("@")[0].split("[")[0], ""),
        "analysis": warm.get("llm_rationale", ""),
        "proposal": warm.get("llm_proposal"),
        "moved": (warm.get("llm_call") or {}).get("moved_to_stated", {}),
        "regret": regret,
        "calls": sampler.get_statistics()["sampler_stats"].get("llm_calls", 0),
    }


def format_quote(quote: dict[str, Any]) -> str:
    """One condition's quote as markdown."""
    hint = f'hint "{quote["hint"]}"' if quote["hint"] else "no hint"
    lines = [f"- **{quote['condition']}** ({hint})"]
    if quote.get("analysis"):
        lines.append(f'  - analysis: "{quote["analysis"]}"')
    lines.append(f"  - configuration: `{json.dumps(quote['proposal'])}`")
    if quote.get("moved"):
        lines.append(f"  - moved to the stated values: `{json.dumps(quote['moved'])}`")
    if quote.get("regret"):
        regret = quote["regret"]
        best = [min(regret[: k + 1]) for k in range(len(regret))]
        lines.append(
            f"  - regret of trials 0–9: {regret[:10]}; best so far at 5, 10, 30: {best[4]:.2f}, "
            f"{best[9]:.2f}, {best[-1]:.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI: print the quotes of one (task, seed)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.knowledge_quotes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("task")
    parser.add_argument("seed", type=int)
    parser.add_argument("--conditions", nargs="+", default=list(HINT_CONDITIONS))
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    args = parser.parse_args(argv)
    print(f"{args.task}, seed {args.seed}:")
    for condition in args.conditions:
        print(format_quote(warm_start_quote(args.task, condition, args.seed, args.cache_dir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
