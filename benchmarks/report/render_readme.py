"""The README's results at a glance: figure and table from ``results/one_machine.json``.

``python -m benchmarks.render_readme`` writes ``docs/results_at_a_glance.png`` (deterministic:
the same JSON and matplotlib version give the same bytes) and prints the README's results table,
then the README's table of the skill ladder (from ``results/advisors.json``,
:func:`benchmarks.report.render_advisors.readme_ladder_table`); with ``--write`` it puts both
tables in ``README.md`` instead, each below its ``<!-- table: ... -->`` marker.
``tests/test_docs_figures.py`` checks that the README's table is the one this module renders.

Example:
    >>> results = {"samplers": {"gp": {"regret": {"10": 0.3294, "30": 0.1255}}}, "ablations": {},
    ...            "default_strategy": "llm-trust"}
    >>> rows = readme_rows(results)
    >>> rows[0]
    ('Optuna `GPSampler()`', '0.329', '0.126')
    >>> readme_rows(results, with_se=False) == readme_rows(results)
    True
"""

from __future__ import annotations

import json
from pathlib import Path
import sys
from typing import Any

from benchmarks._paths import REPO_ROOT
from benchmarks._paths import RESULTS_DIR
from benchmarks.core.samplers import sampler_strategy
from benchmarks.core.samplers import USELESS_SUFFIX


RESULTS = RESULTS_DIR / "one_machine.json"
FIGURE = REPO_ROOT / "docs" / "results_at_a_glance.png"

#: The prior strategy's row (one LLM call per study), shown beside the default when it is not it.
PRIOR_ROW = "llm-prior"


def readme_row_names(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(label in the README, section of one_machine.json, row)`` in the order the README shows
    them: Optuna's GP, the same GP started after 5 trials, the library's default (named by the
    results' ``default_strategy``), the prior strategy, and the default's random-answer control.

    Example:
        >>> [row for _, _, row in readme_row_names({"default_strategy": "llm-trust"})]
        ['gp', 'gp-startup5', 'llm-trust', 'llm-prior', 'llm-trust+useless']
    """
    default = str(results.get("default_strategy", PRIOR_ROW))
    strategy = sampler_strategy(default)
    rows = [
        ("Optuna `GPSampler()`", "samplers", "gp"),
        ("Optuna `GPSampler(n_startup_trials=5)`", "ablations", "gp-startup5"),
        (
            f'`LLMGuidedSampler()` (the default, `"{strategy}"`, Qwen2.5-Coder-1.5B)',
            "samplers",
            default,
        ),
    ]
    if default != PRIOR_ROW:
        rows.append(('`strategy="prior"` (one LLM call per study)', "samplers", PRIOR_ROW))
    rows.append(
        (
            "the default on a server answering random configurations (control)",
            "samplers",
            default + USELESS_SUFFIX,
        )
    )
    return rows


CHECKPOINTS = ("5", "10", "20", "30")


def load_results(path: Path = RESULTS) -> dict[str, Any]:
    """The one-machine results (``benchmarks/results/one_machine.json``)."""
    return json.loads(path.read_text())


def readme_rows(results: dict[str, Any], *, with_se: bool = False) -> list[tuple[str, str, str]]:
    """``(label, mean regret at 10 trials, at 30)`` of each README row present in ``results``
    (``with_se``: each mean followed by its standard error, ``0.329 ± 0.027``)."""
    rows = []
    for label, section, name in readme_row_names(results):
        row = results.get(section, {}).get(name)
        if row is not None:
            cells = [
                f"{row['regret'][c]:.3f}"
                + (f" ± {row['regret_se'][c]:.3f}" if with_se and "regret_se" in row else "")
                for c in ("10", "30")
            ]
            rows.append((label, cells[0], cells[1]))
    return rows


def readme_table(results: dict[str, Any]) -> str:
    """The README's table, in Markdown: mean regret ± its standard error over the runs."""
    lines = ["| sampler | regret after 10 trials | after 30 |", "|---|---|---|"]
    lines += [
        f"| {label} | {r10} | {r30} |" for label, r10, r30 in readme_rows(results, with_se=True)
    ]
    return "\n".join(lines)


README = REPO_ROOT / "README.md"
#: The markers the README's tables follow, in order.
TABLE_MARKERS = (
    "<!-- table: python -m benchmarks.render_readme -->",
    "<!-- table: python -m benchmarks.render_readme (second table) -->",
)


def replace_tables(text: str, tables: tuple[str, ...]) -> str:
    """``text`` with the Markdown table below each of :data:`TABLE_MARKERS` replaced.

    Example:
        >>> page = TABLE_MARKERS[0] + "\\n| old |\\n|---|\\n\\nprose\\n"
        >>> replace_tables(page, ("| new |\\n|---|",)).splitlines()[1:]
        ['| new |', '|---|', '', 'prose']
    """
    lines = text.split("\n")
    for marker, table in zip(TABLE_MARKERS, tables):
        start = lines.index(marker) + 1
        end = start
        while end < len(lines) and lines[end].startswith("|"):
            end += 1
        lines[start:end] = table.split("\n")
    return "\n".join(lines)


def render_figure(results: dict[str, Any], path: Path = FIGURE) -> Path:
    """Draw mean regret (± one standard error) against trials for the README's rows."""
    # Lazy: matplotlib is heavy; only the figures need it.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 3.6))
    trials = [int(c) for c in CHECKPOINTS]
    styles = ("s--", "D--", "o-", "v-.", "x:")
    for (label, section, name), style in zip(readme_row_names(results), styles):
        row = results[section][name]
        means = [row["regret"][c] for c in CHECKPOINTS]
        errors = [row["regret_se"][c] for c in CHECKPOINTS]
        axes.errorbar(
            trials, means, yerr=errors, fmt=style, capsize=3, label=label.replace("`", "")
        )
    axes.set_xlabel("trials")
    axes.set_ylabel("mean normalised regret (lower is better)")
    axes.set_xticks(trials)
    axes.set_title(
        f"{len(results['tasks'])} scikit-learn tasks x {results['seeds']} seeds, one machine "
        "(bars: ± 1 standard error)",
        fontsize=10,
    )
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=150, metadata={"Software": None})
    plt.close(figure)
    return path


def main(argv: list[str] | None = None) -> int:
    """Write the figure; print the README's two tables, the results at a glance and the skill
    ladder's, or with ``--write`` put them in the README (the figures test compares)."""
    # Lazy: the ladder's renderer reads the advisors' results module.
    from benchmarks.report.render_advisors import ADVISORS_RESULTS
    from benchmarks.report.render_advisors import readme_ladder_table

    arguments = sys.argv[1:] if argv is None else argv
    results = load_results()
    render_figure(results)
    tables = (
        readme_table(results),
        readme_ladder_table(json.loads(ADVISORS_RESULTS.read_text())),
    )
    if "--write" in arguments:
        README.write_text(replace_tables(README.read_text(), tables))
        print(f"Wrote the tables into {README} and {FIGURE}")
    else:
        print(f"{tables[0]}\n\n{tables[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
