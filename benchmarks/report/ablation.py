"""Where the LLM machinery costs when the advice is poor: one mechanism at a time, paired.

Issue 42's ablation. On a suite, each row adds one mechanism of the default strategy to the
one before it, and is paired with ``gp-startup5`` (the same GP with 5 random start-up trials and
no LLM) by task and seed, at 5, 10, 20 and 30 trials:

==========================================  ====================================================
``llm-prior<A>[beta=0]``                    the warm-start trial in place of a random start-up
                                            trial (no prior)
``llm-prior<A>``                            + the prior's weight
``llm-prior<A>[first=on]``                  + the prior checked by the advice's rank first
``llm-trust<A>[reask=0,reward=off]``        trust as in 0.1: asked again inside the start-up
                                            design
``llm-trust<A>[reward=off]``                + no question before the start-up design ends
``llm-trust<A>``                            + a new best earns the LLM a trial: the default
``llm-trust<A>[first=on]``                  + the prior checked by the advice's rank first
==========================================  ====================================================

``<A>`` is the advice: ``+useless`` (random answers), or nothing (the default embedded model,
Qwen2.5-Coder-1.5B). Beside each paired mean: its standard error, the share of pairs that lose by
more than :data:`LOSS_MARGIN` and the 90th percentile of the differences (a user meets the worst
tasks, not the mean).

Example::

    python -m benchmarks.report.ablation   # benchmarks/results/ablation.json, the page
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from collections.abc import Sequence
import json
from pathlib import Path
import sys
from typing import Any

from benchmarks._paths import DEFAULT_ARCHIVE_DIR
from benchmarks._paths import REPO_ROOT
from benchmarks.core.archive import archived_run_records
from benchmarks.core.archive import cached_run_records
from benchmarks.core.metrics import CHECKPOINTS
from benchmarks.core.metrics import paired_cell
from benchmarks.core.metrics import paired_summary
from benchmarks.tasks.registry import resolve_task_names


#: The baseline every row is paired with.
BASELINE = "gp-startup5"
#: The mechanisms, one added per row: (row label, sampler name with ``{advice}`` for the suffix).
MECHANISMS: tuple[tuple[str, str], ...] = (
    ("warm-start trial only (no prior)", "llm-prior{advice}[beta=0]"),
    ("+ prior weight", "llm-prior{advice}"),
    ("+ prior checked by the advice's rank", "llm-prior{advice}[first=on]"),
    ("trust as in 0.1 (asks inside the start-up)", "llm-trust{advice}[reask=0,reward=off]"),
    ("trust, no question before the start-up ends", "llm-trust{advice}[reward=off]"),
    ("+ a new best earns a trial: the default", "llm-trust{advice}"),
    ("+ prior checked by the advice's rank", "llm-trust{advice}[first=on]"),
)
ADVICE_SUFFIX = {"useless": "+useless", "qwen": ""}
#: Good advice under one budget (issue 42, item 4): the stand-ins of the skill ladder asked with
#: the served budget (10 more LLM trials) and with the in-process budget of the embedded models
#: (3), under trust as in 0.1 and under the default.
BUDGET_ROWS: tuple[tuple[str, str], ...] = tuple(
    (f"{advisor}, {label}", sampler.format(advisor=advisor))
    for advisor in ("oracle-top1", "oracle-top10", "oracle-top30", "local-step", "useless")
    for label, sampler in (
        ("served budget (10), trust as in 0.1", "llm-trust+{advisor}[reask=0,reward=off]"),
        (
            "in-process budget (3), trust as in 0.1",
            "llm-trust+{advisor}[llm_trials=3,reask=0,reward=off]",
        ),
        ("in-process budget (3), the default", "llm-trust+{advisor}[llm_trials=3]"),
        (
            "in-process budget (3), + prior checked by rank",
            "llm-trust+{advisor}[llm_trials=3,first=on]",
        ),
    )
)
RESULTS_PATH = REPO_ROOT / "benchmarks" / "results" / "ablation.json"
#: The archives the rows come from: the published runs, the skill ladder's, and the runs of the
#: designs issue 42 measures (kept apart, so that the suites' main tables do not pool them).
ARCHIVES = (
    DEFAULT_ARCHIVE_DIR,
    REPO_ROOT / "benchmarks" / "results" / "advisors_archive",
    REPO_ROOT / "benchmarks" / "results" / "design_archive",
)
PAGE_PATH = REPO_ROOT / "docs" / "benchmarks_ablation.md"
SUITE_TITLES = {"nn": "Neural-network suite", "bayesmark": "Bayesmark-lite"}
ADVICE_TITLES = {
    "useless": "random answers (the useless control)",
    "qwen": "Qwen2.5-Coder-1.5B (the default embedded model)",
}


def archived_records(archive_dirs: Iterable[Path] = ARCHIVES) -> list[dict[str, Any]]:
    """Every run record of the archives."""
    return [record for archive in archive_dirs for record in archived_run_records(Path(archive))]


def regret_by_run(
    records: Iterable[dict[str, Any]], tasks: Sequence[str], n_trials: int = 30
) -> dict[str, dict[tuple[str, int], list[float]]]:
    """``{sampler: {(task, seed): regret curve}}`` of the runs on ``tasks`` (later records of
    the same run win)."""
    wanted = set(tasks)
    runs: dict[str, dict[tuple[str, int], list[float]]] = {}
    for record in records:
        if record["task"] in wanted and int(record["n_trials"]) == n_trials:
            key = (str(record["task"]), int(record["seed"]))
            runs.setdefault(str(record["sampler"]), {})[key] = list(record["regret"])
    return runs


def ablation_rows(
    runs: dict[str, dict[tuple[str, int], list[float]]], advice: str
) -> list[dict[str, Any]]:
    """One row per mechanism whose runs exist: the paired summary against :data:`BASELINE` at
    each checkpoint, over the (task, seed) pairs both have."""
    named = [
        (label, pattern.format(advice=ADVICE_SUFFIX[advice])) for label, pattern in MECHANISMS
    ]
    return paired_rows(runs, named)


def paired_rows(
    runs: dict[str, dict[tuple[str, int], list[float]]], named: Sequence[tuple[str, str]]
) -> list[dict[str, Any]]:
    """The rows of ``named`` (label, sampler) whose runs exist, paired with :data:`BASELINE`."""
    baseline = runs.get(BASELINE, {})
    rows = []
    for label, sampler in named:
        mine = runs.get(sampler, {})
        pairs = sorted(set(mine) & set(baseline))
        if not pairs:
            continue
        rows.append(
            {
                "mechanism": label,
                "sampler": sampler,
                "runs": len(pairs),
                "paired": {
                    str(k): paired_summary(mine[p][k - 1] - baseline[p][k - 1] for p in pairs)
                    for k in CHECKPOINTS
                },
            }
        )
    return rows


def render_table(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The markdown table of :func:`ablation_rows`: mean ± SE, then (share losing by more than
    0.1, 90th percentile)."""
    head = "| mechanism (sampler) | runs | " + " | ".join(f"Δ r@{k}" for k in CHECKPOINTS) + " |"
    lines = [head, "|---|---|" + "---|" * len(CHECKPOINTS)]
    for row in rows:
        cells = []
        for k in CHECKPOINTS:
            cells.append(paired_cell(row["paired"][str(k)]))
        lines.append(
            f"| {row['mechanism']} (`{row['sampler']}`) | {row['runs']} | "
            + " | ".join(cells)
            + " |"
        )
    return lines


def render_page(result: dict[str, Any]) -> str:
    """The page ``docs/benchmarks_ablation.md``: one table per suite and advice."""
    lines = [
        "# Where the LLM's machinery costs when its advice is poor (issue 42)",
        "",
        "<!-- generated by python -m benchmarks.report.ablation: do not edit -->",
        "",
        "Each row adds one mechanism of the default strategy to the row above and is paired "
        f"with `{BASELINE}` (the same GP with 5 random start-up trials, no LLM) by task and seed. "
        "Cells: the paired difference in regret (negative: the row is ahead) with its standard "
        "error, then (the share of pairs that lose by more than 0.1, the 90th percentile of the "
        "differences). Rows whose runs are not all archived yet say how many pairs they have; "
        "a difference under 2 SE is within noise.",
    ]
    for suite, by_advice in result["suites"].items():
        for advice, rows in by_advice.items():
            lines += [
                "",
                f"## {SUITE_TITLES.get(suite, suite)}, advice: {ADVICE_TITLES[advice]}",
                "",
            ]
            lines += render_table(rows) if rows else ["No runs archived yet."]
    if result.get("budget"):
        lines += [
            "",
            "## Good advice under one budget (Bayesmark-lite, stand-in advisors)",
            "",
            "The stand-ins are served, so the skill ladder asked them with the served budget "
            "(up to 10 LLM trials after the warm start); an embedded model gets 3. Same pairing. "
            "Rows with fewer than 80 runs are not complete yet.",
            "",
        ]
        lines += render_table(result["budget"])
    return "\n".join(lines) + "\n"


def build(
    suites: Sequence[str], advices: Sequence[str], records: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """The results: ``{"baseline", "checkpoints", "suites": {suite: {advice: rows}}}``."""
    result: dict[str, Any] = {
        "baseline": BASELINE,
        "checkpoints": list(CHECKPOINTS),
        "suites": {},
    }
    for suite in suites:
        runs = regret_by_run(records, resolve_task_names([suite]))
        result["suites"][suite] = {advice: ablation_rows(runs, advice) for advice in advices}
        if suite == "bayesmark":
            result["budget"] = paired_rows(runs, BUDGET_ROWS)
    return result


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.report.ablation``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report.ablation")
    parser.add_argument("--suite", nargs="+", default=["nn", "bayesmark"])
    parser.add_argument("--advice", nargs="+", default=list(ADVICE_SUFFIX))
    parser.add_argument("--archive-dir", nargs="+", type=Path, default=list(ARCHIVES))
    parser.add_argument("--cache-dir", type=Path, help="also read the runs cached here")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH)
    parser.add_argument("--page", type=Path, default=PAGE_PATH)
    args = parser.parse_args(argv)
    records = archived_records(args.archive_dir)
    if args.cache_dir is not None:
        records.extend(cached_run_records(args.cache_dir))
    result = build(args.suite, args.advice, records)
    args.output.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    args.page.write_text(render_page(result), encoding="utf-8")
    for suite, by_advice in result["suites"].items():
        for advice, rows in by_advice.items():
            print(f"\n{suite}, advice {advice}, paired with {BASELINE}:", file=sys.stderr)
            print("\n".join(render_table(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
