"""The skill ladder's section of ``docs/benchmarks.md`` and the README's table of it, from
``results/advisors.json``.

``python -m benchmarks.advisors`` writes the figures; ``python -m benchmarks.report`` puts this
section in the page (after the knowledge benchmark's); ``python -m benchmarks.render_readme``
prints the README's table (:func:`readme_ladder_table`), which ``tests/test_docs_figures.py``
compares with the README.

Example:
    >>> advisors_section({"advisors": {}, "rows": {}})
    ''
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
import json
from pathlib import Path
from typing import Any

from benchmarks._paths import RESULTS_DIR
from benchmarks.core.metrics import paired_cell
from benchmarks.core.samplers import library_default_strategy
from benchmarks.core.samplers import sampler_strategy
from benchmarks.experiments.advisors import CONTROL_ROW
from benchmarks.experiments.advisors import DEFAULT_ROW
from benchmarks.experiments.advisors import format_table
from benchmarks.experiments.advisors import IN_PROCESS_LLM_TRIALS
from benchmarks.experiments.advisors import PREVIOUS_DEFAULT
from benchmarks.experiments.advisors import previous_default_row
from benchmarks.experiments.advisors import SERVED
from benchmarks.experiments.advisors import SERVED_LLM_TRIALS
from benchmarks.experiments.advisors import served_row
from benchmarks.experiments.advisors import STRATEGIES
from benchmarks.experiments.advisors import twin_row


ADVISORS_RESULTS = RESULTS_DIR / "advisors.json"
FIGURE = "advisors/skill_ladder.png"  # relative to docs/
ADVISOR_MEANINGS = {
    "oracle-top1": (
        "each configuration drawn from the best 1 % of the task's 500 reference configurations"
    ),
    "oracle-top10": "… from the best 10 %",
    "oracle-top30": "… from the best 30 %",
    "local-step": (
        "a Gaussian step (0.1 of each range) around the best trial the prompt shows; uniform "
        "when none"
    ),
    "useless": "uniform random valid configurations (the control)",
    "smollm2-135m": "the embedded SmolLM2-135M",
    "qwen2.5-coder-1.5b": "the embedded Qwen2.5-Coder-1.5B (the default model)",
}


#: Runs a strategy's row needs to count as "the best strategy" of a rung (issue 28: other
#: strategies on at least 40 runs), and to be shown in the README's table.
MIN_STRATEGY_RUNS = 40
#: The checkpoints of the section's paired tables.
PAGE_CHECKPOINTS = ("10", "20", "30")
#: Their header cells.
PAGE_HEADER = " | ".join(f"Δr@{c}" for c in PAGE_CHECKPOINTS)
#: A paired cell of the examples below: mean, SE, share losing by more than 0.1, p90.
_EXAMPLE_CELL = {"mean": 0.01, "se": 0.02, "losing_share": 0.0, "p90": 0.05}
#: The README's words for each advisor, in the order of the table.
README_ADVISORS = {
    "oracle-top1": "stand-in: the best 1 %",
    "oracle-top10": "stand-in: the best 10 %",
    "oracle-top30": "stand-in: the best 30 %",
    "qwen2.5-coder-1.5b": "Qwen2.5-Coder-1.5B",
    "useless": "stand-in: random answers",
    "local-step": "stand-in: a step from the best",
    "smollm2-135m": "SmolLM2-135M",
}
#: The strategies the README's table shows beside the default (the others: docs/benchmarks.md).
README_OTHER_STRATEGIES = ("prior",)


def readme_strategies(results: dict[str, Any]) -> list[tuple[str, str]]:
    """The README's columns, ``(row template, header)`` (``{}``: the advisor): the default with
    the in-process budget, then with the served budget, then the strategies of
    :data:`README_OTHER_STRATEGIES` whose rows exist, in the order of :data:`STRATEGIES`.

    Example:
        >>> readme_strategies({"default_strategy": "llm-trust", "rows": {"prior@useless": {}}})
        ... # doctest: +NORMALIZE_WHITESPACE
        [('default@{}', '`"trust"` (default), 3 LLM trials'),
         ('default@{}[served]', '`"trust"`, served: 10'), ('prior@{}', '`"prior"`')]
    """
    default = sampler_strategy(str(results.get("default_strategy") or library_default_strategy()))
    strategies = {row.partition("@")[0] for row in results["rows"]}
    return [
        (f"{DEFAULT_ROW}@{{}}", f'`"{default}"` (default), {IN_PROCESS_LLM_TRIALS} LLM trials'),
        (f"{DEFAULT_ROW}@{{}}{SERVED}", f'`"{default}"`, served: {SERVED_LLM_TRIALS}'),
    ] + [
        (f"{strategy}@{{}}", f'`"{strategy}"`')
        for strategy in STRATEGIES
        if strategy in strategies and strategy != default and strategy in README_OTHER_STRATEGIES
    ]


def readme_ladder_table(results: dict[str, Any]) -> str:
    """The README's table: for each advisor (its skill, the probe's trial-1 regret), each
    column's regret at 10 / 30 trials; a row with fewer than 80 runs says how many, one with
    fewer than :data:`MIN_STRATEGY_RUNS` (or not archived yet) is ``–``. No cell is marked best:
    within a row most differences are within noise (the paired figures are on
    docs/benchmarks.md).

    Example:
        >>> row = {"runs": 80, "regret": {"10": 0.2, "30": 0.1}}
        >>> table = readme_ladder_table({"advisors": {"useless": {"skill": 0.77}},
        ...                              "rows": {"default@useless": row, "prior@useless": row}})
        >>> table.splitlines()[-1]
        '| stand-in: random answers | 0.77 | 0.200 / 0.100 | – | 0.200 / 0.100 |'
    """
    rows, advisors = results["rows"], results["advisors"]
    columns = readme_strategies(results)
    header = "| advice | skill | " + " | ".join(title for _, title in columns)
    lines = [header + " |", "|---|---|" + "---|" * len(columns)]
    for advisor, words in README_ADVISORS.items():
        if advisor not in advisors:
            continue
        shown = {
            template: rows[template.format(advisor)]
            for template, _ in columns
            if rows.get(template.format(advisor), {}).get("runs", 0) >= MIN_STRATEGY_RUNS
        }
        if not shown:
            continue
        cells = []
        for template, _ in columns:
            entry = shown.get(template)
            if entry is None:
                cells.append("–")
                continue
            text = f"{entry['regret']['10']:.3f} / {entry['regret']['30']:.3f}"
            cells.append(text + (f" ({entry['runs']} runs)" if entry["runs"] < 80 else ""))
        lines.append(f"| {words} | {advisors[advisor]['skill']:.2f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def acceptance_lines(results: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """``(line of issue 28, what was measured, met)`` for the lines these rows can check
    (``None``: a row it needs is missing)."""
    rows = results["rows"]

    def regret(row: str, checkpoint: str) -> float | None:
        return rows[row]["regret"][checkpoint] if rows.get(row, {}).get("runs") else None

    def paired(row: str, base: str, checkpoint: str) -> dict[str, float] | None:
        return rows.get(row, {}).get("paired", {}).get(base, {}).get(checkpoint)

    lines: list[tuple[str, str, bool | None]] = []
    startup = regret("gp-startup5", "10")
    # The lines are the default's; the same lines for the prior strategy (the default until
    # 2026-12) follow when its rows exist.
    for strategy in (DEFAULT_ROW, "prior"):
        for advisor, factor in (("oracle-top10", 0.6), ("oracle-top1", 0.35)):
            row = f"{strategy}@{advisor}"
            mine = regret(row, "10")
            if mine is None or startup is None:
                if strategy == DEFAULT_ROW:
                    lines.append((f"`{row}` r@10 ≤ {factor} × `gp-startup5`", "row missing", None))
                continue
            lines.append(
                (
                    f"`{row}` r@10 ≤ {factor} × `gp-startup5`'s ({factor * startup:.3f})",
                    f"{mine:.3f} ({mine / startup:.2f} ×; {rows[row]['runs']} runs)",
                    mine <= factor * startup,
                )
            )
    # The control with each budget (the in-process one: once its runs are archived).
    for control in (CONTROL_ROW, CONTROL_ROW + SERVED):
        cell = paired(control, "gp", "30")
        if cell is not None:
            lines.append(
                (
                    f"`{control}` r@30 no worse than GP's beyond one SE",
                    f"paired Δr@30 {paired_cell(cell)}",
                    cell["mean"] <= cell["se"],
                )
            )
    cell = paired("default@qwen2.5-coder-1.5b", "gp-startup5", "10")
    if cell is not None:
        lines.append(
            (
                "`default@qwen2.5-coder-1.5b` Δr@10 vs `gp-startup5` below 0 by more than 2 SE",
                paired_cell(cell),
                cell["mean"] < -2 * cell["se"],
            )
        )
    for control in (CONTROL_ROW, CONTROL_ROW + SERVED):
        cell = paired("default@qwen2.5-coder-1.5b", control, "30")
        if cell is not None:
            lines.append(
                (
                    f"`default@qwen2.5-coder-1.5b` Δr@30 vs `{control}` ≤ 0",
                    paired_cell(cell),
                    cell["mean"] <= 0,
                )
            )
    for advisor in results["advisors"]:
        strategies = {
            row.split("@")[0]: entry
            for row, entry in rows.items()
            if row.endswith(f"@{advisor}")  # the in-process budget, not a [served] row
            and twin_row(row) is None  # another way of asking, not another strategy
            and entry["runs"] >= MIN_STRATEGY_RUNS
        }
        if DEFAULT_ROW not in strategies or len(strategies) < 2:
            continue
        for checkpoint in ("10", "30"):
            best = min(strategies, key=lambda s: strategies[s]["regret"][checkpoint])
            mine = strategies[DEFAULT_ROW]
            gap = mine["regret"][checkpoint] - strategies[best]["regret"][checkpoint]
            lines.append(
                (
                    f"`default@{advisor}` within one SE of the best strategy at r@{checkpoint}",
                    f"best `{best}`, gap {gap:+.3f} (default's SE "
                    f"{mine['regret_se'][checkpoint]:.3f})",
                    gap <= mine["regret_se"][checkpoint],
                )
            )
    return lines


def _paired_lines(
    results: dict[str, Any], against: Callable[[str], str | None]
) -> Iterator[tuple[str, str, str]]:
    """``(row, base, "runs | Δr@10 | Δr@20 | Δr@30")`` for each row that ``against`` pairs with
    a base whose paired figures ``advisors.json`` holds (each cell as
    :func:`~benchmarks.core.metrics.paired_cell` writes it)."""
    for row, entry in results["rows"].items():
        base = against(row)
        cell = entry.get("paired", {}).get(base) if base is not None else None
        if base is None or cell is None:
            continue
        yield (
            row,
            base,
            f"{cell['runs']} | " + " | ".join(paired_cell(cell[c]) for c in PAGE_CHECKPOINTS),
        )


def versus_previous_default(results: dict[str, Any]) -> list[str]:
    """The table of each default row paired against the previous default on its advisor.

    Example:
        >>> paired = {c: _EXAMPLE_CELL for c in PAGE_CHECKPOINTS}
        >>> row = {"paired": {"prior@useless": {**paired, "runs": 80}}}
        >>> versus_previous_default({"rows": {"default@useless": row}})[-1].split(" | ")[:3]
        ['| `useless`', '80', '+0.010 ± 0.020 (0%, +0.05)']
    """
    lines = [f"| advice | runs | {PAGE_HEADER} |", "|---|---|---|---|---|"]
    for row, _, cells in _paired_lines(results, previous_default_row):
        lines.append(f"| `{row.partition('@')[2]}` | {cells} |")
    return lines


def versus_twin(results: dict[str, Any]) -> list[str]:
    """The table of each other way of asking paired against the same strategy asked the default
    way, on the same advisor (:func:`~benchmarks.experiments.advisors.twin_row`).

    Example:
        >>> paired = {c: _EXAMPLE_CELL for c in PAGE_CHECKPOINTS}
        >>> row = {"paired": {"prior@useless": {**paired, "runs": 80}}}
        >>> versus_twin({"rows": {"prior~x@useless": row}})[-1].split(" | ")[:4]
        ['| `prior~x@useless`', '`prior@useless`', '80', '+0.010 ± 0.020 (0%, +0.05)']
    """
    lines = [f"| row | against | runs | {PAGE_HEADER} |", "|---|---|---|---|---|---|"]
    for row, twin, cells in _paired_lines(results, twin_row):
        lines.append(f"| `{row}` | `{twin}` | {cells} |")
    return lines


def versus_served(results: dict[str, Any]) -> list[str]:
    """The table of each in-process default row on a stand-in paired against the same row with
    the served budget (:func:`~benchmarks.experiments.advisors.served_row`).

    Example:
        >>> paired = {c: _EXAMPLE_CELL for c in PAGE_CHECKPOINTS}
        >>> row = {"paired": {"default@useless[served]": {**paired, "runs": 80}}}
        >>> versus_served({"rows": {"default@useless": row}})[-1].split(" | ")[:3]
        ['| `useless`', '80', '+0.010 ± 0.020 (0%, +0.05)']
    """
    lines = [f"| advice | runs | {PAGE_HEADER} |", "|---|---|---|---|---|"]
    for row, _, cells in _paired_lines(results, served_row):
        lines.append(f"| `{row.partition('@')[2]}` | {cells} |")
    return lines


#: The hand-written reading placed after the section's tables.
ADVISORS_READING = RESULTS_DIR / "advisors_reading.md"


def advisors_section(results: dict[str, Any]) -> str:
    """The section's Markdown ('' when there are no rows), the hand-written reading of
    :data:`ADVISORS_READING` at its end."""

    if not results.get("rows"):
        return ""
    skills = [
        "| advisor | what it answers | skill: trial-1 regret in the probe | probe runs |",
        "|---|---|---|---|",
    ]
    for name, entry in results["advisors"].items():
        skills.append(
            f"| `{name}` | {ADVISOR_MEANINGS.get(name, '')} | {entry['skill']:.3f} ± "
            f"{entry['skill_se']:.3f} | {entry['runs']} |"
        )
    checks = ["| line | measured | met |", "|---|---|---|"]
    for line, measured, met in acceptance_lines(results):
        checks.append(
            f"| {line} | {measured} | {'–' if met is None else 'yes' if met else '**no**'} |"
        )
    return "\n".join(
        [
            "## The skill ladder: advisors of known skill (issue 28)",
            "",
            "How much of an advisor's skill does each strategy turn into lower regret? Besides "
            "the two embedded models, stand-in advisors of known skill answer on loopback "
            "(`benchmarks/core/advisor_responder.py`; rows `STRATEGY@ADVISOR`, `default` = "
            f"`{results.get('default_strategy') or library_default_strategy()}`, the library's "
            "default, and "
            "the other strategies by name). An advisor's skill is measured as for the real "
            "models: the warm-start probe's trial-1 regret (0 = best known, 1 = median random "
            "configuration). Paired differences are by task × seed (negative = the row is "
            "better): mean ± SE, then (the share of pairs that lose by more than 0.1, the 90th "
            "percentile of the differences).",
            "",
            "**Budgets.** The default strategy asks the LLM for at most "
            f"{IN_PROCESS_LLM_TRIALS} trials after the warm start when the model runs in-process "
            f"and {SERVED_LLM_TRIALS} when it is served (column *LLM trials*). The stand-ins are "
            "served, so every `default@ADVISOR` row runs with the in-process budget of the "
            "embedded models, one budget on every rung, and `default@ADVISOR[served]` keeps the "
            "served budget beside it; the control (`default@useless`) is compared on the row's "
            "budget. A row whose runs are not archived yet shows 0 runs.",
            "",
            f"Command: `{results.get('command', 'python -m benchmarks.advisors')}`",
            "",
            "\n".join(skills),
            "",
            format_table(results),
            "",
            "The default against the strategy it replaced on the same advice "
            f"(`default@ADVISOR` − `{PREVIOUS_DEFAULT}@ADVISOR`, paired by task × seed):",
            "",
            "\n".join(versus_previous_default(results)),
            "",
            "The in-process budget against the served one on the same stand-in "
            f"(`default@ADVISOR` − `default@ADVISOR{SERVED}`, paired by task × seed):",
            "",
            "\n".join(versus_served(results)),
            "",
            "Other ways of asking against the same strategy asked the default way, on the same "
            "advice (paired by task × seed):",
            "",
            "\n".join(versus_twin(results)),
            "",
            f"![the skill ladder]({FIGURE})",
            "",
            "Acceptance lines of issue 28 that these rows check:",
            "",
            "\n".join(checks),
            *(["", ADVISORS_READING.read_text().strip()] if ADVISORS_READING.exists() else []),
        ]
    )


def load_advisors_section(path: Path = ADVISORS_RESULTS) -> str:
    """The section from ``path``, or '' when the file does not exist."""

    if not path.exists():
        return ""
    return advisors_section(json.loads(path.read_text()))
