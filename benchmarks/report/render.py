"""Markdown tables and PNG regret curves for :mod:`benchmarks.report.report`."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._paths import RESULTS_DIR
from benchmarks.core.metrics import mean_and_standard_error
from benchmarks.core.metrics import regret_curve
from benchmarks.core.metrics import SamplerSummary
from benchmarks.core.metrics import TARGET_REGRET
from benchmarks.experiments.probe import format_table
from benchmarks.experiments.probe import PROBE_DESCRIPTION
from benchmarks.report.acceptance import acceptance_section
from benchmarks.report.render_advisors import load_advisors_section
from benchmarks.report.render_knowledge import load_knowledge_section
from benchmarks.report.render_multiobjective import multiobjective_section
from benchmarks.tasks.reference import read_reference_file


#: Where the archived runs were made. The page says it in words, not with the platform string of
#: the machine that renders it: a rebuild from the archive on any machine gives the same page.
BENCHMARK_MACHINE = (
    "the project's benchmark machines, Linux x86-64 with 2 CPU cores, one thread per run "
    "(`OMP_NUM_THREADS=1`)"
)
#: The second suite's method (hand-written), placed at the end of the main page.
NN_SUITE_METHOD = RESULTS_DIR / "nn_suite_method.md"


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


def _seed_text(seeds: list[int]) -> str:
    """``[0, 1, 2]`` -> ``"0–2"``; non-contiguous seeds are listed."""
    if not seeds:
        return "–"
    if seeds == list(range(seeds[0], seeds[-1] + 1)):
        return str(seeds[0]) if len(seeds) == 1 else f"{seeds[0]}–{seeds[-1]}"
    return ", ".join(str(seed) for seed in seeds)


def _seeds_of(section: dict[str, Any], name: str) -> list[int]:
    per_sampler = section.get("seeds_per_sampler") or {}
    return list(per_sampler.get(name, range(section["seeds"])))


def _missing(section: dict[str, Any], name: str) -> list[tuple[str, int]]:
    return list((section.get("missing") or {}).get(name, []))


def _uneven(section: dict[str, Any]) -> bool:
    return len({tuple(_seeds_of(section, name)) for name in section["summaries"]}) > 1 or any(
        _missing(section, name) for name in section["summaries"]
    )


def _seeds_title(section: dict[str, Any]) -> str:
    if not _uneven(section):
        return f"{len(_seeds_of(section, next(iter(section['summaries']))))} seeds"
    counts = sorted({len(_seeds_of(section, name)) for name in section["summaries"]})
    return f"{counts[0]}–{counts[-1]} seeds (per sampler)"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def save_figures(section: dict[str, Any], figures_dir: Path, stem: str) -> list[Path]:
    """Mean ± SE regret curves: one over all tasks, one small panel per task."""
    # Lazy: matplotlib is heavy; only the figures need it.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures_dir.mkdir(parents=True, exist_ok=True)
    summaries: dict[str, SamplerSummary] = section["summaries"]
    trials = len(next(iter(summaries.values())).curve_mean)
    x = np.arange(1, trials + 1)

    figure, axis = plt.subplots(figsize=(7, 4.5))
    uneven = _uneven(section)
    for name, summary in summaries.items():
        mean, se = np.array(summary.curve_mean), np.array(summary.curve_se)
        style = "-" if name.startswith("llm") else "--"
        label = f"{name} ({len(_seeds_of(section, name))} seeds)" if uneven else name
        axis.plot(x, mean, style, label=label, linewidth=2 if name.startswith("llm") else 1.4)
        axis.fill_between(x, mean - se, mean + se, alpha=0.15)
    axis.set_xlabel("trial")
    axis.set_ylabel("normalised regret (mean ± SE)")
    axis.set_title(f"{len(section['tasks'])} tasks × {_seeds_title(section)}")
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
    figure, axes = plt.subplots(
        rows, columns, figsize=(3.2 * columns, 2.5 * rows), squeeze=False, sharex=True
    )
    for axis, task in zip(axes.flat, tasks):
        for name in summaries:
            curves = [
                regret_curve(
                    section["runs"][(task, name, seed)]["best_so_far"], section["references"][task]
                )
                for seed in _seeds_of(section, name)
                if (task, name, seed) in section["runs"]
            ]
            if curves:
                axis.plot(x, np.mean(curves, axis=0), label=name)
            else:  # keep the colour cycle aligned with the legend
                axis.plot([], [], label=name)
        axis.set_title(task, fontsize=9)
        axis.set_ylim(0, 1.02)
        axis.grid(alpha=0.3)
    for axis in list(axes.flat)[len(tasks) :]:
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
    header = (
        ["sampler", "seeds (runs)"]
        + [f"r@{c}" for c in checkpoints]
        + ["mean rank", f"trials to r≤{TARGET_REGRET} (reached)", "held-out score"]
    )
    rows = []
    for name, s in summaries.items():
        regret_cells = [f"{_number(s.regret[c])} ± {_number(s.regret_se[c])}" for c in checkpoints]
        seeds_cell = (
            f"{len(_seeds_of(section, name))}: {_seed_text(_seeds_of(section, name))} ({s.n_runs})"
        )
        rows.append(
            [f"`{name}`", seeds_cell]
            + regret_cells
            + [
                _number(s.mean_rank, 2),
                f"{_number(s.trials_to_target, 1)} ({s.target_reached_fraction:.0%})",
                _number(s.test_score),
            ]
        )
    quality = _table(header, rows)
    cost_header = [
        "sampler",
        "sampler s/trial",
        "LLM s/trial",
        "LLM calls/trial",
        "prompt tokens/trial",
        "completion tokens/trial",
        "objective s/trial",
    ]
    cost_rows = []
    for name, s in summaries.items():
        cost = s.cost_per_trial
        keys = [key for key in section["runs"] if key[1] == name]
        objective = sum(sum(section["runs"][key]["objective_seconds"]) for key in keys) / (
            len(keys) * trials
        )
        cost_rows.append(
            [f"`{name}`"]
            + [
                _small(cost[k])
                for k in (
                    "sampler_seconds",
                    "llm_seconds",
                    "llm_calls",
                    "prompt_tokens",
                    "completion_tokens",
                )
            ]
            + [_small(objective)]
        )
    out = quality + "\n\n" + _table(cost_header, cost_rows)
    replayed = sorted(
        {
            name
            for (_, name, _), record in section["runs"].items()
            if ((record.get("sampler_statistics") or {}).get("sampler_stats") or {}).get(
                "replay_hits"
            )
        }
    )
    if replayed:
        out += (
            "\n\nThe LLM columns count the calls made during these runs. Runs of "
            + ", ".join(f"`{name}`" for name in replayed)
            + " replayed recorded exchanges (the same request made by the probe or an earlier "
            "run), which cost no LLM time here: the probe or the run that first made a call "
            "recorded its seconds and tokens."
        )
    return out


def per_task_tables(section: dict[str, Any]) -> str:
    """Final regret and held-out score of the best trial, per task (mean over seeds)."""
    summaries: dict[str, SamplerSummary] = section["summaries"]
    names = list(summaries)
    regret_rows = [
        [task] + [_number(summaries[n].per_task_final_regret[task]) for n in names]
        for task in section["tasks"]
    ]
    test_rows = [
        [task] + [_number(summaries[n].per_task_test_score[task]) for n in names]
        for task in section["tasks"]
    ]
    header = ["task"] + [f"`{n}`" for n in names]
    trials = len(next(iter(summaries.values())).curve_mean)
    over = "each sampler's seeds" if _uneven(section) else "seeds"
    parts = [f"Final regret (r@{trials}), mean over {over}:\n\n" + _table(header, regret_rows)]
    if any(
        summaries[n].per_task_test_score[t] is not None for n in names for t in section["tasks"]
    ):
        parts.append(
            f"Held-out (20 %) score of each run's best trial, mean over {over} (accuracy; MSE on "
            "the "
            "standardised target for diabetes):\n\n" + _table(header, test_rows)
        )
    return "\n\n".join(parts)


def reference_table(
    section: dict[str, Any], reference_dir_records: dict[str, dict[str, Any]]
) -> str:
    """f*, random median and their provenance for each task."""
    rows = []
    for task in section["tasks"]:
        reference = section["references"][task]
        record = reference_dir_records.get(task, {})
        from_runs = record.get("best_from_runs") or {}
        rows.append(
            [
                task,
                record.get("metric", ""),
                "max" if reference.maximize else "min",
                _number(reference.f_star, 4),
                _number(reference.random_median, 4),
                str(reference.n_random),
                f"{_number(from_runs.get('value'), 4)} ({from_runs.get('source', '–')})"
                if from_runs
                else "–",
                record.get("sklearn_version", ""),
            ]
        )
    header = [
        "task",
        "metric",
        "goal",
        "f*",
        "random median",
        "random configs",
        "best of runs (where)",
        "scikit-learn",
    ]
    return _table(header, rows)


def overhead_section(overhead: dict[str, Any]) -> str:
    """The sampler-overhead table written by :mod:`benchmarks.experiments.overhead`."""
    rows = []
    tpe_seconds = {
        e["n_finished"]: e["sampler_seconds"] for e in overhead["results"] if e["sampler"] == "tpe"
    }
    for entry in overhead["results"]:
        tpe = tpe_seconds.get(entry["n_finished"])
        ratio = f"{entry['sampler_seconds'] / tpe:.1f}" if tpe else ""
        rows.append(
            [
                f"`{entry['sampler']}`",
                str(entry["n_finished"]),
                _small(entry["sampler_seconds"]),
                ratio,
                _small(entry.get("llm_seconds") or 0.0),
                _number(entry.get("prompt_tokens_per_call"), 0),
                entry.get("token_source", ""),
            ]
        )
    header = [
        "sampler",
        "finished trials",
        "sampler s/trial (own)",
        "× TPE's",
        "LLM s/trial (mock)",
        "prompt tokens/call",
        "token count from",
    ]
    return f"{overhead['description']}\n\nCommand: `{overhead['command']}`\n\n" + _table(
        header, rows
    )


def seeds_paragraph(section: dict[str, Any]) -> str:
    """Which seeds each sampler's figures use, when the samplers differ."""
    if not _uneven(section):
        return ""
    summaries = section["summaries"]
    parts = [
        f"`{name}` {summaries[name].n_runs} runs, seed {_seed_text(_seeds_of(section, name))}"
        for name in summaries
    ]
    text = (
        "**Not every sampler has the same runs**: "
        + "; ".join(parts)
        + ". Every figure of a sampler is computed on the task × seed runs it has; the mean rank "
        "ranks, within each task × seed, the samplers that have that run, rescales those ranks "
        f"linearly to 1..{len(summaries)}, and averages over the sampler's seeds and tasks. "
        "Differences between samplers with few runs are less certain than the standard errors of "
        "the others suggest."
    )
    partial = {name: _missing(section, name) for name in summaries if _missing(section, name)}
    if partial:
        text += (
            " Missing runs (the budget of time ran out): "
            + "; ".join(
                f"`{name}`: " + ", ".join(f"{task} (seed {seed})" for task, seed in pairs)
                for name, pairs in partial.items()
            )
            + ". Their averages are over fewer tasks than the others', so compare them with the "
            "paired table below."
        )
    return text


def control_differences(section: dict[str, Any], against: tuple[str, ...] = ("gp", "tpe")) -> str:
    """Each LLM sampler minus ``gp`` and ``tpe`` on the same (task, seed) runs, at every
    checkpoint."""

    names = list(section["summaries"])
    checkpoints = [int(c) for c in next(iter(section["summaries"].values())).regret]
    rows = []
    for name in (n for n in names if n.startswith("llm")):
        for baseline in (b for b in against if b in names):
            pairs = [
                (task, seed)
                for (task, sampler, seed) in section["runs"]
                if sampler == name and (task, baseline, seed) in section["runs"]
            ]
            if not pairs:
                continue

            def curves(sampler: str) -> Any:
                return np.array(
                    [
                        regret_curve(
                            section["runs"][(task, sampler, seed)]["best_so_far"],
                            section["references"][task],
                        )
                        for task, seed in pairs
                    ]
                )

            difference = curves(name) - curves(baseline)
            cells = []
            for c in checkpoints:
                mean, se = mean_and_standard_error(difference[:, c - 1])
                cells.append(f"{mean:+.3f} ± {se:.3f}")
            rows.append([f"`{name}` − `{baseline}`", str(len(pairs))] + cells)
    if not rows:
        return ""
    header = ["paired difference", "runs"] + [f"Δ regret @{c}" for c in checkpoints]
    return "Paired differences (negative: the LLM sampler is ahead):\n\n" + _table(header, rows)


def paired_table(section: dict[str, Any]) -> str:
    """For each sampler that misses runs: it and every other sampler on the same (task, seed)
    runs."""

    summaries = section["summaries"]
    names = list(summaries)
    checkpoints = [int(c) for c in next(iter(summaries.values())).regret]
    parts = []
    for partial in names:
        if not _missing(section, partial) and not (
            len(_seeds_of(section, partial)) < max(len(_seeds_of(section, n)) for n in names)
        ):
            continue
        pairs = [(task, seed) for (task, sampler, seed) in section["runs"] if sampler == partial]
        rows = []
        for name in names:
            if not all((task, name, seed) in section["runs"] for task, seed in pairs):
                continue
            curves = np.array(
                [
                    regret_curve(
                        section["runs"][(task, name, seed)]["best_so_far"],
                        section["references"][task],
                    )
                    for task, seed in pairs
                ]
            )
            cells = []
            for c in checkpoints:
                mean, se = mean_and_standard_error(curves[:, c - 1])
                cells.append(f"{_number(mean)} ± {_number(se)}")
            rows.append([f"`{name}`"] + cells)
        if len(rows) > 1:
            tasks = sorted({task for task, _ in pairs}, key=section["tasks"].index)
            parts.append(
                f"Paired with `{partial}`: the same {len(pairs)} runs ({len(tasks)} tasks, seed "
                f"{_seed_text(sorted({seed for _, seed in pairs}))}):\n\n"
                + _table(["sampler"] + [f"r@{c}" for c in checkpoints], rows)
            )
    return "\n\n".join(parts)


def llm_runs_table(section: dict[str, Any]) -> str:
    """Model, wall time per run and LLM failures by kind of each LLM sampler."""
    rows = []
    for name in section["summaries"]:
        if not name.startswith("llm"):
            continue
        records = [record for key, record in section["runs"].items() if key[1] == name]
        if not records:
            continue
        stats = [record.get("sampler_statistics") or {} for record in records]
        models = sorted({str(entry.get("model")) for entry in stats if entry.get("model")})
        failures: dict[str, int] = {}
        reasons: dict[str, int] = {}
        for entry in stats:
            inner = entry.get("sampler_stats") or {}
            for kind, count in (inner.get("failures") or {}).items():
                failures[kind] = failures.get(kind, 0) + int(count)
            for key in ("optimizer_reasons", "fallback_reasons"):
                for kind, count in (inner.get(key) or {}).items():
                    reasons[kind] = reasons.get(kind, 0) + int(count)
        wall = [float(record["total_seconds"]) for record in records]
        rows.append(
            [
                f"`{name}`",
                ", ".join(models) or "–",
                str(len(records)),
                f"{sum(wall) / len(wall):.0f} ({min(wall):.0f}–{max(wall):.0f})",
                ", ".join(f"{kind} {count}" for kind, count in sorted(failures.items())) or "none",
                ", ".join(f"{kind} {count}" for kind, count in sorted(reasons.items())) or "none",
            ]
        )
    if not rows:
        return ""
    header = [
        "sampler",
        "model",
        "runs",
        "wall s/run: mean (min–max)",
        "failed proposals by kind (all runs)",
        "trials not proposed by the LLM, by reason (all runs)",
    ]
    return _table(header, rows)


def _multiobjective_section(context: dict[str, Any]) -> str:
    """The multi-objective and constrained section, when its results exist."""
    path = context.get("multiobjective_json") or RESULTS_DIR / "multiobjective.json"
    return multiobjective_section(Path(path))


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def _version_mix_lines(mix: dict[str, dict[str, list[str]]]) -> list[str]:
    """Lines saying which rows ran on which version, where the runs differ (results differ too)."""
    lines = []
    for library, versions in mix.items():
        parts = "; ".join(
            f"{version}: {', '.join(f'`{name}`' for name in names)}"
            for version, names in versions.items()
        )
        lines += ["", f"The runs differ in {library}, which can change results: {parts}."]
    return lines


def render_markdown(
    main: dict[str, Any],
    control: dict[str, Any] | None,
    context: dict[str, Any],
    figures: list[Path],
    control_figures: list[Path],
    markdown_dir: Path,
) -> str:
    """The whole of ``docs/benchmarks.md``."""

    def reference_records(section: dict[str, Any]) -> dict[str, dict[str, Any]]:
        directory = (
            Path(context.get("reference_dir", "")) if context.get("reference_dir") else None
        )
        return {
            t: (read_reference_file(t, directory) if directory else read_reference_file(t)) or {}
            for t in section["tasks"]
        }

    versions = context["versions"]
    version_text = ", ".join(f"{k} {v}" for k, v in sorted(versions.items()) if v)
    out = [
        f"# {context['title']}",
        "",
        "Generated by `python -m benchmarks.report`; do not edit by hand. The suite, its tasks "
        "and its metrics are described in the *Method* section at the end.",
        "",
        "## Reproduce",
        "",
        "```bash",
        "pip install -e '.[benchmark]' coco-experiment==2.8.2   # coco only for the BBOB control",
        "OMP_NUM_THREADS=1 python -m benchmarks.reference --tasks all   # random-search "
        "reference, resumable",
        *[line + "   # resumable" for line in context["command"].splitlines()],
        *(
            [
                "OMP_NUM_THREADS=1 python -m benchmarks.run --tasks bbob --trials "
                f"{control.get('trials')} --samplers {' '.join(control['summaries'])}   # the "
                "BBOB control"
            ]
            if control
            else []
        ),
        context["report_command"].strip(),
        "python -m benchmarks.probe --models qwen2.5-coder-1.5b smollm2-135m   # the warm-start "
        "probe",
        "python -m benchmarks.warm_start_effect llm-prior gp-startup5   # the lead split by "
        "whether the warm start beat random",
        "python -m benchmarks.overhead   # sampler overhead vs history length",
        "python -m benchmarks.archive save   # keep new runs and LLM exchanges in "
        "benchmarks/results/archive",
        "```",
        "",
        "`benchmarks.run`, `benchmarks.report` and `benchmarks.warm_start_effect` first restore "
        "into the cache the runs and recorded LLM exchanges archived in "
        "`benchmarks/results/archive` (`python -m benchmarks.archive list` says what it holds): "
        "on a fresh clone the report reproduces the archived rows without rerunning, and a new "
        "LLM sampler replays the recorded warm starts. `--no-archive` reruns from scratch: on "
        "the same machine and library versions the rows reproduce bit for bit, but the LLM's "
        "answers can differ on another machine (other warm starts came back for the same model "
        "file, prompt and seed: docs/01, section 5.9).",
        "",
        f"Machine: {BENCHMARK_MACHINE}.  ",
        f"Versions: {version_text}.",
        *_version_mix_lines(context.get("version_mix") or {}),
        "",
        f"## Bayesmark-lite: {len(main['tasks'])} tasks × {_seeds_title(main)} × "
        f"{context['trials']} trials",
        "",
        "Normalised regret (0 = best value known, 1 = median random configuration), mean ± "
        "standard error over all task × seed runs; lower is better.",
        "",
    ]
    if seeds_paragraph(main):
        out += [seeds_paragraph(main), ""]
    out += [results_tables(main), ""]
    if paired_table(main):
        out += [paired_table(main), ""]
    if llm_runs_table(main):
        out += [
            f"LLM runs (default strategy of the library: `{context.get('default_strategy')}`); "
            "the wall time is that of `study.optimize`, objective included:",
            "",
            llm_runs_table(main),
            "",
        ]
    acceptance = acceptance_section(main, str(context.get("default_strategy")))
    if acceptance:
        out += ["### The LLM strategies against the baselines", "", acceptance, ""]
    if context.get("probe"):
        out += [
            "### The warm-start probe: the LLM's first configurations against random ones",
            "",
            PROBE_DESCRIPTION,
            "",
            format_table(context["probe"]),
            "",
        ]
    reading = Path(context["reading"])
    if reading.exists():  # the hand-written reading of these figures
        out += [reading.read_text().strip(), ""]
    out += [f"![regret curves]({_relative(path, markdown_dir)})" for path in figures[:1]] + [""]
    if main.get("incomplete"):
        out += [
            "Incomplete (not reported): "
            + ", ".join(f"`{name}` ({count} runs)" for name, count in main["incomplete"].items()),
            "",
        ]
    out += ["### Per task", "", per_task_tables(main), ""]
    out += [f"![regret per task]({_relative(path, markdown_dir)})" for path in figures[1:2]] + [""]
    out += ["### Reference values", "", reference_table(main, reference_records(main)), ""]
    if control:
        out += [
            f"## Control: BBOB (names carry no meaning), {len(control['tasks'])} functions × "
            f"{_seeds_title(control)} × {control.get('trials', context['trials'])} trials",
            "",
            "Metric log10(f − f_opt) in 5-D on [-5, 5]^5; same normalisation.",
            "",
            results_tables(control),
            "",
        ]
        differences = control_differences(control)
        if differences:
            out += [differences, ""]
        out += [
            f"![BBOB regret]({_relative(path, markdown_dir)})" for path in control_figures[:1]
        ] + [""]
        out += [
            per_task_tables(control),
            "",
            reference_table(control, reference_records(control)),
            "",
        ]
    if not context.get("runs_only"):  # sections measured elsewhere, read from their own results
        for section in (
            _multiobjective_section(context),
            load_knowledge_section(),
            load_advisors_section(),
        ):
            if section:
                out += [section, ""]
    if context.get("overhead"):
        out += [
            "## Sampler overhead vs history length",
            "",
            overhead_section(context["overhead"]),
            "",
        ]
    out += [
        "## Method",
        "",
        "- Tasks: SVM (RBF), decision tree, random forest (10 trees) and SGD-trained MLP on "
        "scikit-learn's bundled iris, wine, breast_cancer and diabetes data; 80/20 split "
        "(`random_state=0`); objective = 5-fold CV accuracy (maximise) or MSE on the "
        "standardised diabetes target (minimise); every estimator `random_state=0`; "
        "hyperparameter names are scikit-learn's.",
        "- Samplers: Optuna defaults with the repetition's seed; `seeded-default` is random "
        "search whose first trial is the estimator's default configuration (clipped into the "
        "search space); `llm*` are `LLMGuidedSampler` strategies.",
        "- Normalised regret r = (f* − best so far)/(f* − random median), clipped to [0, 1] "
        "(mirrored for minimisation); f* is the best of ≥ 500 random configurations and of every "
        "cached run, the median is that of the random configurations.",
        "- `random`, `tpe` and `gp` draw the same first 10 configurations (TPE and GP start with "
        "10 random trials from the same seed), hence their identical r@5 and r@10.",
        "- Mean rank: samplers ranked by final regret within each task and seed (ties averaged), "
        "averaged over seeds, then over tasks.",
        f"- Trials to target: first trial with r ≤ {TARGET_REGRET}; a run that never gets there "
        "counts as budget + 1; the percentage of runs that got there is in brackets.",
        "- Held-out score: mean over tasks of the best trial's 20 % test score, with 1 − MSE for "
        "diabetes.",
        "- Sampler s/trial: wall time of `study.optimize` minus objective, held-out scoring and "
        "LLM time.",
        "",
    ]
    if not context.get("runs_only") and NN_SUITE_METHOD.exists():
        out += [NN_SUITE_METHOD.read_text().strip(), ""]
    return "\n".join(out)
