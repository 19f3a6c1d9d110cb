"""The knowledge benchmark's section of ``docs/benchmarks.md``, from ``results/knowledge.json``.

``python -m benchmarks.knowledge`` writes the figures; ``python -m benchmarks.report`` puts this
section in the page, with the hand-written reading of ``results/knowledge_reading.md`` after it.

Example:
    >>> knowledge_section({"conditions": {}, "paired": {}})
    ''
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks._paths import RESULTS_DIR
from benchmarks.core.metrics import paired_cell


KNOWLEDGE_RESULTS = RESULTS_DIR / "knowledge.json"
KNOWLEDGE_READING = RESULTS_DIR / "knowledge_reading.md"

CONDITION_MEANINGS = {
    "precise": "hint with good values of the 2 most influential parameters",
    "vague": "the same knowledge in words only",
    "misleading": "hint with values from the worst tenth",
    "none": "no hint",
    "precise-top1": "hint with good values of the same 2 parameters from the best 1 %",
    "gp": "GPSampler, no hint",
    "tpe": "TPESampler, no hint",
    "gp+enqueue": "GPSampler, precise values enqueued as trial 0",
    "tpe+enqueue": "TPESampler, precise values enqueued as trial 0",
}
#: What an option of the prior strategy in a condition's name changes.
OPTION_MEANINGS = {
    "stated=off": "the prior ignores the stated values",
    "design=prior": "start-up trials drawn from the prior",
    "strategy=trust": "the trust strategy (the default since 2026-12-03)",
}
#: The issue's acceptance: (label, comparison, checkpoint, how it is judged).
CHECKS = (
    ("precise vs none: r@10 at least 40 % lower", "precise - none", "10", "ratio"),
    (
        "precise-top1 vs none: r@10 at least 40 % lower (issue 28)",
        "precise-top1 - none",
        "10",
        "ratio",
    ),
    (
        "precise-top1 vs none under trust, the default: r@10 at least 40 % lower (issue 28)",
        "precise-top1[strategy=trust] - none[strategy=trust]",
        "10",
        "ratio",
    ),
    (
        "precise ahead of GP with the enqueued hint at 10 trials, beyond one SE",
        "precise - gp+enqueue",
        "10",
        "below",
    ),
    ("vague lower than none at r@10, beyond one SE", "vague - none", "10", "below"),
    (
        "misleading no worse than plain GP at r@30 beyond one SE",
        "misleading - gp",
        "30",
        "not_above",
    ),
)


def _cell(mean: float, se: float, signed: bool = False) -> str:
    return f"{mean:+.3f} ± {se:.3f}" if signed else f"{mean:.3f} ± {se:.3f}"


def acceptance_rows(summary: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """``(check, measured, holds)`` for each acceptance line the data cover."""
    rows = []
    conditions, paired = summary.get("conditions", {}), summary.get("paired", {})
    for label, comparison, checkpoint, judged in CHECKS:
        entry = paired.get(comparison)
        if entry is None or checkpoint not in entry["difference"]:
            continue
        mean, se = entry["difference"][checkpoint], entry["difference_se"][checkpoint]
        measured = f"{_cell(mean, se, signed=True)} ({entry['runs']} pairs)"
        if judged == "ratio":
            condition, against = comparison.split(" - ")
            base = conditions[against]["regret"][checkpoint]
            ratio = conditions[condition]["regret"][checkpoint] / base if base else float("nan")
            measured = (
                f"{conditions[condition]['regret'][checkpoint]:.3f} vs {base:.3f}: {ratio:.2f} ×; "
                f"paired {measured}"
            )
            holds = ratio <= 0.6
        elif judged == "below":
            holds = mean + se < 0
        else:
            holds = mean - se <= 0
        rows.append((label, measured, holds))
    return rows


def condition_meaning(name: str) -> str:
    """What a condition is: ``"precise[design=prior]"`` -> the hint's meaning and the option's.

    Example:
        >>> condition_meaning("none[stated=off]")
        'no hint; the prior ignores the stated values'
    """
    base = name.split("@")[0].split("[")[0]
    options = name.split("@")[0][len(base) :].strip("[]")
    meanings = [CONDITION_MEANINGS.get(base, "")]
    meanings += [OPTION_MEANINGS.get(option, option) for option in options.split(",") if option]
    return "; ".join(m for m in meanings if m)


def _paired_text(entry: dict[str, Any], checkpoint: str) -> str:
    """A paired comparison of ``knowledge.json`` at ``checkpoint``, as
    :func:`~benchmarks.core.metrics.paired_cell` writes it.

    Example:
        >>> entry = {"difference": {"10": -0.1}, "difference_se": {"10": 0.03},
        ...          "losing_share": {"10": 0.05}, "p90": {"10": 0.02}}
        >>> _paired_text(entry, "10")
        '-0.100 ± 0.030 (5%, +0.02)'
    """
    return paired_cell(
        {
            "mean": entry["difference"][checkpoint],
            "se": entry["difference_se"][checkpoint],
            "losing_share": entry["losing_share"][checkpoint],
            "p90": entry["p90"][checkpoint],
        }
    )


def knowledge_section(summary: dict[str, Any]) -> str:
    """The markdown section (empty without any condition)."""
    conditions = summary.get("conditions", {})
    if not conditions:
        return ""
    checkpoints = list(next(iter(conditions.values()))["regret"])
    out = [
        "## What the user knows: hints in `domain_knowledge`",
        "",
        "Each Bayesmark-lite (task, seed) runs the prior strategy (the library's default until "
        "2026-12-03; a condition with `[strategy=trust]` runs trust, today's default) with a hint "
        'in `study.user_attrs["domain_knowledge"]`, made by a documented rule from the task\'s '
        "random reference configurations (`benchmarks/experiments/hints.py`: the two parameters "
        "with the largest η², good values from the best tenth, bad ones from the worst). Stated "
        "values become beliefs of the prior with their width "
        "(`llm_guided_optuna/_proposal/stated_beliefs.py`; docs/01, section 5.5).",
        "",
        f"`{summary.get('command', 'python -m benchmarks.knowledge')}`",
        "",
        *[f"then `{command}`\n" for command in summary.get("updates", [])],
        "| condition | what | strategy | model | runs | "
        + " | ".join(f"r@{c}" for c in checkpoints)
        + " |",
        "|---|---|---|---|---|" + "---|" * len(checkpoints),
    ]
    for name, entry in conditions.items():
        cells = " | ".join(_cell(entry["regret"][c], entry["regret_se"][c]) for c in checkpoints)
        out.append(
            f"| `{name}` | {condition_meaning(name)} | {entry.get('strategy', '—')} | "
            f"{entry.get('model', '—')} | {entry['runs']} | {cells} |"
        )
    paired = summary.get("paired", {})
    if paired:
        out += [
            "",
            "Paired differences (same task and seed; negative = the first is better): mean ± SE, "
            "then (the share of pairs that lose by more than 0.1, the 90th percentile of the "
            "differences):",
            "",
            "| comparison | pairs | " + " | ".join(f"Δr@{c}" for c in checkpoints) + " |",
            "|---|---|" + "---|" * len(checkpoints),
        ]
        for name, entry in paired.items():
            cells = " | ".join(_paired_text(entry, c) for c in checkpoints)
            out.append(f"| {name} | {entry['runs']} | {cells} |")
    rows = acceptance_rows(summary)
    if rows:
        out += ["", "| check | measured | holds |", "|---|---|---|"]
        out += [
            f"| {label} | {measured} | {'yes' if holds else '**no**'} |"
            for label, measured, holds in rows
        ]
    hints = summary.get("hints", {})
    if hints:
        out += [
            "",
            "The hints of three tasks (all are in `benchmarks/results/knowledge.json`):",
            "",
            "| task | precise | precise-top1 | vague | misleading |",
            "|---|---|---|---|---|",
        ]
        for task in list(hints)[:: max(1, len(hints) // 3)][:3]:
            texts = hints[task]
            out.append(
                f"| {task} | {texts.get('precise', '')} | {texts.get('precise-top1', '–')} | "
                f"{texts.get('vague', '')} | {texts.get('misleading', '')} |"
            )
    if KNOWLEDGE_READING.exists():
        out += ["", KNOWLEDGE_READING.read_text().strip()]
    return "\n".join(out)


def load_knowledge_section(path: Path = KNOWLEDGE_RESULTS) -> str:
    """:func:`knowledge_section` of the stored results, or an empty string without them."""

    if not path.exists():
        return ""
    return knowledge_section(json.loads(path.read_text()))
