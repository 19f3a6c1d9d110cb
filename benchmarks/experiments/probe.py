"""The warm-start probe: are the LLM's first configurations better than random ones?

For each (task, seed) the default strategy runs its initial design, trials 0-4: trial 0 is
random, the LLM's warm start fills trial 1 (or trials 1..``warm_start_trials``), the rest are
random. The ablation ``gp-startup5`` runs the same trials with random configurations only (its
trial 0 is the same configuration). Each
trial's value is normalised like the benchmark's regret (0 = the best value known, 1 = the
median random configuration), but for that trial alone, not the best so far. The probe then
reports, paired by (task, seed):

- trial 1 (the LLM's first, most promising configuration) against the random trial 1;
- the mean of trials 1-4 against that of the random trials 1-4;
- the best of trials 0-4 (``r@5``, the initial design the GP starts from) against the random
  design's;
- how many warm-start trials the LLM filled (a configuration it repeated goes to a random
  point), and the warm-start call's seconds and tokens;
- for a design other than the default, trial 1 and the best of trials 0–4 against the default
  design's, paired by (task, seed) (``versus_default``), when both ran.

Examples::

    python -m benchmarks.probe                     # the default model, 16 tasks x 5 seeds
    python -m benchmarks.probe --models smollm2-135m --seeds 2
    python -m benchmarks.probe --designs default regular analysis --seeds 2  # prompt designs

Runs are cached under ``<cache-dir>/probe/`` and their LLM exchanges in
``<cache-dir>/exchanges/``, which the full runs (``python -m benchmarks.run``) replay: the
warm start of a (task, seed) is made once. Results go to ``benchmarks/results/probe.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys
from typing import Any

from benchmarks._paths import DEFAULT_CACHE_DIR
from benchmarks._paths import DEFAULT_REFERENCE_DIR
from benchmarks._paths import RESULTS_DIR
from benchmarks.core.metrics import mean_and_standard_error
from benchmarks.core.metrics import normalised_regret
from benchmarks.core.runner import load_run
from benchmarks.core.samplers import default_llm_model
from benchmarks.core.samplers import warm_start_trials_of
from benchmarks.core.suite import exchanges_dir
from benchmarks.core.suite import run_all
from benchmarks.tasks.reference import load_reference
from benchmarks.tasks.registry import resolve_task_names


INITIAL_DESIGN_TRIALS = 5
PROBE_TRIALS = INITIAL_DESIGN_TRIALS
RANDOM_DESIGN = "gp-startup5"
DEFAULT_OUTPUT = RESULTS_DIR / "probe.json"
PROBE_DESCRIPTION = (
    "`python -m benchmarks.probe`: for each task × seed, trials 0–4 of the default strategy "
    "(trial 0 random, trials 1–4 the LLM's warm start, asked for in one call) against the same "
    "trials of `gp-startup5` (random configurations; the same trial 0). Each trial's own value "
    "is normalised like the regret (0 = best known, 1 = median random configuration); Δ is "
    "paired by task × seed (negative = the LLM's is better). "
    '"from the LLM": warm-start trials the answer filled (the others repeated a configuration and '
    "went to random points). s/call and tokens are the warm-start call's, over the runs that "
    "made it (a run that replayed a recorded exchange made none), on the machine as it was (two "
    "probes side by side, one inference thread each)."
)


def probe_sampler_name(model: str, design: str) -> str:
    """The benchmark sampler name of the default strategy on ``model`` with warm-start
    ``design``."""
    return f"llm-prior@{model}" + ("" if design == "default" else f"~{design}")


def single_trial_regrets(record: dict[str, Any], reference: Any) -> list[float]:
    """Normalised regret of each trial's own value (1 for a failed trial)."""
    return [normalised_regret(value, reference) for value in record["values"]]


def llm_trials_filled(record: dict[str, Any]) -> int:
    """How many of trials 1..4 the LLM proposed (from the sampler's statistics)."""
    stats = (record.get("sampler_statistics") or {}).get("sampler_stats") or {}
    return int(stats.get("llm_successes", 0) or 0)


def _paired(first: list[float], second: list[float]) -> tuple[float, float]:
    return mean_and_standard_error([a - b for a, b in zip(first, second)])


def summarise_probe(
    pairs: list[tuple[dict[str, Any], dict[str, Any], Any]], warm_start_trials: int
) -> dict[str, Any]:
    """Figures of one (model, design) over its ``(llm record, random record, reference)`` pairs."""
    llm_first, random_first, llm_mean, random_mean, llm_best, random_best = [], [], [], [], [], []
    filled = seconds = prompt = completion = 0.0
    same_trial_0 = called = 0
    for llm, rand, reference in pairs:
        mine, theirs = single_trial_regrets(llm, reference), single_trial_regrets(rand, reference)
        llm_first.append(mine[1])
        random_first.append(theirs[1])
        llm_mean.append(sum(mine[1:PROBE_TRIALS]) / (PROBE_TRIALS - 1))
        random_mean.append(sum(theirs[1:PROBE_TRIALS]) / (PROBE_TRIALS - 1))
        llm_best.append(min(mine[:PROBE_TRIALS]))
        random_best.append(min(theirs[:PROBE_TRIALS]))
        filled += llm_trials_filled(llm)
        if (
            sum(llm["llm_calls"]) > 0
        ):  # A replayed exchange costs nothing: its run says nothing of speed.
            called += 1
            seconds += sum(llm["llm_seconds"])
            prompt += sum(llm["prompt_tokens"])
            completion += sum(llm["completion_tokens"])
        same_trial_0 += int(llm["values"][0] == rand["values"][0])
    n = len(pairs)

    def cell(values: list[float]) -> list[float]:
        return list(mean_and_standard_error(values))

    return {
        "runs": n,
        "model": pairs[0][0].get("model") if pairs else None,
        "trial_1": {
            "llm": cell(llm_first),
            "random": cell(random_first),
            "delta": list(_paired(llm_first, random_first)),
        },
        "trials_1_4": {
            "llm": cell(llm_mean),
            "random": cell(random_mean),
            "delta": list(_paired(llm_mean, random_mean)),
        },
        "best_of_5": {
            "llm": cell(llm_best),
            "random": cell(random_best),
            "delta": list(_paired(llm_best, random_best)),
        },
        "llm_configurations": int(filled),
        "configurations_asked": n * warm_start_trials,
        "runs_with_a_call": called,
        "call_seconds": seconds / called if called else None,
        "prompt_tokens": prompt / called if called else None,
        "completion_tokens": completion / called if called else None,
        "same_trial_0": same_trial_0,
    }


def run_probe(
    models: list[str],
    designs: list[str],
    tasks: list[str],
    seeds: int,
    cache_dir: Path,
    reference_dir: Path,
    show_progress: bool,
) -> dict[str, Any]:
    """Run what is missing and summarise every (model, design)."""

    probe_dir = Path(cache_dir) / "probe"
    names = [probe_sampler_name(m, d) for m in models for d in designs]
    counts = run_all(
        tasks,
        [RANDOM_DESIGN] + names,
        seeds,
        PROBE_TRIALS,
        probe_dir,
        reference_dir,
        {"cache_dir": exchanges_dir(cache_dir)},
        show_progress=show_progress,
    )
    results: dict[str, Any] = {
        "trials": PROBE_TRIALS,
        "seeds": seeds,
        "tasks": tasks,
        "rows": {},
        "failed": counts["failed"],
    }
    for name in names:
        pairs = paired_runs(probe_dir, name, RANDOM_DESIGN, tasks, seeds, reference_dir)
        if pairs:
            results["rows"][name] = summarise_probe(pairs, warm_start_trials_of(name))
    for model in models:
        default = probe_sampler_name(model, "default")
        for design in designs:
            name = probe_sampler_name(model, design)
            if design != "default" and name in results["rows"]:
                versus = versus_design(probe_dir, name, default, tasks, seeds, reference_dir)
                if versus is not None:
                    results["rows"][name]["versus_default"] = versus
    return results


def paired_runs(
    probe_dir: Path,
    name: str,
    other: str,
    tasks: list[str],
    seeds: int,
    reference_dir: Path,
) -> list[tuple[dict[str, Any], dict[str, Any], Any]]:
    """``(run of name, run of other, reference)`` of every (task, seed) where both ran."""
    pairs = []
    for seed in range(seeds):
        for task in tasks:
            mine = load_run(probe_dir, task, name, seed, PROBE_TRIALS)
            theirs = load_run(probe_dir, task, other, seed, PROBE_TRIALS)
            reference = load_reference(task, reference_dir)
            if mine is not None and theirs is not None and reference is not None:
                pairs.append((mine, theirs, reference))
    return pairs


def versus_design(
    probe_dir: Path,
    name: str,
    other: str,
    tasks: list[str],
    seeds: int,
    reference_dir: Path,
) -> dict[str, Any] | None:
    """Design ``name`` against design ``other`` paired by task × seed: Δ of trial 1's own
    regret and of the best of trials 0–4 (negative: ``name`` is better); ``None`` without a
    pair. The pairs are summarised as the probe's own against the random design
    (:func:`summarise_probe`), with ``other`` in the random design's place."""
    pairs = paired_runs(probe_dir, name, other, tasks, seeds, reference_dir)
    if not pairs:
        return None
    summary = summarise_probe(pairs, warm_start_trials_of(name))
    return {
        "against": other,
        "runs": summary["runs"],
        "trial_1": summary["trial_1"]["delta"],
        "best_of_5": summary["best_of_5"]["delta"],
    }


def _maybe(value: float | None, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def format_table(results: dict[str, Any]) -> str:
    """A Markdown table of the probe's rows."""

    def pm(cell: list[float]) -> str:
        return f"{cell[0]:.3f} ± {cell[1]:.3f}"

    def signed(cell: list[float]) -> str:
        return f"{cell[0]:+.3f} ± {cell[1]:.3f}"

    header = (
        "| sampler | model | runs | trial 1 | random trial 1 | Δ trial 1 | mean 1–4 (Δ) | best "
        "of 0–4 (Δ) | from the LLM | s/call | tokens in/out |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for name, row in results["rows"].items():
        lines.append(
            f"| `{name}` | {row['model']} | {row['runs']} | {pm(row['trial_1']['llm'])} | "
            f"{pm(row['trial_1']['random'])} | {signed(row['trial_1']['delta'])} | "
            f"{row['trials_1_4']['llm'][0]:.3f} ({signed(row['trials_1_4']['delta'])}) | "
            f"{row['best_of_5']['llm'][0]:.3f} ({signed(row['best_of_5']['delta'])}) | "
            f"{row['llm_configurations']}/{row['configurations_asked']} | "
            f"{_maybe(row['call_seconds'], '.1f')} | "
            f"{_maybe(row['prompt_tokens'], '.0f')}/{_maybe(row['completion_tokens'], '.0f')} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.probe``."""

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.probe",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--models", nargs="+", default=None, help="embedded models (default: the default model)"
    )
    parser.add_argument(
        "--designs", nargs="+", default=["default"], help="warm-start designs (default: default)"
    )
    parser.add_argument("--tasks", nargs="+", default=["bayesmark"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--reference-dir", type=Path, default=DEFAULT_REFERENCE_DIR)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    models = args.models or [default_llm_model()]
    tasks = resolve_task_names(args.tasks)
    results = run_probe(
        models,
        args.designs,
        tasks,
        args.seeds,
        args.cache_dir,
        args.reference_dir,
        not args.no_progress,
    )
    print(format_table(results))
    for name, row in results["rows"].items():
        versus = row.get("versus_default")
        if versus is not None:
            print(
                f"{name} - {versus['against']} ({versus['runs']} pairs): Δ trial 1 "
                f"{versus['trial_1'][0]:+.3f} ± {versus['trial_1'][1]:.3f}, Δ best of 0-4 "
                f"{versus['best_of_5'][0]:+.3f} ± {versus['best_of_5'][1]:.3f}"
            )
    previous = json.loads(args.output.read_text()) if args.output.exists() else {}
    previous.setdefault("rows", {}).update(results["rows"])
    previous.update({key: value for key, value in results.items() if key != "rows"})
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(previous, indent=1) + "\n")
    print(f"written to {args.output}")
    if results["failed"]:
        print(
            f"{results['failed']} runs failed; rerun the command to retry them.", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
