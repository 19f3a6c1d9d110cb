"""The skill ladder: how much of an advisor's skill each strategy turns into lower regret (issue
28).

Each rung is an advisor: the stand-ins of known skill (:mod:`benchmarks.core.advisor_responder`:
``oracle-top1``, ``oracle-top10``, ``oracle-top30``, ``local-step``, and the ``useless`` control)
and the two embedded models. An advisor's *skill* is measured exactly as for the real models: the
warm-start probe's trial-1 regret (:mod:`benchmarks.experiments.probe`; the real models' figures
are read from ``benchmarks/results/probe.json``). A row ``STRATEGY@ADVISOR`` is a strategy of the
sampler (``default``: the library's default strategy, and each other strategy of
:data:`STRATEGIES`) on that advisor, over 16
tasks × 5 seeds × 30 trials, paired by (task, seed) against ``gp``, ``gp-startup5`` and
``default@useless``.

One budget on every rung (issue 42): the default strategy gives an LLM run in-process fewer LLM
trials after the warm start than a served one (``Trust.max_llm_trials``'s defaults, read from the
library: :data:`IN_PROCESS_LLM_TRIALS` and :data:`SERVED_LLM_TRIALS`). The stand-ins are served,
so a row ``default@<stand-in>`` runs them with the in-process budget of the embedded models
(sampler ``<default>+<stand-in>[llm_trials=N]``), and ``default@<stand-in>[served]`` keeps the
served budget beside it. Every default row says its ``max_llm_trials``; one whose runs are not
archived yet has ``"runs": 0`` and a ``note``, never another budget's runs.

The advisors' runs are cached in ``benchmarks/.cache/advisors`` and archived in
``benchmarks/results/advisors_archive`` (runs only: an advisor's answer is a function of the
request, so there are no exchanges to keep), the in-process-budget rows in
``benchmarks/results/design_archive``; the baselines and the real models' rows come from the main
archive. The rows are read from the archives (:data:`ARCHIVES`), not from the caches. The
stand-ins' probe runs, from which their skill is measured, are cached in
``benchmarks/.cache/advisors/probe`` and archived in
``benchmarks/results/advisors_archive/probe`` (the probe saves them there itself), so that
``--cached-only`` on a fresh clone gives every advisor's skill. Run the rows with
``python -m benchmarks.run`` (resumable)::

    OMP_NUM_THREADS=1 python -m benchmarks.run --tasks bayesmark --seeds 5 \\
        --samplers llm-trust+oracle-top1 llm-trust+oracle-top10 llm-trust+oracle-top30 \\
        llm-trust+local-step \\
        --cache-dir benchmarks/.cache/advisors --archive-dir benchmarks/results/advisors_archive
    python -m benchmarks.archive save --cache-dir benchmarks/.cache/advisors \\
        --archive-dir benchmarks/results/advisors_archive
    # the in-process budget (the rows' samplers: python -c "from benchmarks.experiments.advisors
    # import *; print(*(sampler_of_row(r) for r in ladder_rows()))"), saved to design_archive
    OMP_NUM_THREADS=1 python -m benchmarks.advisors  # the advisors' probe, the table, the figure

Writes ``benchmarks/results/advisors.json`` (``{"tasks", "seeds", "trials", "default_strategy",
"advisors": {NAME: {"skill", "skill_se"}}, "rows": {ROW: {"sampler", "runs", "model",
"max_llm_trials" (default rows), "regret", "regret_se", "paired": {BASE: {"runs", "5", "10",
"20", "30"}}}}}``, regret keyed by trials ``"5"``, ``"10"``, ``"20"``, ``"30"``, each paired cell
a :func:`~benchmarks.core.metrics.paired_figures`: ``{"mean", "se", "losing_share", "p90"}``) and
``docs/advisors/skill_ladder.png``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys
from typing import Any

import numpy as np

from benchmarks._paths import DEFAULT_ARCHIVE_DIR
from benchmarks._paths import DEFAULT_CACHE_DIR
from benchmarks._paths import DEFAULT_REFERENCE_DIR
from benchmarks._paths import REPO_ROOT
from benchmarks._paths import RESULTS_DIR
from benchmarks.core.archive import archived_run_records
from benchmarks.core.archive import restore
from benchmarks.core.archive import save
from benchmarks.core.metrics import CHECKPOINTS
from benchmarks.core.metrics import mean_and_standard_error
from benchmarks.core.metrics import paired_cell
from benchmarks.core.metrics import paired_figures
from benchmarks.core.metrics import regret_curve
from benchmarks.core.samplers import default_llm_model
from benchmarks.core.samplers import format_options
from benchmarks.core.samplers import library_default_strategy
from benchmarks.core.samplers import split_options
from benchmarks.core.samplers import strategy_sampler
from benchmarks.core.suite import run_all
from benchmarks.experiments.probe import paired_runs
from benchmarks.experiments.probe import PROBE_TRIALS
from benchmarks.experiments.probe import RANDOM_DESIGN
from benchmarks.experiments.probe import summarise_probe
from benchmarks.tasks.reference import load_reference
from benchmarks.tasks.reference import require_reference
from benchmarks.tasks.registry import resolve_task_names
from llm_guided_optuna._sampler.trust import default_max_llm_trials


ADVISORS_CACHE_DIR = DEFAULT_CACHE_DIR / "advisors"
ADVISORS_ARCHIVE_DIR = RESULTS_DIR / "advisors_archive"
#: Where the rows' runs are read, later archives winning for a run in two: the main archive,
#: issue 42's (the in-process budget on the stand-ins) and the advisors'.
ARCHIVES: tuple[Path, ...] = (
    DEFAULT_ARCHIVE_DIR,
    RESULTS_DIR / "design_archive",
    ADVISORS_ARCHIVE_DIR,
)
#: The stand-ins' warm-start probe runs (5 trials each), from which their skill is measured.
PROBE_CACHE_DIR = ADVISORS_CACHE_DIR / "probe"
PROBE_ARCHIVE_DIR = ADVISORS_ARCHIVE_DIR / "probe"
DEFAULT_OUTPUT = RESULTS_DIR / "advisors.json"
PROBE_RESULTS = RESULTS_DIR / "probe.json"
DEFAULT_FIGURE = REPO_ROOT / "docs" / "advisors" / "skill_ladder.png"
STAND_INS: tuple[str, ...] = (
    "oracle-top1",
    "oracle-top10",
    "oracle-top30",
    "local-step",
    "useless",
)
REAL_MODELS: tuple[str, ...] = ("smollm2-135m", "qwen2.5-coder-1.5b")
LADDER: tuple[str, ...] = STAND_INS + REAL_MODELS
#: Strategy of a row -> the benchmark's sampler name of that strategy.
STRATEGIES: dict[str, str] = {
    strategy: strategy_sampler(strategy) for strategy in ("trust", "prior", "hybrid", "llm")
}
#: The row strategy of the library's default strategy, whichever it is.
DEFAULT_ROW = "default"
#: The strategy the default replaced (2026-12-03): each default row is also paired against it.
PREVIOUS_DEFAULT = "prior"
BASELINES: tuple[str, ...] = ("gp", "gp-startup5")
#: Other ways of asking the small model (issue 28, item 4): ``STRATEGY~DESIGN@ADVISOR`` is the
#: strategy with the warm-start design ``DESIGN`` of :mod:`benchmarks.core.samplers`.
ASKING_ROWS: tuple[str, ...] = ("prior~consensus5@qwen2.5-coder-1.5b",)
#: The suffix of a default row on a stand-in run with the served budget.
SERVED = "[served]"
#: The control: the default strategy on random answers (in-process budget).
CONTROL_ROW = "default@useless"
PAIRED_BASES: tuple[str, ...] = (
    "gp",
    "gp-startup5",
    CONTROL_ROW,
    CONTROL_ROW + SERVED,
    "default@qwen2.5-coder-1.5b",
)
#: LLM trials after the warm start that the default strategy allows an LLM run in-process, and
#: a served one (the library's defaults).
IN_PROCESS_LLM_TRIALS = default_max_llm_trials(in_process=True)
SERVED_LLM_TRIALS = default_max_llm_trials(in_process=False)


def split_row(row: str) -> tuple[str, str, bool]:
    """``(strategy, advisor, served)`` of a row ``STRATEGY@ADVISOR[served]``.

    Example:
        >>> split_row("default@oracle-top10[served]"), split_row("prior@useless")
        (('default', 'oracle-top10', True), ('prior', 'useless', False))
    """
    strategy, _, advisor = row.partition("@")
    return strategy, advisor.removesuffix(SERVED), advisor.endswith(SERVED)


def row_budget(row: str) -> int | None:
    """The ``max_llm_trials`` a default row ran with (``None`` for another strategy's row): the
    served budget for a ``[served]`` row, the in-process budget otherwise.

    Example:
        >>> row_budget("default@oracle-top1"), row_budget("default@oracle-top1[served]")
        (3, 10)
    """
    strategy, _, served = split_row(row)
    if strategy != DEFAULT_ROW:
        return None
    return SERVED_LLM_TRIALS if served else IN_PROCESS_LLM_TRIALS


def served_row(row: str) -> str | None:
    """The served-budget twin of an in-process default row on a stand-in (``None`` otherwise).

    Example:
        >>> served_row("default@oracle-top1"), served_row("default@qwen2.5-coder-1.5b")
        ('default@oracle-top1[served]', None)
    """
    strategy, advisor, served = split_row(row)
    if strategy != DEFAULT_ROW or served or advisor not in STAND_INS:
        return None
    return f"{row}{SERVED}"


def control_row(row: str) -> str:
    """The control a row is compared with in the table: the one with the row's budget.

    Example:
        >>> control_row("default@oracle-top1[served]"), control_row("prior@oracle-top1")
        ('default@useless[served]', 'default@useless')
    """
    return CONTROL_ROW + (SERVED if split_row(row)[2] else "")


def with_llm_trials(name: str, llm_trials: int) -> str:
    """The sampler name ``name`` with the option ``llm_trials`` first among its options.

    Example:
        >>> with_llm_trials("llm-trust+oracle-top1", 3)
        'llm-trust+oracle-top1[llm_trials=3]'
    """
    head, bracket, rest = name.partition("[")
    options, tail = split_options(bracket + rest)
    return head + format_options({"llm_trials": str(llm_trials), **options}) + tail


def row_strategies() -> dict[str, str]:
    """The rows' strategies -> their sampler names: ``default`` (the library's default strategy)
    first, then every other strategy of :data:`STRATEGIES`.

    Example:
        >>> list(row_strategies())
        ['default', 'prior', 'hybrid', 'llm']
    """
    default = library_default_strategy()
    others = {strategy: name for strategy, name in STRATEGIES.items() if name != default}
    return {DEFAULT_ROW: default, **others}


def twin_row(row: str) -> str | None:
    """The row another way of asking is paired with: the same strategy asked the default way,
    on the same advisor (``None`` for a row asked the default way).

    Example:
        >>> twin_row("prior~consensus5@qwen2.5-coder-1.5b"), twin_row("default@useless")
        ('prior@qwen2.5-coder-1.5b', None)
    """
    strategy, _, advisor = row.partition("@")
    plain = strategy.partition("~")[0]
    return None if plain == strategy else f"{plain}@{advisor}"


def previous_default_row(row: str) -> str | None:
    """The row a default row is paired with: the strategy it replaced, on the same advisor
    (``None`` for a row of another strategy).

    Example:
        >>> previous_default_row("default@useless"), previous_default_row("llm@useless")
        ('prior@useless', None)
    """
    strategy, advisor, _ = split_row(row)
    return f"{PREVIOUS_DEFAULT}@{advisor}" if strategy == DEFAULT_ROW else None


def sampler_of_row(row: str) -> str:
    """The benchmark sampler name of ``STRATEGY@ADVISOR`` (or of a baseline row).

    Example:
        >>> sampler_of_row("default@oracle-top10"), sampler_of_row("llm@qwen2.5-coder-1.5b")
        ('llm-trust+oracle-top10[llm_trials=3]', 'llm')
        >>> sampler_of_row("default@oracle-top10[served]")
        'llm-trust+oracle-top10'
        >>> sampler_of_row("prior~consensus5@qwen2.5-coder-1.5b")
        'llm-prior~consensus5'
    """
    if row in BASELINES:
        return row
    strategy, advisor, served = split_row(row)
    strategy, tilde, design = strategy.partition("~")
    base = row_strategies()[strategy] + tilde + design
    if advisor in STAND_INS:
        if strategy == DEFAULT_ROW and not served:
            return with_llm_trials(f"{base}+{advisor}", IN_PROCESS_LLM_TRIALS)
        return f"{base}+{advisor}"

    return base if advisor == default_llm_model() else f"{base}@{advisor}"


def probe_skills(
    seeds: int, tasks: list[str], run_missing: bool, show_progress: bool
) -> dict[str, dict[str, float]]:
    """Each advisor's mean trial-1 regret (and its SE) in the warm-start probe."""

    names = {advisor: f"llm-prior+{advisor}" for advisor in STAND_INS}
    if run_missing:
        run_all(
            tasks,
            [RANDOM_DESIGN] + list(names.values()),
            seeds,
            PROBE_TRIALS,
            PROBE_CACHE_DIR,
            DEFAULT_REFERENCE_DIR,
            show_progress=show_progress,
        )
        save(PROBE_CACHE_DIR, PROBE_ARCHIVE_DIR)
    skills: dict[str, dict[str, float]] = {}
    for advisor, name in names.items():
        pairs = paired_runs(
            PROBE_CACHE_DIR, name, RANDOM_DESIGN, tasks, seeds, DEFAULT_REFERENCE_DIR
        )
        if pairs:
            summary = summarise_probe(pairs, 1)
            skills[advisor] = {
                "skill": summary["trial_1"]["llm"][0],
                "skill_se": summary["trial_1"]["llm"][1],
                "runs": summary["runs"],
            }
    probe = json.loads(PROBE_RESULTS.read_text()) if PROBE_RESULTS.exists() else {"rows": {}}
    for model in REAL_MODELS:
        entry = probe["rows"].get(f"llm-prior@{model}")
        if entry is not None:
            skills[model] = {
                "skill": entry["trial_1"]["llm"][0],
                "skill_se": entry["trial_1"]["llm"][1],
                "runs": entry["runs"],
            }
    return skills


def load_rows(
    rows: list[str],
    tasks: list[str],
    seeds: int,
    trials: int,
    archives: tuple[Path, ...] = ARCHIVES,
) -> tuple[dict[str, dict[tuple[str, int], np.ndarray]], dict[str, str]]:
    """The regret curve of every archived (task, seed) of each row, and the model each row's
    records name."""

    references = {task: load_reference(task) for task in tasks}
    rows_of: dict[str, list[str]] = {}
    for row in rows:
        rows_of.setdefault(sampler_of_row(row), []).append(row)
    wanted = set(tasks)
    found: dict[str, dict[tuple[str, int], dict[str, Any]]] = {}
    for archive in archives:
        for record in archived_run_records(archive):
            if (
                record["sampler"] in rows_of
                and record["task"] in wanted
                and int(record["seed"]) < seeds
                and int(record["n_trials"]) == trials
            ):
                key = (str(record["task"]), int(record["seed"]))
                found.setdefault(record["sampler"], {})[key] = record
    curves: dict[str, dict[tuple[str, int], np.ndarray]] = {}
    models: dict[str, str] = {}
    for sampler, records in found.items():
        for row in rows_of[sampler]:
            curves[row] = {
                key: np.asarray(
                    regret_curve(
                        record["best_so_far"], require_reference(references[key[0]], key[0])
                    )
                )
                for key, record in sorted(records.items())
            }
            names = {str(record["model"]) for record in records.values() if record.get("model")}
            if names:
                models[row] = ", ".join(sorted(names))
    return {row: curves[row] for row in rows if row in curves}, models


def summarise_rows(
    curves: dict[str, dict[tuple[str, int], np.ndarray]], models: dict[str, str] | None = None
) -> dict[str, Any]:
    """Mean regret at the checkpoints and the paired differences against each base, per row."""

    summary: dict[str, Any] = {}
    for row, found in curves.items():
        stacked = np.array(list(found.values()))
        stats = {c: mean_and_standard_error(list(stacked[:, c - 1])) for c in CHECKPOINTS}
        entry: dict[str, Any] = {
            "sampler": sampler_of_row(row),
            "runs": len(found),
            "regret": {str(c): float(m) for c, (m, _) in stats.items()},
            "regret_se": {str(c): float(se) for c, (_, se) in stats.items()},
            "paired": {},
        }
        if models and row in models:
            entry["model"] = models[row]
        budget = row_budget(row)
        if budget is not None:
            entry["max_llm_trials"] = budget
        # The default against the strategy it replaced and against itself with the served
        # budget, and another way of asking against the same strategy asked the default way,
        # on the same advisor.
        same_advisor = tuple(
            base
            for base in (previous_default_row(row), served_row(row), twin_row(row))
            if base is not None
        )
        for base in PAIRED_BASES + same_advisor:
            if base == row or base not in curves:
                continue
            keys = [key for key in found if key in curves[base]]
            if len(keys) < 2:
                continue
            differences = np.array([found[key] - curves[base][key] for key in keys])
            entry["paired"][base] = {
                "runs": len(keys),
                **{str(c): paired_figures(differences[:, c - 1]) for c in CHECKPOINTS},
            }
        summary[row] = entry
    return summary


def missing_rows(rows: list[str], summary: dict[str, Any]) -> dict[str, Any]:
    """An entry for each default row of ``rows`` without archived runs: its sampler, its budget,
    ``"runs": 0`` and a note (its regret is not taken from another budget's runs)."""
    return {
        row: {
            "sampler": sampler_of_row(row),
            "runs": 0,
            "max_llm_trials": row_budget(row),
            "note": "runs not archived yet",
        }
        for row in rows
        if row not in summary and row_budget(row) is not None
    }


def format_table(results: dict[str, Any]) -> str:
    """The rows as a Markdown table: the LLM trials a default row allowed after the warm start,
    regret ± SE at each checkpoint, and paired differences at 10 and 30 trials (mean ± SE, then
    the share of pairs losing by more than 0.1 and the 90th percentile); the control is the one
    with the row's budget (:func:`control_row`)."""
    header = (
        "| row | model | LLM trials | advisor skill | runs | "
        + " | ".join(f"r@{c}" for c in CHECKPOINTS)
        + " | Δr@10 vs gp-startup5 | Δr@30 vs gp | Δr@10 vs the control | Δr@30 vs the control |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]

    def paired(entry: dict[str, Any], base: str, checkpoint: str) -> str:
        cell = entry.get("paired", {}).get(base, {}).get(checkpoint)
        return "–" if cell is None else paired_cell(cell)

    for row, entry in results["rows"].items():
        advisor = split_row(row)[1]
        skill = results["advisors"].get(advisor)
        skill_text = "–" if skill is None else f"{skill['skill']:.3f} ± {skill['skill_se']:.3f}"
        if entry["runs"]:
            cells = " | ".join(
                f"{entry['regret'][str(c)]:.3f} ± {entry['regret_se'][str(c)]:.3f}"
                for c in CHECKPOINTS
            )
        else:
            cells = " | ".join(["–"] * len(CHECKPOINTS))
        runs = f"{entry['runs']}" + (f" ({entry['note']})" if entry.get("note") else "")
        lines.append(
            f"| `{row}` | {entry.get('model', '–')} | {entry.get('max_llm_trials', '–')} | "
            f"{skill_text} | {runs} | {cells} | "
            f"{paired(entry, 'gp-startup5', '10')} | {paired(entry, 'gp', '30')} | "
            f"{paired(entry, control_row(row), '10')} | {paired(entry, control_row(row), '30')} |"
        )
    return "\n".join(lines)


def plot_ladder(results: dict[str, Any], path: Path) -> None:
    """x = the advisor's skill (trial-1 regret), y = r@10 and r@30 of each strategy."""
    # Lazy: matplotlib is heavy; only the figures need it.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=False)
    markers = dict(zip(row_strategies(), ("o", "D", "s", "^")))
    for axis, checkpoint in zip(axes, ("10", "30")):
        for strategy, marker in markers.items():
            points = []
            for advisor in LADDER:
                entry = results["rows"].get(f"{strategy}@{advisor}")
                skill = results["advisors"].get(advisor)
                if entry is not None and entry["runs"] and skill is not None:
                    points.append(
                        (
                            skill["skill"],
                            entry["regret"][checkpoint],
                            entry["regret_se"][checkpoint],
                            advisor,
                        )
                    )
            if not points:
                continue
            points.sort()
            xs, ys, errors, labels = zip(*points)
            label = strategy
            if strategy == DEFAULT_ROW:
                label = (
                    f"default ({results.get('default_strategy', 'the library default')}, "
                    f"{IN_PROCESS_LLM_TRIALS} LLM trials)"
                )
            axis.errorbar(xs, ys, yerr=errors, marker=marker, capsize=3, label=label)
            if strategy == DEFAULT_ROW:
                for x, y, label in zip(xs, ys, labels):
                    axis.annotate(
                        label, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7
                    )
        for baseline, style in (("gp", ":"), ("gp-startup5", "--")):
            entry = results["rows"].get(baseline)
            if entry is not None:
                axis.axhline(
                    entry["regret"][checkpoint], linestyle=style, color="grey", label=baseline
                )
        axis.set_xlabel("advisor skill: trial-1 regret in the probe (lower is better)")
        axis.set_ylabel(f"normalised regret after {checkpoint} trials")
        axis.set_title(f"r@{checkpoint}")
        axis.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def ladder_rows() -> list[str]:
    """The rows, in the table's order: the baselines, the default on every advisor (the
    in-process budget) and on each stand-in with the served budget, the other strategies, the
    other ways of asking.

    Example:
        >>> rows = ladder_rows()
        >>> rows[:3], "default@useless[served]" in rows
        (['gp', 'gp-startup5', 'default@oracle-top1'], True)
    """
    rows = list(BASELINES)
    for strategy in row_strategies():
        rows += [f"{strategy}@{advisor}" for advisor in LADDER]
        if strategy == DEFAULT_ROW:
            rows += [f"{strategy}@{advisor}{SERVED}" for advisor in STAND_INS]
    return rows + list(ASKING_ROWS)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.advisors``."""

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.advisors",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tasks", nargs="+", default=["bayesmark"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--figure", type=Path, default=DEFAULT_FIGURE)
    parser.add_argument(
        "--cached-only",
        action="store_true",
        help="run no probe: the skills from the cached probe runs, the rows from the archives",
    )
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    tasks = resolve_task_names(args.tasks)
    restore(DEFAULT_CACHE_DIR, DEFAULT_ARCHIVE_DIR)
    restore(ADVISORS_CACHE_DIR, ADVISORS_ARCHIVE_DIR)
    restore(PROBE_CACHE_DIR, PROBE_ARCHIVE_DIR)
    skills = probe_skills(args.seeds, tasks, not args.cached_only, not args.no_progress)
    rows = ladder_rows()
    curves, models = load_rows(rows, tasks, args.seeds, args.trials)
    summary = {**summarise_rows(curves, models)}
    summary.update(missing_rows(rows, summary))
    results = {
        "tasks": len(tasks),
        "seeds": args.seeds,
        "trials": args.trials,
        "default_strategy": library_default_strategy(),
        "max_llm_trials": {"in-process": IN_PROCESS_LLM_TRIALS, "served": SERVED_LLM_TRIALS},
        "advisors": skills,
        "rows": {row: summary[row] for row in rows if row in summary},
        "command": "python -m benchmarks.advisors "
        + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    print(format_table(results))
    print(
        "\n".join(
            f"skill {name:<20} {entry['skill']:.3f} ± {entry['skill_se']:.3f} ({entry['runs']} "
            "runs)"
            for name, entry in skills.items()
        )
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1) + "\n")
    plot_ladder(results, args.figure)
    print(f"Wrote {args.output} and {args.figure}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
