"""Explain a study: which trials the LLM proposed, why, and how they did.

:func:`explanation_rows` reads the provenance each trial records (``llm_source``,
``llm_reason``, ``llm_rationale``); :func:`format_explanation` renders it as a text table
(``llm-optuna explain``); :func:`plot_history` draws the optimisation history with each
trial marked by its source (``llm``, ``optimizer``, ``fallback``, ...; needs matplotlib).

Example:
    >>> import optuna
    >>> study = optuna.create_study()
    >>> attrs = {"llm_source": "llm", "llm_rationale": "start low"}
    >>> study.add_trial(optuna.trial.create_trial(value=1.0, user_attrs=attrs))
    >>> print(format_explanation(explanation_rows(study)))  # doctest: +NORMALIZE_WHITESPACE
    trial  state     value  source  reason  rationale
    0      COMPLETE  1      llm             start low
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import optuna
from optuna.trial import TrialState

from llm_guided_optuna._attrs import RATIONALE_ATTR
from llm_guided_optuna._attrs import REASON_ATTR
from llm_guided_optuna._attrs import SOURCE_ATTR
from llm_guided_optuna._imports import import_optional
from llm_guided_optuna.exceptions import PlotUnavailableError


MAX_RATIONALE_WIDTH = 70
MATPLOTLIB_MISSING = 'the plot needs matplotlib: pip install "matplotlib>=3.7"'


@dataclass(frozen=True)
class ExplanationRow:
    """One trial, as the explanation shows it."""

    number: int
    state: str
    value: str
    source: str
    reason: str
    rationale: str


def _value_text(trial: optuna.trial.FrozenTrial) -> str:
    if trial.values is None:
        return ""
    return ", ".join(f"{v:.6g}" for v in trial.values)


def explanation_rows(study: optuna.Study) -> list[ExplanationRow]:
    """A row per trial with its value, where its parameters came from, and the LLM's reason."""
    rows = []
    for trial in study.get_trials(deepcopy=False):
        rationale = str(trial.user_attrs.get(RATIONALE_ATTR, ""))
        if len(rationale) > MAX_RATIONALE_WIDTH:
            rationale = rationale[: MAX_RATIONALE_WIDTH - 1] + "…"
        rows.append(
            ExplanationRow(
                number=trial.number,
                state=trial.state.name,
                value=_value_text(trial),
                source=str(trial.user_attrs.get(SOURCE_ATTR, "-")),
                reason=str(trial.user_attrs.get(REASON_ATTR, "")),
                rationale=rationale,
            )
        )
    return rows


def format_explanation(rows: list[ExplanationRow]) -> str:
    """A plain-text table of ``rows``."""
    header = ("trial", "state", "value", "source", "reason", "rationale")
    cells = [header] + [
        (str(r.number), r.state, r.value, r.source, r.reason, r.rationale) for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells
    )


def source_counts(rows: list[ExplanationRow]) -> dict[str, int]:
    """How many trials came from each source."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.source] = counts.get(row.source, 0) + 1
    return counts


#: Marker and colour of each source in the history plot.
SOURCE_MARKERS = {
    "llm": ("o", "tab:orange"),
    "llm+optimizer": ("P", "tab:olive"),
    "llm+fallback": ("D", "tab:red"),
    "optimizer": ("s", "tab:blue"),
    "fallback": ("X", "tab:gray"),
}


def best_so_far(values: Sequence[float], maximize: bool) -> list[float]:
    """The running best of ``values`` (the highest if ``maximize``, else the lowest).

    Example:
        >>> best_so_far([0.5, 0.9, 0.7, 0.95], maximize=True)
        [0.5, 0.9, 0.9, 0.95]
    """
    best: list[float] = []
    for value in values:
        best.append(
            value if not best else (max(best[-1], value) if maximize else min(best[-1], value))
        )
    return best


def plot_history(study: optuna.Study, path: str | Path) -> Path:
    """Save the optimisation history, each trial marked by its source, as an image.

    Raises:
        PlotUnavailableError: matplotlib is not installed (the message says how to install it).
    """
    matplotlib = import_optional("matplotlib", PlotUnavailableError, MATPLOTLIB_MISSING)
    matplotlib.use("Agg")
    plt = import_optional("matplotlib.pyplot", PlotUnavailableError, MATPLOTLIB_MISSING)

    complete = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
    figure, axes = plt.subplots(figsize=(8, 4.5))
    for source, (marker, colour) in SOURCE_MARKERS.items():
        chosen = [t for t in complete if t.user_attrs.get(SOURCE_ATTR) == source]
        if chosen:  # The legend lists only the sources the study has.
            axes.scatter(
                [t.number for t in chosen],
                [t.values[0] for t in chosen],
                marker=marker,
                color=colour,
                label=source,
                zorder=3,
            )
    if complete and len(study.directions) == 1:
        maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE
        best_values = best_so_far([t.values[0] for t in complete], maximize)
        axes.step(
            [t.number for t in complete],
            best_values,
            where="post",
            color="black",
            label="best so far",
        )
    axes.set_xlabel("trial")
    axes.set_ylabel("objective value")
    axes.set_title(f"Optimisation history of {study.study_name}")
    axes.legend()
    figure.tight_layout()
    output = Path(path)
    figure.savefig(output, dpi=100)
    plt.close(figure)
    return output
