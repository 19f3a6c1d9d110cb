"""Report the neural-network suite: ``benchmarks/results/nn_suite.json`` and
``docs/benchmarks_nn.md``.

The JSON has the shape of ``latest.json`` (``samplers``, ``ablations``, ``tasks``, ``seeds``,
``trials``, ``default_strategy``; every LLM row names its ``model``) plus ``paired_differences``:
each LLM row (the default strategy first, its random-answer control ``<default>+useless`` among
them) minus ``gp`` and minus ``gp-startup5`` on the same (task, seed) runs at 5, 10, 20 and 30
trials (``{"mean", "se", "better", "worse", "losing_share", "p90"}``: the share of pairs that
lose by more than 0.1 and the 90th percentile of the differences), and ``long_runs``: the
100-trial rows where they exist, each LLM row minus ``gp`` and ``tpe``.

Example::

    python -m benchmarks.nn_report
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys
from typing import Any

import numpy as np

from benchmarks._paths import DEFAULT_CACHE_DIR
from benchmarks._paths import DEFAULT_REFERENCE_DIR
from benchmarks._paths import REPO_ROOT
from benchmarks.core.archive import add_archive_arguments
from benchmarks.core.archive import restore_from_arguments
from benchmarks.core.metrics import CHECKPOINTS
from benchmarks.core.metrics import paired_cell
from benchmarks.core.metrics import paired_figures
from benchmarks.core.metrics import regret_curve
from benchmarks.core.samplers import is_llm_sampler
from benchmarks.core.samplers import library_default_strategy
from benchmarks.core.samplers import USELESS_SUFFIX
from benchmarks.report import ablation
from benchmarks.report.render import per_task_tables
from benchmarks.report.render import results_tables
from benchmarks.report.report import latest_json
from benchmarks.report.report import models_of
from benchmarks.report.report import summarise_section
from benchmarks.tasks.registry import resolve_task_names


#: The long runs' checkpoints: the suite's, and their end.
LONG_CHECKPOINTS = (*CHECKPOINTS, 100)
AGAINST = ("gp", "gp-startup5")


def paired_differences(
    section: dict[str, Any],
    first: str,
    against: tuple[str, ...] = AGAINST,
    checkpoints: tuple[int, ...] = CHECKPOINTS,
) -> dict[str, Any]:
    """``first`` minus each of ``against`` on their common (task, seed) runs: mean, SE, the
    pairs it wins and loses, the share losing by more than 0.1 and the 90th percentile."""
    out: dict[str, Any] = {}
    runs = section["runs"]
    for baseline in against:
        pairs = [
            (task, seed)
            for (task, sampler, seed) in runs
            if sampler == first and (task, baseline, seed) in runs
        ]
        if not pairs:
            continue
        entry: dict[str, Any] = {"runs": len(pairs)}
        for checkpoint in (c for c in checkpoints if c <= section["trials"]):
            differences = [
                regret_curve(runs[(t, first, s)]["best_so_far"], section["references"][t])[
                    checkpoint - 1
                ]
                - regret_curve(runs[(t, baseline, s)]["best_so_far"], section["references"][t])[
                    checkpoint - 1
                ]
                for t, s in pairs
            ]
            figures = paired_figures(differences)
            entry[str(checkpoint)] = {
                "mean": figures["mean"],
                "se": figures["se"],
                "better": int(np.sum(np.array(differences) < 0)),
                "worse": int(np.sum(np.array(differences) > 0)),
                "losing_share": figures["losing_share"],
                "p90": figures["p90"],
            }
        out[f"{first} - {baseline}"] = entry
    return out


def llm_rows(section: dict[str, Any], default: str) -> list[str]:
    """The section's LLM samplers, the default strategy and its random-answer control first
    when they have runs."""
    names = sorted({sampler for (_, sampler, _) in section["runs"] if is_llm_sampler(sampler)})
    return sorted(names, key=lambda name: (name != default, name != default + USELESS_SUFFIX))


def all_paired_differences(
    section: dict[str, Any],
    default: str,
    against: tuple[str, ...] = AGAINST,
    checkpoints: tuple[int, ...] = CHECKPOINTS,
) -> dict[str, Any]:
    """:func:`paired_differences` of every LLM row of the section."""
    out: dict[str, Any] = {}
    for first in llm_rows(section, default):
        out.update(paired_differences(section, first, against, checkpoints))
    return out


#: What the paired lines of the page hold.
PAIRED_LEGEND = (
    "Paired differences (the row minus the baseline on the same task and seed; negative: the "
    "row is ahead): mean ± SE, then (the share of pairs that lose by more than 0.1, the 90th "
    "percentile of the differences)."
)


def _paired_lines(paired: dict[str, Any]) -> list[str]:
    """One line per paired difference: at each checkpoint its mean ± SE, then (the share of
    pairs losing by more than 0.1, the 90th percentile of the differences)."""
    lines = []
    for name, entry in paired.items():
        cells = ", ".join(f"@{c}: {paired_cell(v)}" for c, v in entry.items() if c != "runs")
        lines.append(f"- `{name}` ({entry['runs']} paired runs): {cells}")
    return lines


def ablation_section() -> list[str]:
    """The suite's ablation tables (:mod:`benchmarks.report.ablation`), from the archives."""
    result = ablation.build(["nn"], list(ablation.ADVICE_SUFFIX), ablation.archived_records())
    lines = [
        "## Where the LLM's machinery costs, one mechanism at a time (issue 42)",
        "",
        "Each row adds one mechanism to the row above and is paired with "
        f"`{ablation.BASELINE}` by task and seed; cells as above (mean ± SE, then the share of "
        "pairs losing by more than 0.1 and the 90th percentile). A row with fewer than 60 runs "
        "is not complete.",
    ]
    for advice, rows in result["suites"]["nn"].items():
        lines += ["", f"### Advice: {ablation.ADVICE_TITLES[advice]}", ""]
        lines += ablation.render_table(rows) if rows else ["No runs archived yet."]
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.nn_report``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.nn_report",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--long-trials", type=int, default=100)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--reference-dir", type=Path, default=DEFAULT_REFERENCE_DIR)
    parser.add_argument(
        "--output-json", type=Path, default=REPO_ROOT / "benchmarks" / "results" / "nn_suite.json"
    )
    parser.add_argument(
        "--output-markdown", type=Path, default=REPO_ROOT / "docs" / "benchmarks_nn.md"
    )
    parser.add_argument("--default-strategy", default=library_default_strategy())
    add_archive_arguments(parser)
    args = parser.parse_args(argv)
    args.no_update_reference, args.min_random_configs = True, 0
    restore_from_arguments(args)
    tasks = resolve_task_names(["nn"])
    section = summarise_section(args, tasks, None, args.seeds)
    if section is None:
        print(
            "No run of the neural-network suite in the cache: nothing to report.", file=sys.stderr
        )
        return 1
    payload = latest_json(
        section["summaries"],
        tasks,
        args.seeds,
        args.trials,
        args.default_strategy,
        section["missing"],
        models_of(section["runs"]),
    )
    payload["paired_differences"] = all_paired_differences(section, args.default_strategy)
    long_section = summarise_section(args, tasks, None, 2, args.long_trials)
    if long_section is not None:
        payload["long_runs"] = latest_json(
            long_section["summaries"],
            tasks,
            2,
            args.long_trials,
            args.default_strategy,
            long_section["missing"],
            models_of(long_section["runs"]),
        )
        long_llm_rows = [name for name in long_section["samplers"] if is_llm_sampler(name)]
        if args.default_strategy not in long_llm_rows:
            # Only other LLM strategies ran this long: say which, never the default's name.
            del payload["long_runs"]["default_strategy"]
            payload["long_runs"]["llm_rows"] = long_llm_rows
        payload["long_runs"]["paired_differences"] = all_paired_differences(
            long_section, args.default_strategy, ("gp", "tpe"), LONG_CHECKPOINTS
        )
    args.output_json.parent.mkdir(parents=True, exist_ok=True)
    args.output_json.write_text(json.dumps(payload, indent=2) + "\n")
    lines = [
        "# Benchmarks: the neural-network suite",
        "",
        "Generated by `python -m benchmarks.nn_report`; do not edit by hand. The tasks, spaces "
        "and regret rule are described in docs/benchmarks.md, section *The second suite*. "
        "Where the LLM's machinery costs, one mechanism at a time, is the last section "
        "(issue 42; both suites: [benchmarks_ablation.md](benchmarks_ablation.md)).",
        "",
        f"## {len(tasks)} tasks × {args.seeds} seeds × {args.trials} trials",
        "",
        results_tables(section),
        "",
    ]
    lines += [PAIRED_LEGEND, ""] + _paired_lines(payload["paired_differences"])
    lines += ["", "### Per task", "", per_task_tables(section), ""]
    if long_section is not None:
        lines += [f"## {args.long_trials} trials, 2 seeds", ""]
        if "llm_rows" in payload["long_runs"]:
            lines += [
                f"The library's default (`{args.default_strategy}`) was not run this long; the "
                f"LLM rows here are {', '.join(f'`{n}`' for n in long_llm_rows)}.",
                "",
            ]
        lines += [results_tables(long_section), ""]
        lines += _paired_lines(payload["long_runs"]["paired_differences"]) + [""]
    lines += ablation_section()
    args.output_markdown.write_text("\n".join(lines) + "\n")
    print(f"Wrote {args.output_json} and {args.output_markdown}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
