"""Markdown tables and PNG regret curves for :mod:`benchmarks.report`."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from benchmarks.metrics import TARGET_REGRET, SamplerSummary

def _number(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def _small(value: float) -> str:
    """Seconds or counts that span orders of magnitude."""
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.2g}" if abs(value) < 0.001 else f"{value:.4f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def save_figures(section: dict[str, Any], figures_dir: Path, stem: str) -> list[Path]:
    """Mean ± SE regret curves: one over all tasks, one small panel per task."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from benchmarks.metrics import regret_curve

    figures_dir.mkdir(parents=True, exist_ok=True)
    summaries: dict[str, SamplerSummary] = section["summaries"]
    trials = len(next(iter(summaries.values())).curve_mean)
    x = np.arange(1, trials + 1)

    figure, axis = plt.subplots(figsize=(7, 4.5))
    for name, summary in summaries.items():
        mean, se = np.array(summary.curve_mean), np.array(summary.curve_se)
        style = "-" if name.startswith("llm") else "--"
        axis.plot(x, mean, style, label=name, linewidth=2 if name.startswith("llm") else 1.4)
        axis.fill_between(x, mean - se, mean + se, alpha=0.15)
    axis.set_xlabel("trial")
    axis.set_ylabel("normalised regret (mean ± SE)")
    axis.set_title(f"{len(section['tasks'])} tasks × {section['seeds']} seeds")
    axis.set_ylim(0, 1)
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    overall = figures_dir / f"{stem}_regret.png"
    figure.savefig(overall, dpi=110)
    plt.close(figure)

    tasks = section["tasks"]
    columns = 4 if len(tasks) > 4 else len(tasks)
    rows = math.ceil(len(tasks) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.5 * rows), squeeze=False, sharex=True)
    for axis, task in zip(axes.flat, tasks):
        for name in summaries:
            curves = [
                regret_curve(section["runs"][(task, name, seed)]["best_so_far"], section["references"][task])
                for seed in range(section["seeds"])
            ]
            axis.plot(x, np.mean(curves, axis=0), label=name)
        axis.set_title(task, fontsize=9)
        axis.set_ylim(0, 1.02)
        axis.grid(alpha=0.3)
    for axis in list(axes.flat)[len(tasks):]:
        axis.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=len(labels))
    figure.tight_layout(rect=(0, 0.06, 1, 1))
    per_task = figures_dir / f"{stem}_regret_per_task.png"
    figure.savefig(per_task, dpi=90)
    plt.close(figure)
    return [overall, per_task]


def results_tables(section: dict[str, Any]) -> str:
    """Regret, rank, trials-to-target, held-out score, then the cost columns."""
    summaries: dict[str, SamplerSummary] = section["summaries"]
    checkpoints = list(next(iter(summaries.values())).regret)
    trials = int(checkpoints[-1])
    header = ["sampler"] + [f"r@{c}" for c in checkpoints] + [
        "mean rank", f"trials to r≤{TARGET_REGRET} (reached)", "held-out score"
    ]
    rows = []
    for name, s in summaries.items():
        regret_cells = [f"{_number(s.regret[c])} ± {_number(s.regret_se[c])}" for c in checkpoints]
        rows.append([f"`{name}`"] + regret_cells + [
            _number(s.mean_rank, 2),
            f"{_number(s.trials_to_target, 1)} ({s.target_reached_fraction:.0%})",
            _number(s.test_score),
        ])
    quality = _table(header, rows)
    cost_header = ["sampler", "sampler s/trial", "LLM s/trial", "LLM calls/trial", "prompt tokens/trial",
                   "completion tokens/trial", "objective s/trial"]
    cost_rows = []
    for name, s in summaries.items():
        cost = s.cost_per_trial
        keys = [key for key in section["runs"] if key[1] == name]
        objective = sum(sum(section["runs"][key]["objective_seconds"]) for key in keys) / (len(keys) * trials)
        cost_rows.append([f"`{name}`"] + [_small(cost[k]) for k in (
            "sampler_seconds", "llm_seconds", "llm_calls", "prompt_tokens", "completion_tokens")] + [_small(objective)])
    return quality + "\n\n" + _table(cost_header, cost_rows)


def per_task_tables(section: dict[str, Any]) -> str:
    """Final regret and held-out score of the best trial, per task (mean over seeds)."""
    summaries: dict[str, SamplerSummary] = section["summaries"]
    names = list(summaries)
    regret_rows = [[task] + [_number(summaries[n].per_task_final_regret[task]) for n in names]
                   for task in section["tasks"]]
    test_rows = [[task] + [_number(summaries[n].per_task_test_score[task]) for n in names]
                 for task in section["tasks"]]
    header = ["task"] + [f"`{n}`" for n in names]
    trials = len(next(iter(summaries.values())).curve_mean)
    parts = [f"Final regret (r@{trials}), mean over seeds:\n\n" + _table(header, regret_rows)]
    if any(summaries[n].per_task_test_score[t] is not None for n in names for t in section["tasks"]):
        parts.append(
            "Held-out (20 %) score of each run's best trial, mean over seeds (accuracy; MSE on the "
            "standardised target for diabetes):\n\n" + _table(header, test_rows)
        )
    return "\n\n".join(parts)


def reference_table(section: dict[str, Any], reference_dir_records: dict[str, dict[str, Any]]) -> str:
    """f*, random median and their provenance for each task."""
    rows = []
    for task in section["tasks"]:
        reference = section["references"][task]
        record = reference_dir_records.get(task, {})
        from_runs = record.get("best_from_runs") or {}
        rows.append([
            task, record.get("metric", ""), "max" if reference.maximize else "min",
            _number(reference.f_star, 4), _number(reference.random_median, 4), str(reference.n_random),
            f"{_number(from_runs.get('value'), 4)} ({from_runs.get('source', '–')})" if from_runs else "–",
            record.get("sklearn_version", ""),
        ])
    header = ["task", "metric", "goal", "f*", "random median", "random configs", "best of runs (where)",
              "scikit-learn"]
    return _table(header, rows)


def overhead_section(overhead: dict[str, Any]) -> str:
    """The sampler-overhead table written by :mod:`benchmarks.overhead`."""
    rows = []
    for entry in overhead["results"]:
        rows.append([
            f"`{entry['sampler']}`", str(entry["n_finished"]), _small(entry["sampler_seconds"]),
            _small(entry.get("llm_seconds") or 0.0), _number(entry.get("prompt_tokens_per_call"), 0),
            entry.get("token_source", ""),
        ])
    header = ["sampler", "finished trials", "sampler s/trial (own)", "LLM s/trial (mock)", "prompt tokens/call",
              "token count from"]
    return (
        f"{overhead['description']}\n\nCommand: `{overhead['command']}`\n\n" + _table(header, rows)
    )


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def render_markdown(
    main: dict[str, Any], control: dict[str, Any] | None, context: dict[str, Any],
    figures: list[Path], control_figures: list[Path], markdown_dir: Path,
) -> str:
    """The whole of ``docs/benchmarks.md``."""
    from benchmarks.reference import read_reference_file

    def reference_records(section: dict[str, Any]) -> dict[str, dict[str, Any]]:
        directory = Path(context.get("reference_dir", "")) if context.get("reference_dir") else None
        return {t: (read_reference_file(t, directory) if directory else read_reference_file(t)) or {}
                for t in section["tasks"]}

    machine, versions = context["machine"], context["versions"]
    version_text = ", ".join(f"{k} {v}" for k, v in versions.items() if v)
    out = [
        "# Benchmarks",
        "",
        "Generated by `python -m benchmarks.report`; do not edit by hand. The suite, its tasks and its "
        "metrics are described in the *Method* section at the end.",
        "",
        "## Reproduce",
        "",
        "```bash",
        "pip install -e '.[benchmark]' coco-experiment==2.8.2   # coco only for the BBOB control",
        "OMP_NUM_THREADS=1 python -m benchmarks.reference --tasks all   # random-search reference, resumable",
        context["command"] + "   # resumable",
        context["report_command"].strip(),
        "python -m benchmarks.overhead   # sampler overhead vs history length",
        "```",
        "",
        f"Machine: `{machine['platform']}`, {machine['processor']}, {machine['cpu_count']} CPUs, "
        f"one process, OMP_NUM_THREADS={machine['omp_num_threads']}.  ",
        f"Versions: {version_text}.",
        "",
        f"## Bayesmark-lite: {len(main['tasks'])} tasks × {main['seeds']} seeds × {context['trials']} trials",
        "",
        "Normalised regret (0 = best value known, 1 = median random configuration), mean ± standard error "
        "over all task × seed runs; lower is better.",
        "",
        results_tables(main),
        "",
    ]
    out += [f"![regret curves]({_relative(path, markdown_dir)})" for path in figures[:1]] + [""]
    if main["incomplete"]:
        out += ["Incomplete (not reported): " + ", ".join(
            f"`{name}` ({count} runs)" for name, count in main["incomplete"].items()), ""]
    out += ["### Per task", "", per_task_tables(main), ""]
    out += [f"![regret per task]({_relative(path, markdown_dir)})" for path in figures[1:2]] + [""]
    out += ["### Reference values", "", reference_table(main, reference_records(main)), ""]
    if control:
        out += [
            f"## Control: BBOB (names carry no meaning), {len(control['tasks'])} functions × "
            f"{control['seeds']} seeds",
            "",
            "Metric log10(f − f_opt) in 5-D on [-5, 5]^5; same normalisation.",
            "",
            results_tables(control),
            "",
        ]
        out += [f"![BBOB regret]({_relative(path, markdown_dir)})" for path in control_figures[:1]] + [""]
        out += [per_task_tables(control), "", reference_table(control, reference_records(control)), ""]
    if context.get("overhead"):
        out += ["## Sampler overhead vs history length", "", overhead_section(context["overhead"]), ""]
    out += [
        "## Method",
        "",
        "- Tasks: SVM (RBF), decision tree, random forest (10 trees) and SGD-trained MLP on scikit-learn's "
        "bundled iris, wine, breast_cancer and diabetes data; 80/20 split (`random_state=0`); objective = "
        "5-fold CV accuracy (maximise) or MSE on the standardised diabetes target (minimise); every "
        "estimator `random_state=0`; hyperparameter names are scikit-learn's.",
        "- Samplers: Optuna defaults with the repetition's seed; `seeded-default` is random search whose "
        "first trial is the estimator's default configuration (clipped into the search space); `llm*` are "
        "`LLMGuidedSampler` strategies.",
        "- Normalised regret r = (f* − best so far)/(f* − random median), clipped to [0, 1] (mirrored for "
        "minimisation); f* is the best of ≥ 500 random configurations and of every cached run, the median "
        "is that of the random configurations.",
        "- `random`, `tpe` and `gp` draw the same first 10 configurations (TPE and GP start with 10 random "
        "trials from the same seed), hence their identical r@5 and r@10.",
        "- Mean rank: samplers ranked by final regret within each task and seed (ties averaged), averaged "
        "over seeds, then over tasks.",
        f"- Trials to target: first trial with r ≤ {TARGET_REGRET}; a run that never gets there counts as "
        "budget + 1; the percentage of runs that got there is in brackets.",
        "- Held-out score: mean over tasks of the best trial's 20 % test score, with 1 − MSE for diabetes.",
        "- Sampler s/trial: wall time of `study.optimize` minus objective, held-out scoring and LLM time.",
        "",
    ]
    return "\n".join(out)
