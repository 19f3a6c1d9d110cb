"""The Markdown section of the multi-objective and constrained benchmark, for docs/benchmarks.md.

:func:`multiobjective_section` reads ``benchmarks/results/multiobjective.json`` (written by
``python -m benchmarks.multiobjective``) and returns the section as a string, or ``""`` when
the file does not exist, so that the main report can include it unconditionally.

Example::

    python -m benchmarks.render_multiobjective                  # prints the section
    python -m benchmarks.render_multiobjective path/to/results.json
"""

from __future__ import annotations

import json
from pathlib import Path
import sys
from typing import Any

from benchmarks._paths import RESULTS_DIR


DEFAULT_RESULTS = RESULTS_DIR / "multiobjective.json"


def multiobjective_section(results_path: Path = DEFAULT_RESULTS) -> str:
    """The Markdown section for the results in ``results_path``; ``""`` if there are none."""
    path = Path(results_path)
    if not path.exists():
        return ""
    return render_results(json.loads(path.read_text()))


def _cell(pair: Any, digits: int = 3) -> str:
    if not pair or pair[0] is None:
        return "–"
    mean, se = pair
    if se is None:  # a single seed
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {se:.{digits}f}"


def _seeds(seeds: list[int]) -> str:
    if not seeds:
        return "–"
    if seeds == list(range(seeds[0], seeds[-1] + 1)):
        text = str(seeds[0]) if len(seeds) == 1 else f"{seeds[0]}–{seeds[-1]}"
    else:
        text = ", ".join(str(s) for s in seeds)
    return f"{len(seeds)}: {text}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _llm_cells(*entries: dict[str, Any] | None) -> list[str]:
    """LLM share and wall seconds per run, averaged over ``entries`` (one per task)."""
    present = [e for e in entries if e]
    share = sum(e.get("llm_share") or 0.0 for e in present) / len(present)
    calls = sum(e.get("llm_calls") or 0.0 for e in present)
    wall = sum(e.get("wall_seconds") or 0.0 for e in present) / len(present)
    return [f"{share:.0%}" if calls else "–", f"{wall:.0f}"]


def _samplers(results: dict[str, Any], kind: str) -> list[str]:
    present = {name for task in results.get(kind, {}).values() for name in task}
    return [name for name in results.get("samplers", []) if name in present]


def _paired(entry: dict[str, Any] | None, seeds: list[str] | None, name: str) -> Any:
    """A figure of ``entry``: as summarised, or recomputed over ``seeds`` from its per-seed
    values."""
    if not entry:
        return None
    if seeds is None:
        return entry.get(name)
    per_seed = entry.get("per_seed") or {}
    if name.startswith("runs_with_feasible@"):
        key = "best_feasible@" + name.split("@")[1]
        return sum(per_seed.get(k, {}).get(key) is not None for k in seeds)
    samples = [per_seed[k].get(name) for k in seeds if k in per_seed]
    samples = [v for v in samples if v is not None]
    if not samples:
        return None
    mean = sum(samples) / len(samples)
    if len(samples) == 1:
        return [mean, None]
    variance = sum((v - mean) ** 2 for v in samples) / (len(samples) - 1)
    return [mean, (variance / len(samples)) ** 0.5]


def _common_seeds(results: dict[str, Any], kind: str) -> list[str] | None:
    """The seeds every sampler of ``kind`` has, when some sampler has more; else ``None``."""
    seed_sets = [
        tuple(str(k) for k in entry["seeds"])
        for task in results.get(kind, {}).values()
        for entry in task.values()
    ]
    if len(set(seed_sets)) <= 1:
        return None
    common = set(seed_sets[0]).intersection(*seed_sets[1:])
    return sorted(common, key=int) or None


def _front_table(
    results: dict[str, Any], checkpoints: list[int], seeds: list[str] | None
) -> list[str]:
    multi = results.get("multiobjective", {})
    tasks = list(multi)
    header = ["sampler", "seeds"] + [f"{task} HV@{c}" for task in tasks for c in checkpoints]
    header += ["LLM share", "wall s/run"] if seeds is None else []
    rows = []
    for name in _samplers(results, "multiobjective"):
        entries = [multi[task].get(name) for task in tasks]
        first = next(e for e in entries if e)
        row = [f"`{name}`", _seeds(first["seeds"] if seeds is None else [int(k) for k in seeds])]
        row += [_cell(_paired(e, seeds, f"hypervolume@{c}")) for e in entries for c in checkpoints]
        rows.append(row + (_llm_cells(*entries) if seeds is None else []))
    return _table(header, rows)


def _feasibility_table(
    results: dict[str, Any], task: str, checkpoints: list[int], seeds: list[str] | None
) -> list[str]:
    entries = results["constrained"][task]
    header = ["sampler", "seeds"] + [f"feasible share@{c}" for c in checkpoints]
    header += [f"best feasible@{c}" for c in checkpoints]
    header += ["LLM share", "wall s/run"] if seeds is None else []
    rows = []
    for name in _samplers(results, "constrained"):
        entry = entries.get(name)
        if not entry:
            continue
        row = [f"`{name}`", _seeds(entry["seeds"] if seeds is None else [int(k) for k in seeds])]
        row += [_cell(_paired(entry, seeds, f"feasible_share@{c}"), 2) for c in checkpoints]
        row += [
            f"{_cell(_paired(entry, seeds, f'best_feasible@{c}'))} "
            f"({_paired(entry, seeds, f'runs_with_feasible@{c}') or 0})"
            for c in checkpoints
        ]
        rows.append(row + (_llm_cells(entry) if seeds is None else []))
    return _table(header, rows)


def _paired_note(seeds: list[str]) -> list[str]:
    text = ", ".join(seeds)
    return [
        "",
        f"Paired on the seeds every sampler has ({'seed' if len(seeds) == 1 else 'seeds'} "
        f"{text}):",
        "",
    ]


def _uneven_note(results: dict[str, Any]) -> list[str]:
    """Which samplers lack seeds, when some do."""
    seeds_of: dict[str, set[int]] = {}
    for kind in ("multiobjective", "constrained"):
        for task in results.get(kind, {}).values():
            for name, entry in task.items():
                seeds_of.setdefault(name, set()).update(entry["seeds"])
    if len({frozenset(v) for v in seeds_of.values()}) <= 1:
        return []
    most = max(len(v) for v in seeds_of.values())
    fewer = [f"`{name}` {_seeds(sorted(v))}" for name, v in seeds_of.items() if len(v) < most]
    return [
        (
            "**Not every sampler has every seed** (the LLM runs are slow on the shared 2-core "
            "machine): "
            + "; ".join(fewer)
            + ". Each first table averages a sampler over the seeds it has; the paired table "
            "below it compares every sampler on the seeds all have."
        ),
        "",
    ]


def render_results(results: dict[str, Any]) -> str:
    """The section for already loaded ``results`` (the JSON object the benchmark writes)."""
    checkpoints = results.get("checkpoints", [10, 30])
    trials = results.get("n_trials")
    lines = [
        "## Multi-objective and constrained studies",
        "",
        (
            "Generated by `python -m benchmarks.render_multiobjective` from "
            "`benchmarks/results/multiobjective.json`. Tasks: Bayesmark-lite's random forest (10 "
            f"trees, 6 parameters), {trials} trials per run, seeds listed per row. `nsga2` is "
            "Optuna's NSGAIISampler with its default population of 50: within 30 trials it only "
            "samples its random first generation; `nsga2-p10` uses a population of 10. `tpe` and "
            "`gp` are Optuna 5's TPESampler and GPSampler, both multi-objective and "
            "constraint-aware. LLM samplers use the "
            'embedded SmolLM2-135M model (`timeout=120`); "LLM share" is the share of trials '
            "whose parameters came from the LLM. Wall times were measured while other benchmarks "
            "ran on the same 2-core machine."
        ),
        "",
        "Reproduce:",
        "",
        "```bash",
        f"OMP_NUM_THREADS=1 {results.get('command', 'python -m benchmarks.multiobjective')}   # "
        "resumable",
        "python -m benchmarks.render_multiobjective",
        "```",
        "",
    ]
    lines += _uneven_note(results)
    if results.get("multiobjective"):
        lines += [
            "### Two objectives: accuracy vs model size",
            "",
            (
                "Maximise the 5-fold CV accuracy, minimise the number of tree nodes of the "
                "forest. Hypervolume (higher is better) of the front found after k trials, in a "
                "space where the error is divided by the majority-class error and the size is "
                "`log(nodes/10) / log(max nodes/10)`, reference point (1, 1); mean ± standard "
                "error over seeds (the mean alone for one seed)."
            ),
            "",
        ]
        lines += _front_table(results, checkpoints, None)
        common = _common_seeds(results, "multiobjective")
        if common:
            lines += _paired_note(common) + _front_table(results, checkpoints, common)
        lines += [""]
    for task in results.get("constrained", {}):
        limit = task.rsplit("nodes", 1)[-1]
        lines += [
            f"### Constrained: {task}",
            "",
            (
                f"Maximise the 5-fold CV accuracy with at most {limit} tree nodes in the forest, "
                "reported with `trial.set_constraint` and written for the LLM in "
                '`study.user_attrs["constraints"]`. '
                "Feasible share: feasible trials among the first k. Best feasible: the best "
                "accuracy of a feasible trial among the first k, over the runs that found one "
                "(their count in brackets)."
            ),
            "",
        ]
        lines += _feasibility_table(results, task, checkpoints, None)
        common = _common_seeds(results, "constrained")
        if common:
            lines += _paired_note(common) + _feasibility_table(results, task, checkpoints, common)
        lines += [""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the section (``python -m benchmarks.render_multiobjective [results.json]``)."""
    arguments = sys.argv[1:] if argv is None else argv
    section = multiobjective_section(Path(arguments[0]) if arguments else DEFAULT_RESULTS)
    print(section or "No results yet: run `python -m benchmarks.multiobjective` first.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
