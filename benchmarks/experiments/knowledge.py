"""The knowledge benchmark: what the user knows, given as a hint, under four conditions.

Each (task, seed) runs the library's default strategy (``llm-trust``) on the default embedded
model (``[strategy=prior]`` runs another strategy, ``[strategy=trust,reask=0,reward=off]`` trust
as in 0.1) with the hint of :mod:`benchmarks.experiments.hints` in
``study.user_attrs["domain_knowledge"]``:

- ``precise``: good values of the two most influential parameters, in numbers;
- ``vague``: the same knowledge in words only;
- ``misleading``: precise values taken from the worst tenth of the reference;
- ``precise-top1``: like ``precise``, with values from the best 1 % of the reference (issue 28);
- ``none``: no hint (the same requests as the main benchmark's default runs, so its recorded
  exchanges are replayed).

Beside them, what a user would do without the library: ``gp`` and ``tpe``, and ``gp+enqueue``
and ``tpe+enqueue``, which enqueue the precise hint's partial configuration as the first trial
(Optuna's own way to say "try this first").

Runs are cached like the main benchmark's (``<cache-dir>/knowledge/<task>/<condition>__seed<k>
__trials<n>.json``); rerunning the command skips finished ones, and LLM exchanges are recorded
and replayed from the main cache's ``exchanges/``. The command first restores into the cache
the runs archived in ``benchmarks/results/knowledge_archive`` (the conditions run since issue
28; the earlier ones were not kept) and the main archive's exchanges; ``--update`` adds the
conditions it summarises to the existing ``knowledge.json`` instead of replacing it.

    OMP_NUM_THREADS=1 python -m benchmarks.knowledge       # 16 tasks x 5 seeds, every condition
    OMP_NUM_THREADS=1 python -m benchmarks.knowledge --seeds 2 --conditions precise none
    OMP_NUM_THREADS=1 python -m benchmarks.knowledge --seeds 3 \
        --conditions 'precise-top1[strategy=prior]' 'none[strategy=prior]'

Writes ``benchmarks/results/knowledge.json``: ``{"conditions": {NAME: {"strategy", "runs": N,
"regret": {"5": .., "10": .., "20": .., "30": ..}, "regret_se": {...}}}, "paired": {NAME:
{"runs", "difference", "difference_se", "losing_share", "p90"}}, "hints": {task: {...}}}``
(``losing_share``: the share of pairs that lose by more than 0.1; ``p90``: the 90th percentile
of the differences; each keyed by trials like ``regret``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys
from typing import Any

import numpy as np
import optuna
from tqdm import tqdm

from benchmarks._paths import DEFAULT_ARCHIVE_DIR
from benchmarks._paths import DEFAULT_CACHE_DIR
from benchmarks._paths import RESULTS_DIR
from benchmarks.core.archive import restore
from benchmarks.core.metrics import CHECKPOINTS
from benchmarks.core.metrics import mean_and_standard_error
from benchmarks.core.metrics import paired_summary
from benchmarks.core.metrics import regret_curve
from benchmarks.core.runner import load_run
from benchmarks.core.runner import run_one
from benchmarks.core.runner import save_run
from benchmarks.core.samplers import format_options
from benchmarks.core.samplers import library_default_strategy
from benchmarks.core.samplers import sampler_strategy
from benchmarks.core.samplers import split_options
from benchmarks.core.samplers import strategy_sampler
from benchmarks.core.suite import exchanges_dir
from benchmarks.experiments.hints import CONDITIONS as HINT_CONDITIONS
from benchmarks.experiments.hints import task_hints
from benchmarks.experiments.hints import TaskHints
from benchmarks.tasks.reference import load_reference
from benchmarks.tasks.reference import require_reference
from benchmarks.tasks.registry import get_task
from benchmarks.tasks.registry import resolve_task_names


BASELINES: tuple[str, ...] = ("gp", "tpe", "gp+enqueue", "tpe+enqueue")
CONDITIONS: tuple[str, ...] = HINT_CONDITIONS + BASELINES
DEFAULT_OUTPUT = RESULTS_DIR / "knowledge.json"
#: The knowledge runs kept in the repository (runs only; their LLM exchanges are in the main
#: archive): ``python -m benchmarks.archive save --cache-dir <cache-dir>/knowledge
#: --archive-dir benchmarks/results/knowledge_archive``.
KNOWLEDGE_ARCHIVE_DIR = RESULTS_DIR / "knowledge_archive"
#: The strategy a hint condition runs unless its ``[strategy=<x>]`` option names another: the
#: library's default (the runs measured under ``prior``, the default until 2026-12-03, are
#: archived as ``[strategy=prior]``).
KNOWLEDGE_STRATEGY = sampler_strategy(library_default_strategy())
#: The comparisons the acceptance of the benchmark asks for: (condition, against).
COMPARISONS: tuple[tuple[str, str], ...] = (
    ("precise", "none"),
    ("precise-top1", "none"),
    ("precise", "gp+enqueue"),
    ("vague", "none"),
    ("misleading", "gp"),
    ("none", "gp"),
)


def split_condition(condition: str) -> tuple[str, str]:
    """``(base condition, variant)``: ``"precise[beta=3]@smollm2-135m"`` -> ``("precise",
    "[beta=3]@smollm2-135m")``."""
    cut = min(
        [i for i in (condition.find("["), condition.find("@")) if i >= 0], default=len(condition)
    )
    return condition[:cut], condition[cut:]


def condition_setup(
    condition: str, hints: TaskHints
) -> tuple[str, dict[str, Any] | None, dict[str, Any] | None]:
    """The sampler name, the study's extra user attributes and the enqueued configuration.

    A hint condition may carry options of the prior strategy and name another embedded model:
    ``precise[beta=3]@smollm2-135m`` (:mod:`benchmarks.core.samplers`). The option
    ``strategy`` runs another strategy with the same hint: ``precise-top1[strategy=trust]``.

    Example:
        >>> hints = TaskHints((), {}, {}, {}, texts={"precise": "C around 1", "none": ""})
        >>> condition_setup("precise[strategy=trust]", hints)[:2]
        ('llm-trust', {'domain_knowledge': {'hint': 'C around 1'}})
        >>> condition_setup("none[strategy=trust,beta=3]@smollm2-135m", hints)[:2]
        ('llm-trust[beta=3]@smollm2-135m', None)
    """
    base, variant = split_condition(condition)
    if base in HINT_CONDITIONS:
        knowledge = hints.domain_knowledge(base)
        strategy, variant = _strategy_option(variant)
        return (
            strategy_sampler(strategy) + variant,
            ({"domain_knowledge": knowledge} if knowledge else None),
            None,
        )
    if condition in ("gp", "tpe"):
        return condition, None, None
    if condition in ("gp+enqueue", "tpe+enqueue"):
        return condition.split("+")[0], None, hints.partial_configuration("precise")
    raise ValueError(f"unknown condition {condition!r}; known: {', '.join(CONDITIONS)}")


def condition_strategy(condition: str) -> str:
    """The strategy a condition runs: the LLM strategy of a hint condition (its
    ``[strategy=<x>]`` option, :data:`KNOWLEDGE_STRATEGY` without one) with the options it
    changes, the Optuna sampler of a baseline.

    Example:
        >>> [condition_strategy(c) for c in ("none", "none[strategy=prior]", "gp+enqueue")]
        ['trust', 'prior', 'gp']
        >>> condition_strategy("precise-top1[strategy=trust,reask=0,reward=off]")
        'trust[reask=0,reward=off]'
    """
    base, variant = split_condition(condition)
    if base in HINT_CONDITIONS:
        strategy, rest = _strategy_option(variant)
        return strategy + rest.split("@", 1)[0]
    return condition.split("+")[0]


def _strategy_option(variant: str) -> tuple[str, str]:
    """``(strategy, variant without it)``: the ``strategy=<x>`` option of a condition's variant
    (:data:`KNOWLEDGE_STRATEGY` when it names none)."""
    options, rest = split_options(variant)
    strategy = options.pop("strategy", KNOWLEDGE_STRATEGY)
    return strategy, format_options(options) + rest


def run_conditions(
    tasks: list[str],
    conditions: list[str],
    seeds: int | list[int],
    trials: int,
    cache_dir: Path,
    show_progress: bool = True,
    run_missing: bool = True,
) -> dict[tuple[str, str, int], dict[str, Any]]:
    """Run every missing (task, condition, seed), seed-major; return every finished record.

    ``seeds`` is a count (seeds 0 .. seeds - 1) or a list of seeds. With ``run_missing=False``
    only the finished runs are read.
    """

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    knowledge_dir = cache_dir / "knowledge"
    llm_kwargs = {"cache_dir": exchanges_dir(cache_dir)}
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    plan = [
        (task, condition, seed) for seed in seed_list for task in tasks for condition in conditions
    ]
    records: dict[tuple[str, str, int], dict[str, Any]] = {}
    with tqdm(
        total=len(plan),
        unit="run",
        disable=not show_progress,
        desc="knowledge",
        dynamic_ncols=True,
    ) as bar:
        for task_name, condition, seed in plan:
            record = load_run(knowledge_dir, task_name, condition, seed, trials)
            if record is None and not run_missing:
                bar.update()
                continue
            if record is None:
                bar.set_postfix_str(f"{task_name} {condition} seed {seed}")
                task = get_task(task_name)
                sampler, user_attrs, enqueue = condition_setup(condition, task_hints(task))
                record = run_one(
                    task,
                    sampler,
                    seed,
                    trials,
                    load_reference(task_name),
                    llm_kwargs,
                    user_attrs=user_attrs,
                    enqueue=enqueue,
                )
                record.update(
                    sampler=condition,
                    base_sampler=sampler,
                    domain_knowledge=user_attrs,
                    enqueued=enqueue,
                )
                save_run(knowledge_dir, record)
            records[(task_name, condition, seed)] = record
            bar.update()
    return records


def summarise_conditions(
    records: dict[tuple[str, str, int], dict[str, Any]],
    tasks: list[str],
    conditions: list[str],
    seeds: int,
) -> dict[str, Any]:
    """Mean normalised regret per condition and the paired comparisons, as ``knowledge.json``."""

    references = {task: load_reference(task) for task in tasks}
    n_trials = min(len(record["best_so_far"]) for record in records.values())
    checkpoints = [c for c in CHECKPOINTS if c < n_trials] + [n_trials]

    def curve(task: str, condition: str, seed: int) -> np.ndarray:
        return np.asarray(
            regret_curve(
                records[(task, condition, seed)]["best_so_far"],
                require_reference(references[task], task),
            )
        )

    summary: dict[str, Any] = {"conditions": {}, "paired": {}}
    for condition in conditions:
        keys = [(t, s) for t in tasks for s in range(seeds) if (t, condition, s) in records]
        if not keys:
            continue
        curves = np.array([curve(t, condition, s) for t, s in keys])
        stats = [mean_and_standard_error(curves[:, c - 1]) for c in checkpoints]
        models = sorted(
            {
                str(records[(t, condition, s)].get("model"))
                for t, s in keys
                if records[(t, condition, s)].get("model")
            }
        )
        summary["conditions"][condition] = {
            "strategy": condition_strategy(condition),
            "runs": len(keys),
            **({"model": ", ".join(models)} if models else {}),
            "regret": {str(c): m for c, (m, _) in zip(checkpoints, stats)},
            "regret_se": {str(c): se for c, (_, se) in zip(checkpoints, stats)},
        }
    variants = sorted({split_condition(c)[1] for c in conditions} - {""})
    comparisons = (
        list(COMPARISONS)
        + [
            (c + v if c in HINT_CONDITIONS else c, a + v if a in HINT_CONDITIONS else a)
            for v in variants
            for c, a in COMPARISONS
        ]
        + [(c + v, c) for v in variants for c in HINT_CONDITIONS if "@" not in v]
    )  # the option's own effect
    for condition, against in comparisons:
        keys = [
            (t, s)
            for t in tasks
            for s in range(seeds)
            if (t, condition, s) in records and (t, against, s) in records
        ]
        if not keys:
            continue
        differences = np.array([curve(t, condition, s) - curve(t, against, s) for t, s in keys])
        stats = [mean_and_standard_error(differences[:, c - 1]) for c in checkpoints]
        tails = [paired_summary(differences[:, c - 1]) for c in checkpoints]
        summary["paired"][f"{condition} - {against}"] = {
            "runs": len(keys),
            "difference": {str(c): m for c, (m, _) in zip(checkpoints, stats)},
            "difference_se": {str(c): se for c, (_, se) in zip(checkpoints, stats)},
            # The share of pairs that lose by more than 0.1 and the 90th percentile.
            "losing_share": {str(c): t["losing_share"] for c, t in zip(checkpoints, tails)},
            "p90": {str(c): t["p90"] for c, t in zip(checkpoints, tails)},
        }
    return summary


def updated_summary(existing: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``existing`` (a ``knowledge.json``) with the conditions, comparisons and hints of
    ``new`` added or replaced; ``new``'s command is kept in ``updates``, the existing
    ``command`` stays the one that made the rest.

    Example:
        >>> old = {"conditions": {"a": 1}, "paired": {}, "hints": {}, "command": "x"}
        >>> new = {"conditions": {"b": 2}, "paired": {}, "hints": {}, "command": "y"}
        >>> merged = updated_summary(old, new)
        >>> sorted(merged["conditions"]), merged["command"], merged["updates"]
        (['a', 'b'], 'x', ['y'])
    """
    merged = dict(existing)
    for key in ("conditions", "paired", "hints"):
        merged[key] = {**existing.get(key, {}), **new.get(key, {})}
    updates = [u for u in existing.get("updates", []) if u != new["command"]]
    merged["updates"] = updates + [new["command"]]
    return merged


def records_seeds(records: dict[tuple[str, str, int], dict[str, Any]]) -> set[int]:
    """The seeds that ``records`` hold."""
    return {seed for _, _, seed in records}


def main(argv: list[str] | None = None) -> int:
    """CLI: run what is missing, print the table, write ``knowledge.json``."""

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.knowledge",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tasks", nargs="+", default=["bayesmark"])
    parser.add_argument(
        "--conditions",
        nargs="+",
        default=list(CONDITIONS),
        help=f"of {', '.join(CONDITIONS)}; a hint condition may add options (strategy=<x> runs "
        "another strategy than prior) and a model: precise[beta=3]@smollm2-135m, "
        "precise-top1[strategy=trust]",
    )
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--only-seeds",
        type=int,
        nargs="+",
        default=None,
        help="run only these seeds (to share the work between processes); the table covers them",
    )
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument(
        "--cached-only",
        action="store_true",
        help="run nothing: summarise the finished runs (while other processes run the rest)",
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="add the conditions summarised here to the existing output, keeping its other "
        "conditions and comparisons (whose runs this cache need not hold)",
    )
    parser.add_argument(
        "--no-archive",
        action="store_true",
        help="start from the cache alone: do not restore the archived knowledge runs and LLM "
        "exchanges first",
    )
    args = parser.parse_args(argv)
    if not args.no_archive:
        restore(args.cache_dir / "knowledge", KNOWLEDGE_ARCHIVE_DIR)
        restore(args.cache_dir, DEFAULT_ARCHIVE_DIR)
    tasks = resolve_task_names(args.tasks)
    unknown = [
        c
        for c in args.conditions
        if c not in CONDITIONS and split_condition(c)[0] not in HINT_CONDITIONS
    ]
    if unknown:
        parser.error(
            f"unknown condition {unknown[0]!r}; known: {', '.join(CONDITIONS)} (hint conditions "
            "may add [options] and @model)"
        )
    seeds = args.only_seeds if args.only_seeds is not None else args.seeds
    records = run_conditions(
        tasks,
        args.conditions,
        seeds,
        args.trials,
        args.cache_dir,
        show_progress=not args.no_progress,
        run_missing=not args.cached_only,
    )
    summary = summarise_conditions(
        records, tasks, args.conditions, max(records_seeds(records)) + 1 if records else 0
    )
    summary["hints"] = {task: task_hints(get_task(task)).texts for task in tasks}
    summary["command"] = "python -m benchmarks.knowledge " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    if args.update and args.output.exists():
        summary = updated_summary(json.loads(args.output.read_text()), summary)
    checkpoints = (
        list(next(iter(summary["conditions"].values()))["regret"]) if summary["conditions"] else []
    )
    print(f"{'condition':<14}{'runs':>6}" + "".join(f"{'r@' + c:>16}" for c in checkpoints))
    for name, entry in summary["conditions"].items():
        cells = "".join(
            f"{entry['regret'][c]:>9.3f}±{entry['regret_se'][c]:.3f}" for c in checkpoints
        )
        print(f"{name:<14}{entry['runs']:>6}{cells}")
    for name, entry in summary["paired"].items():
        cells = "".join(
            f"{entry['difference'][c]:>+9.3f}±{entry['difference_se'][c]:.3f}" for c in checkpoints
        )
        print(f"{name:<28}{entry['runs']:>4}{cells}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
