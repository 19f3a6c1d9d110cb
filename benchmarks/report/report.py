"""Turn cached benchmark runs into ``docs/benchmarks.md``, PNG curves and ``latest.json``.

Usage (after ``python -m benchmarks.run``)::

    python -m benchmarks.report                       # 16 tasks x 5 seeds x 30 trials
    python -m benchmarks.report --quick               # the quick run's 3 tasks x 3 seeds

Every sampler with cached runs is reported, each on the (task, seed) runs it has: samplers
may have fewer seeds than others (e.g. the slow LLM strategies) or miss some tasks of a
seed (an interrupted run). The report then says so: seeds and runs per sampler, the missing
(task, seed) pairs, a paired comparison on the partial sampler's own runs, and in
``latest.json`` the extra per-sampler fields ``seeds``, ``runs`` and ``missing``.

Before aggregating, the best value any cached run reached is written into the task's reference file
(``best_from_runs``), so f* is "the best of the random configurations and of all runs" as the
specification asks; every sampler is then normalised by the same f*. Pass ``--no-update-reference``
to leave the files alone.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import platform
import shlex
import sys
from typing import Any

from benchmarks._paths import DEFAULT_CACHE_DIR
from benchmarks._paths import DEFAULT_REFERENCE_DIR
from benchmarks._paths import REPO_ROOT
from benchmarks._paths import RESULTS_DIR
from benchmarks.core.archive import add_archive_arguments
from benchmarks.core.archive import restore_from_arguments
from benchmarks.core.metrics import SamplerSummary
from benchmarks.core.metrics import summarise
from benchmarks.core.runner import library_versions
from benchmarks.core.runner import load_run
from benchmarks.core.samplers import BASELINE_SAMPLERS
from benchmarks.core.samplers import is_llm_sampler
from benchmarks.core.samplers import library_default_strategy
from benchmarks.core.suite import DEFAULT_SEEDS
from benchmarks.core.suite import DEFAULT_TRIALS
from benchmarks.core.suite import QUICK_SEEDS
from benchmarks.core.suite import QUICK_TASKS
from benchmarks.report.render import render_markdown
from benchmarks.report.render import save_figures
from benchmarks.tasks.bayesmark import BAYESMARK_TASK_NAMES
from benchmarks.tasks.reference import DEFAULT_RANDOM_CONFIGS
from benchmarks.tasks.reference import load_reference
from benchmarks.tasks.reference import update_best_from_runs
from benchmarks.tasks.registry import resolve_task_names
from benchmarks.tasks.task_types import Reference


DEFAULT_RESULTS_JSON = RESULTS_DIR / "latest.json"
DEFAULT_MARKDOWN = REPO_ROOT / "docs" / "benchmarks.md"
DEFAULT_FIGURES_DIR = REPO_ROOT / "docs"
DEFAULT_OVERHEAD_JSON = RESULTS_DIR / "overhead.json"
DEFAULT_PROBE_JSON = RESULTS_DIR / "probe.json"
DEFAULT_READING = RESULTS_DIR / "reading.md"
DEFAULT_TITLE = "Benchmarks"


def sampler_order(names: list[str]) -> list[str]:
    """Baselines in their canonical order, then LLM strategies, then anything else."""
    baselines = [name for name in BASELINE_SAMPLERS if name in names]
    llm = sorted(name for name in names if is_llm_sampler(name))
    rest = sorted(name for name in names if name not in baselines and name not in llm)
    return baselines + llm + rest


def cached_sampler_names(cache_dir: Path, tasks: list[str]) -> list[str]:
    """Every sampler name with at least one run file for one of ``tasks``."""
    names: set[str] = set()
    for task in tasks:
        folder = Path(cache_dir) / task
        if folder.is_dir():
            for path in folder.glob("*__seed*__trials*.json"):
                record = json.loads(path.read_text())
                names.add(record["sampler"])
    return sampler_order(sorted(names))


def collect_runs(
    cache_dir: Path, tasks: list[str], samplers: list[str], seeds: int, trials: int
) -> tuple[
    dict[tuple[str, str, int], dict[str, Any]],
    dict[str, list[int]],
    dict[str, list[tuple[str, int]]],
]:
    """Every cached run of ``samplers`` for ``tasks`` x seeds 0..``seeds``-1.

    Returns the runs, ``sampler -> the seeds it has a run of`` (samplers without any run are
    left out) and ``sampler -> (task, seed) pairs missing among those seeds`` (empty when the
    sampler has every task of each of its seeds).
    """
    runs: dict[tuple[str, str, int], dict[str, Any]] = {}
    seeds_of: dict[str, list[int]] = {}
    missing: dict[str, list[tuple[str, int]]] = {}
    for sampler in samplers:
        found = {
            (task, sampler, seed): load_run(cache_dir, task, sampler, seed, trials)
            for task in tasks
            for seed in range(seeds)
        }
        present = {key: record for key, record in found.items() if record is not None}
        if not present:
            continue
        runs.update(present)
        seeds_of[sampler] = sorted({seed for (_, _, seed) in present})
        missing[sampler] = [
            (task, seed)
            for seed in seeds_of[sampler]
            for task in tasks
            if (task, sampler, seed) not in present
        ]
    return runs, seeds_of, missing


def refresh_references(cache_dir: Path, tasks: list[str], reference_dir: Path) -> None:
    """Store the best value of all cached runs of each task as its ``best_from_runs``."""
    for task in tasks:
        folder = Path(cache_dir) / task
        if not folder.is_dir():
            continue
        best: tuple[float, dict[str, Any], str] | None = None
        maximize = None
        for path in sorted(folder.glob("*.json")):
            record = json.loads(path.read_text())
            trial = record.get("best_trial")
            if not trial:
                continue
            maximize = record["direction"] == "maximize"
            value = trial["value"]
            if best is None or (value > best[0] if maximize else value < best[0]):
                best = (
                    value,
                    trial["params"],
                    f"{record['sampler']} seed {record['seed']} trial {trial['number']}",
                )
        if best is not None:
            update_best_from_runs(task, best[0], best[1], best[2], reference_dir)


def models_of(runs: dict[tuple[str, str, int], dict[str, Any]]) -> dict[str, str]:
    """The model of each LLM sampler, as its run records name it (several: joined by " + ")."""
    found: dict[str, set[str]] = {}
    for (_, sampler, _), record in runs.items():
        if is_llm_sampler(sampler):
            model = record.get("model") or (record.get("sampler_statistics") or {}).get("model")
            found.setdefault(sampler, set()).add(str(model))
    return {sampler: " + ".join(sorted(models)) for sampler, models in found.items()}


def latest_json(
    summaries: dict[str, SamplerSummary],
    tasks: list[str],
    seeds: int,
    trials: int,
    default_strategy: str,
    missing: dict[str, list[tuple[str, int]]] | None = None,
    models: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The machine-readable results in the shape the project publishes.

    ``seeds`` is the number of seeds asked for. When the samplers do not all have every task
    of the same seeds, every sampler entry also carries ``seeds`` (the seeds it has runs of),
    ``runs`` (its number of task x seed runs) and ``missing`` (``"task/seed"`` pairs missing
    among its seeds). Samplers that are neither a baseline nor an LLM strategy (ablations such
    as ``gp-startup5``) go under ``ablations``, in the same shape, so that ``samplers`` holds
    only the published baselines and ``llm*`` strategies.
    """
    samplers: dict[str, Any] = {}
    missing = missing or {}
    uneven = len({tuple(summary.seeds) for summary in summaries.values()}) > 1 or any(
        missing.values()
    )
    for name, summary in summaries.items():
        cost = summary.cost_per_trial
        samplers[name] = {
            "regret": summary.regret,
            "regret_se": summary.regret_se,
            "mean_rank": summary.mean_rank,
            "sampler_seconds_per_trial": cost["sampler_seconds"],
            "llm_seconds_per_trial": cost["llm_seconds"],
            "llm_calls_per_trial": cost["llm_calls"],
            "prompt_tokens_per_trial": cost["prompt_tokens"],
            "completion_tokens_per_trial": cost["completion_tokens"],
            "trials_to_target": summary.trials_to_target,
            "test_score": summary.test_score,
        }
        if models and name in models:
            samplers[name]["model"] = models[name]
        if uneven:
            samplers[name]["seeds"] = list(summary.seeds)
            samplers[name]["runs"] = summary.n_runs
            samplers[name]["missing"] = [f"{task}/{seed}" for task, seed in missing.get(name, [])]
    published = {
        name: entry
        for name, entry in samplers.items()
        if name in BASELINE_SAMPLERS or is_llm_sampler(name)
    }
    ablations = {name: entry for name, entry in samplers.items() if name not in published}
    return {
        "trials": trials,
        "seeds": seeds,
        "tasks": tasks,
        "default_strategy": default_strategy,
        "samplers": published,
        **({"ablations": ablations} if ablations else {}),
    }


def machine_description() -> dict[str, Any]:
    """Where the report was made: platform string, processor, CPU count."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }


def run_command(
    tasks: list[str], samplers: list[str] | dict[str, list[int]], seeds: int, trials: int
) -> str:
    """The ``python -m benchmarks.run`` command(s) that reproduce these runs.

    With ``samplers`` as ``sampler -> seeds``, samplers with the same number of seeds share
    one command, one line per group (most seeds first).
    """
    task_words = "bayesmark" if tasks == list(BAYESMARK_TASK_NAMES) else " ".join(tasks)
    if not isinstance(samplers, dict):
        samplers = {name: list(range(seeds)) for name in samplers}
    groups: dict[int, list[str]] = {}
    for name, sampler_seeds in samplers.items():
        groups.setdefault(max(sampler_seeds) + 1, []).append(name)
    return "\n".join(
        f"OMP_NUM_THREADS=1 python -m benchmarks.run --tasks {task_words} --samplers "
        f"{shlex.join(names)} --seeds {count} --trials {trials}"
        for count, names in sorted(groups.items(), key=lambda item: -item[0])
    )


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface of ``python -m benchmarks.report``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.report",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tasks", nargs="+", default=None, help="main tasks (default: bayesmark)")
    parser.add_argument(
        "--control-tasks",
        nargs="+",
        default=["bbob"],
        help="tasks reported in a separate control section when their runs exist (default: bbob)",
    )
    parser.add_argument(
        "--samplers", nargs="+", default=None, help="default: every sampler found in the cache"
    )
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--trials", type=int, default=DEFAULT_TRIALS)
    parser.add_argument(
        "--control-trials",
        type=int,
        default=None,
        help="budget of the control runs (default: --trials; the BBOB control is run with 200)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="report the quick run (3 tasks x 3 seeds)"
    )
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--reference-dir", type=Path, default=DEFAULT_REFERENCE_DIR)
    parser.add_argument("--output-json", type=Path, default=DEFAULT_RESULTS_JSON)
    parser.add_argument("--output-markdown", type=Path, default=DEFAULT_MARKDOWN)
    parser.add_argument("--figures-dir", type=Path, default=DEFAULT_FIGURES_DIR)
    parser.add_argument("--overhead-json", type=Path, default=DEFAULT_OVERHEAD_JSON)
    parser.add_argument("--probe-json", type=Path, default=DEFAULT_PROBE_JSON)
    parser.add_argument(
        "--runs-only",
        action="store_true",
        help="report these runs alone: leave out the sections measured elsewhere (the probe, the "
        "multi-objective benchmark, the hints, the overhead)",
    )
    parser.add_argument(
        "--reading",
        type=Path,
        default=DEFAULT_READING,
        help="the hand-written reading of the tables, placed after them (default: %(default)s)",
    )
    parser.add_argument(
        "--title", default=DEFAULT_TITLE, help="the page's title (default: %(default)s)"
    )
    parser.add_argument(
        "--default-strategy",
        default=library_default_strategy(),
        help="benchmark name of the library's default LLM strategy (default: read from the "
        "library)",
    )
    parser.add_argument(
        "--min-random-configs",
        type=int,
        default=DEFAULT_RANDOM_CONFIGS,
        help="random configurations a reference needs before it is used (default 500)",
    )
    parser.add_argument(
        "--no-update-reference", action="store_true", help="do not write best_from_runs"
    )
    parser.add_argument(
        "--drop-rows",
        action="store_true",
        help="write the report even if rows of the existing --output-json have no runs in the "
        "cache",
    )
    add_archive_arguments(parser)
    return parser


def summarise_section(
    args: argparse.Namespace,
    tasks: list[str],
    samplers: list[str] | None,
    seeds: int,
    trials: int | None = None,
) -> dict[str, Any] | None:
    """Load, normalise and aggregate one group of tasks (runs of ``trials``, default
    ``args.trials``); ``None`` if nothing is complete."""
    trials = args.trials if trials is None else trials
    if not args.no_update_reference:
        refresh_references(args.cache_dir, tasks, args.reference_dir)
    references: dict[str, Reference | None] = {
        t: load_reference(t, args.reference_dir, args.min_random_configs) for t in tasks
    }
    unreferenced = [task for task, reference in references.items() if reference is None]
    if unreferenced:
        print(
            f"No reference values for {', '.join(unreferenced)}: run "
            "`python -m benchmarks.reference` first.",
            file=sys.stderr,
        )
        return None
    candidates = (
        sampler_order(samplers) if samplers else cached_sampler_names(args.cache_dir, tasks)
    )
    runs, seeds_of, missing = collect_runs(args.cache_dir, tasks, candidates, seeds, trials)
    if not seeds_of:
        return None
    summaries = summarise(runs, tasks, list(seeds_of), seeds_of, trials, references)  # type: ignore[arg-type]
    return {
        "tasks": tasks,
        "samplers": list(seeds_of),
        "seeds_per_sampler": seeds_of,
        "missing": missing,
        "incomplete": {},
        "summaries": summaries,
        "references": references,
        "runs": runs,
        "seeds": seeds,
        "trials": trials,
    }


def dropped_rows(output_json: Path, samplers: list[str]) -> list[str]:
    """The rows (samplers and ablations) of an existing ``output_json`` missing from
    ``samplers``."""
    try:
        published = json.loads(Path(output_json).read_text())
    except (OSError, ValueError):
        return []
    names = list(published.get("samplers") or {}) + list(published.get("ablations") or {})
    return [name for name in names if name not in samplers]


#: Libraries whose versions can change the runs; a report whose runs differ in them says which.
VERSIONED_LIBRARIES = ("optuna", "torch", "scikit-learn", "numpy")


def version_mix(
    runs: dict[tuple[str, str, int], dict[str, Any]],
) -> dict[str, dict[str, list[str]]]:
    """For each of :data:`VERSIONED_LIBRARIES` the runs differ in: version -> the samplers run on
    it."""
    seen: dict[str, dict[str, set[str]]] = {}
    for (_, sampler, _), record in runs.items():
        for library in VERSIONED_LIBRARIES:
            version = str((record.get("versions") or {}).get(library))
            seen.setdefault(library, {}).setdefault(version, set()).add(sampler)
    return {
        library: {version: sorted(names) for version, names in sorted(versions.items())}
        for library, versions in seen.items()
        if len(versions) > 1
    }


def _read_json(path: Path) -> Any:
    """The JSON at ``path``, or ``None`` where there is no such file."""
    return json.loads(path.read_text()) if path.exists() else None


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.report``."""

    args = build_parser().parse_args(argv)
    restore_from_arguments(args)
    seeds = (
        args.seeds if args.seeds is not None else (QUICK_SEEDS if args.quick else DEFAULT_SEEDS)
    )
    tasks = resolve_task_names(args.tasks or (list(QUICK_TASKS) if args.quick else ["bayesmark"]))
    main_section = summarise_section(args, tasks, args.samplers, seeds)
    if main_section is None:
        print(
            "No sampler has a run of the main tasks in the cache: nothing to report.",
            file=sys.stderr,
        )
        return 1
    control_section = None
    try:
        control_tasks = [t for t in resolve_task_names(args.control_tasks) if t not in tasks]
    except (RuntimeError, KeyError) as error:
        print(f"No control section: {error}", file=sys.stderr)
        control_tasks = []
    control_tasks = [t for t in control_tasks if (Path(args.cache_dir) / t).is_dir()]
    if control_tasks:
        control_section = summarise_section(
            args, control_tasks, args.samplers, seeds, args.control_trials
        )

    dropped = dropped_rows(args.output_json, main_section["samplers"])
    if dropped and not args.drop_rows:
        print(
            f"The report would drop {len(dropped)} published rows of {args.output_json} whose "
            f"runs are not in the cache ({', '.join(dropped)}): restore or rerun them, or pass "
            "--drop-rows.",
            file=sys.stderr,
        )
        return 2
    args.output_json.parent.mkdir(parents=True, exist_ok=True)
    payload = latest_json(
        main_section["summaries"],
        tasks,
        seeds,
        args.trials,
        args.default_strategy,
        main_section["missing"],
        models_of(main_section["runs"]),
    )
    args.output_json.write_text(json.dumps(payload, indent=2) + "\n")
    first_run = next(iter(main_section["runs"].values()))
    context = {
        "command": run_command(tasks, main_section["seeds_per_sampler"], seeds, args.trials),
        "report_command": "python -m benchmarks.report "
        + shlex.join(argv if argv is not None else sys.argv[1:]),
        "machine": machine_description(),
        "versions": first_run.get("versions") or library_versions(),
        "version_mix": version_mix(main_section["runs"]),
        "trials": args.trials,
        "default_strategy": args.default_strategy,
        "json_path": args.output_json,
        "reference_dir": args.reference_dir,
        # --runs-only leaves out what was measured on other runs: the probe and the overhead here,
        # the multi-objective and hints sections in render_markdown.
        "overhead": _read_json(args.overhead_json) if not args.runs_only else None,
        "probe": _read_json(args.probe_json) if not args.runs_only else None,
        "runs_only": args.runs_only,
        "reading": args.reading,
        "title": args.title,
    }
    figures = save_figures(main_section, args.figures_dir, "benchmark")
    control_figures = (
        save_figures(control_section, args.figures_dir, "benchmark_bbob")
        if control_section
        else []
    )
    markdown = render_markdown(
        main_section,
        control_section,
        context,
        figures,
        control_figures,
        args.output_markdown.parent,
    )
    args.output_markdown.parent.mkdir(parents=True, exist_ok=True)
    args.output_markdown.write_text(markdown)
    print(
        f"Wrote {args.output_markdown}, {args.output_json} and "
        f"{len(figures) + len(control_figures)} figures."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
