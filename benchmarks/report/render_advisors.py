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
from benchmarks.core.samplers import library_default_strategy
from benchmarks.core.samplers import sampler_strategy
from benchmarks.experiments.advisors import DEFAULT_ROW
from benchmarks.experiments.advisors import format_table
from benchmarks.experiments.advisors import PREVIOUS_DEFAULT
from benchmarks.experiments.advisors import previous_default_row
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
    """The README's columns, ``(row strategy, header)``: the default first, then those of
    :data:`README_OTHER_STRATEGIES` whose rows exist, in the order of :data:`STRATEGIES`.

    Example:
        >>> readme_strategies({"default_strategy": "llm-trust", "rows": {"prior@useless": {}}})
        [('default', '`"trust"` (default)'), ('prior', '`"prior"`')]
    """
    default = sampler_strategy(str(results.get("default_strategy") or library_default_strategy()))
    strategies = {row.partition("@")[0] for row in results["rows"]}
    return [(DEFAULT_ROW, f'`"{default}"` (default)')] + [
        (strategy, f'`"{strategy}"`')
        for strategy in STRATEGIES
        if strategy in strategies and strategy != default and strategy in README_OTHER_STRATEGIES
    ]


def readme_ladder_table(results: dict[str, Any]) -> str:
    """The README's table: for each advisor (its skill, the probe's trial-1 regret), each
    strategy's regret at 10 / 30 trials; a row with fewer than 80 runs says how many, one with
    fewer than :data:`MIN_STRATEGY_RUNS` is left out. No cell is marked best: within a row most
    differences are within noise (the paired figures are on docs/benchmarks.md).

    Example:
        >>> row = {"runs": 80, "regret": {"10": 0.2, "30": 0.1}}
        >>> table = readme_ladder_table({"advisors": {"useless": {"skill": 0.77}},
        ...                              "rows": {"default@useless": row, "prior@useless": row}})
        >>> table.splitlines()[-1]
        '| stand-in: random answers | 0.77 | 0.200 / 0.100 | 0.200 / 0.100 |'
    """
    rows, advisors = results["rows"], results["advisors"]
    columns = readme_strategies(results)
    header = "| advice | skill | " + " | ".join(title for _, title in columns)
    lines = [header + " |", "|---|---|" + "---|" * len(columns)]
    for advisor, words in README_ADVISORS.items():
        if advisor not in advisors:
            continue
        shown = {
            strategy: rows[f"{strategy}@{advisor}"]
            for strategy, _ in columns
            if rows.get(f"{strategy}@{advisor}", {}).get("runs", 0) >= MIN_STRATEGY_RUNS
        }
        if not shown:
            continue
        cells = []
        for strategy, _ in columns:
            entry = shown.get(strategy)
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
        return rows[row]["regret"][checkpoint] if row in rows else None

    def paired(row: str, base: str, checkpoint: str) -> list[float] | None:
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
    cell = paired("default@useless", "gp", "30")
    if cell is not None:
        lines.append(
            (
                "`default@useless` r@30 no worse than GP's beyond one SE",
                f"paired Δr@30 {cell[0]:+.3f} ± {cell[1]:.3f}",
                cell[0] <= cell[1],
            )
        )
    cell = paired("default@qwen2.5-coder-1.5b", "gp-startup5", "10")
    if cell is not None:
        lines.append(
            (
                "`default@qwen2.5-coder-1.5b` Δr@10 vs `gp-startup5` below 0 by more than 2 SE",
                f"{cell[0]:+.3f} ± {cell[1]:.3f}",
                cell[0] < -2 * cell[1],
            )
        )
    cell = paired("default@qwen2.5-coder-1.5b", "default@useless", "30")
    if cell is not None:
        lines.append(
            (
                "`default@qwen2.5-coder-1.5b` Δr@30 vs `default@useless` ≤ 0",
                f"{cell[0]:+.3f} ± {cell[1]:.3f}",
                cell[0] <= 0,
            )
        )
    for advisor in results["advisors"]:
        strategies = {
            row.split("@")[0]: entry
            for row, entry in rows.items()
            if row.endswith(f"@{advisor}")
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
    """``(row, base, "runs | Δr@10 | Δr@30")`` for each row that ``against`` pairs with a base
    whose paired figures ``advisors.json`` holds."""
    for row, entry in results["rows"].items():
        base = against(row)
        cell = entry.get("paired", {}).get(base) if base is not None else None
        if base is None or cell is None:
            continue
        yield (
            row,
            base,
            (
                f"{cell['runs']} | {cell['10'][0]:+.3f} ± {cell['10'][1]:.3f} | "
                f"{cell['30'][0]:+.3f} ± {cell['30'][1]:.3f}"
            ),
        )


def versus_previous_default(results: dict[str, Any]) -> list[str]:
    """The table of each default row paired against the previous default on its advisor.

    Example:
        >>> row = {"paired": {"prior@useless": {"10": [0.01, 0.02], "30": [0.0, 0.01],
        ...                                      "runs": 80}}}
        >>> versus_previous_default({"rows": {"default@useless": row}})[-1]
        '| `useless` | 80 | +0.010 ± 0.020 | +0.000 ± 0.010 |'
    """
    lines = ["| advice | runs | Δr@10 | Δr@30 |", "|---|---|---|---|"]
    for row, _, cells in _paired_lines(results, previous_default_row):
        lines.append(f"| `{row.partition('@')[2]}` | {cells} |")
    return lines


def versus_twin(results: dict[str, Any]) -> list[str]:
    """The table of each other way of asking paired against the same strategy asked the default
    way, on the same advisor (:func:`~benchmarks.experiments.advisors.twin_row`).

    Example:
        >>> row = {"paired": {"prior@useless": {"10": [0.01, 0.02], "30": [0.0, 0.01],
        ...                                      "runs": 80}}}
        >>> versus_twin({"rows": {"prior~x@useless": row}})[-1]
        '| `prior~x@useless` | `prior@useless` | 80 | +0.010 ± 0.020 | +0.000 ± 0.010 |'
    """
    lines = ["| row | against | runs | Δr@10 | Δr@30 |", "|---|---|---|---|---|"]
    for row, twin, cells in _paired_lines(results, twin_row):
        lines.append(f"| `{row}` | `{twin}` | {cells} |")
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
            "better).",
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
