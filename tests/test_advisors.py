"""The advisors of known skill (benchmarks/core/advisor_responder.py) and their sampler names."""

from __future__ import annotations

import json

import optuna
import pytest

from benchmarks.core.advisor_responder import AdvisorResponder
from benchmarks.core.advisor_responder import best_shown_trial
from benchmarks.core.advisor_responder import oracle_pool
from benchmarks.core.advisor_responder import ranked_configurations
from benchmarks.core.advisor_responder import task_of_prompt
from benchmarks.core.samplers import advisor_of
from benchmarks.core.samplers import build_sampler
from benchmarks.core.samplers import llm_model_of
from benchmarks.core.samplers import llm_strategy
from benchmarks.tasks.bayesmark import BAYESMARK_TASK_NAMES
from benchmarks.tasks.reference import read_reference_file
from benchmarks.tasks.registry import get_task


def _request(model: str, prompt: str, n: int = 1, seed: int = 0) -> dict:
    parameters = {
        "type": "object",
        "properties": {
            "C": {"type": "number", "minimum": 1.0, "maximum": 1000.0, "description": "log scale"},
            "gamma": {
                "type": "number",
                "minimum": 1e-4,
                "maximum": 1e-3,
                "description": "log scale",
            },
            "tol": {"type": "number", "minimum": 1e-5, "maximum": 0.1, "description": "log scale"},
        },
    }
    item = {
        "type": "object",
        "properties": {"parameters": parameters, "analysis": {"type": "string"}},
        "required": ["parameters", "analysis"],
    }
    schema = (
        item
        if n == 1
        else {
            "type": "object",
            "properties": {
                "configurations": {"type": "array", "items": item, "minItems": n, "maxItems": n}
            },
            "required": ["configurations"],
        }
    )
    return {
        "model": model,
        "seed": seed,
        "messages": [{"role": "user", "content": prompt}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": schema}},
    }


def _prompt(task: str, trials: str = "") -> str:
    return (
        f"## Goal\nMaximize the objective value.\n{get_task(task).problem_description}\n{trials}"
    )


def test_every_task_is_recognised_by_its_description() -> None:
    assert [task_of_prompt(_prompt(name)) for name in BAYESMARK_TASK_NAMES] == list(
        BAYESMARK_TASK_NAMES
    )
    with pytest.raises(ValueError, match="describes 0 tasks"):
        task_of_prompt("no task here")


def test_oracle_pools_hold_the_best_fraction_of_the_reference() -> None:
    record = read_reference_file("svm-iris")
    assert record is not None
    ranked = ranked_configurations("svm-iris")
    values = {
        json.dumps(p, sort_keys=True): v
        for p, v in zip(record["random_params"], record["random_values"])
    }
    scores = [values[json.dumps(p, sort_keys=True)] for p in ranked]
    assert scores == sorted(scores, reverse=True)  # maximised: best first
    assert [
        len(oracle_pool("svm-iris", a)) for a in ("oracle-top1", "oracle-top10", "oracle-top30")
    ] == [5, 50, 150]


def test_an_oracle_answers_distinct_configurations_of_its_pool_reproducibly() -> None:
    responder = AdvisorResponder()
    request = _request("advisor/oracle-top1", _prompt("svm-iris"), n=4)
    answer = json.loads(responder(request))
    pool = [dict(p) for p in oracle_pool("svm-iris", "oracle-top1")]
    drawn = [c["parameters"] for c in answer["configurations"]]
    assert all(c in pool for c in drawn) and len({json.dumps(c) for c in drawn}) == 4
    assert all(c["analysis"] for c in answer["configurations"])
    assert json.loads(responder(request)) == answer  # the same request, the same answer
    assert (
        json.loads(responder(_request("advisor/oracle-top1", _prompt("svm-iris"), n=4, seed=1)))
        != answer
    )


def test_local_step_moves_near_the_best_trial_shown() -> None:
    trials = (
        "## Best trials\n#3 value=0.95: C=300, gamma=0.0005, tol=0.001\n"
        "#1 value=0.5: C=2, gamma=0.0001, tol=0.05"
    )
    assert best_shown_trial(_prompt("svm-iris", trials)) == {
        "C": "300",
        "gamma": "0.0005",
        "tol": "0.001",
    }
    answer = json.loads(
        AdvisorResponder()(_request("advisor/local-step", _prompt("svm-iris", trials)))
    )
    parameters = answer["parameters"]
    assert (
        30 < parameters["C"] < 1000 and 2e-4 < parameters["gamma"] < 1e-3
    )  # within ~2 steps of trial 3
    with pytest.raises(ValueError, match="unknown advisor"):
        AdvisorResponder()(_request("advisor/genius", _prompt("svm-iris")))


def test_advisor_names_extend_the_useless_suffix() -> None:
    assert advisor_of("llm-prior") is None
    assert advisor_of("llm-prior+useless[reliability=rank]") == "useless"
    assert llm_model_of("llm-prior+useless") == "openai/useless"
    assert llm_model_of("llm-hybrid+oracle-top10") == "openai/advisor/oracle-top10"
    assert (
        llm_strategy("llm-hybrid+oracle-top10") == "hybrid"
        and llm_strategy("llm+local-step") == "llm"
    )
    with pytest.raises(ValueError, match="unknown advisor"):
        advisor_of("llm-prior+genius")


def test_the_default_strategy_on_an_oracle_starts_from_its_pool() -> None:
    task = get_task("svm-iris")
    sampler = build_sampler("llm-prior+oracle-top10", seed=0).sampler
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=task.direction, sampler=sampler)
    study.set_user_attr("problem_description", task.problem_description)
    study.optimize(lambda trial: task.evaluate_cv(task.suggest(trial)), n_trials=2)
    assert sampler.model_name == "openai/advisor/oracle-top10"
    assert study.trials[1].params in [dict(p) for p in oracle_pool("svm-iris", "oracle-top10")]


def test_the_precise_top1_hint_takes_its_values_from_the_best_percent() -> None:
    from benchmarks.experiments.hints import human_number
    from benchmarks.experiments.hints import task_hints

    hints = task_hints(get_task("svm-wine"))
    assert hints.good_top1 is not None and set(hints.good_top1) == set(hints.good)
    assert hints.texts["precise-top1"] == ", ".join(
        f"{n} around {human_number(hints.good_top1[n])}" for n in hints.parameters
    )
    assert hints.partial_configuration("precise-top1") != hints.partial_configuration("precise")


def test_the_ladder_section_judges_the_issue_lines_from_the_rows() -> None:
    from benchmarks.report.render_advisors import acceptance_lines
    from benchmarks.report.render_advisors import advisors_section

    def row(r10: float, r30: float, paired: dict | None = None) -> dict:
        return {
            "runs": 80,
            "regret": {"5": 0.5, "10": r10, "20": r30, "30": r30},
            "regret_se": {"5": 0.03, "10": 0.02, "20": 0.02, "30": 0.02},
            "paired": paired or {},
        }

    results = {
        "advisors": {"oracle-top1": {"skill": 0.15, "skill_se": 0.02, "runs": 80}},
        "rows": {
            "gp-startup5": row(0.25, 0.13),
            "default@oracle-top1": row(0.10, 0.05),
            "llm@oracle-top1": row(0.05, 0.04),
        },
    }
    lines = acceptance_lines(results)
    assert lines[0][0].startswith("`default@oracle-top10`") and lines[0][2] is None  # no such row
    assert (
        lines[1][0].startswith("`default@oracle-top1`") and lines[1][2] is False
    )  # 0.10 > 0.35 × 0.25
    best = [met for line, _, met in acceptance_lines(results) if "best strategy" in line]
    assert best == [False, True]  # 0.05 behind llm at 10 trials; 0.01 (< SE) at 30
    assert "| `default@oracle-top1` |" in advisors_section(results)


def test_every_rung_of_the_default_gets_the_in_process_budget_and_says_which(tmp_path) -> None:
    """Issue 42, item 4: ``default@<stand-in>`` runs with the in-process budget of the library's
    trust strategy, ``[served]`` with the served one; a row with no archived runs says so."""
    from benchmarks.core.samplers import library_default_strategy
    from benchmarks.experiments.advisors import ladder_rows
    from benchmarks.experiments.advisors import load_rows
    from benchmarks.experiments.advisors import missing_rows
    from benchmarks.experiments.advisors import row_budget
    from benchmarks.experiments.advisors import sampler_of_row
    from benchmarks.experiments.advisors import STAND_INS
    from llm_guided_optuna._sampler.trust import default_max_llm_trials

    in_process, served = (
        default_max_llm_trials(in_process=True),
        default_max_llm_trials(in_process=False),
    )
    default = library_default_strategy()
    rows = ladder_rows()
    for advisor in STAND_INS:
        assert sampler_of_row(f"default@{advisor}") == (
            f"{default}+{advisor}[llm_trials={in_process}]"
        )
        assert sampler_of_row(f"default@{advisor}[served]") == f"{default}+{advisor}"
        assert row_budget(f"default@{advisor}") == in_process
        assert row_budget(f"default@{advisor}[served]") == served
        assert {f"default@{advisor}", f"default@{advisor}[served]"} <= set(rows)
    assert sampler_of_row("default@qwen2.5-coder-1.5b") == default  # in-process already
    assert row_budget("prior@oracle-top1") is None
    curves, _ = load_rows(["default@oracle-top1"], ["svm-iris"], 1, 30, archives=(tmp_path,))
    assert curves == {}  # nothing archived there: no other budget's runs stand in
    assert missing_rows(["default@oracle-top1", "prior@oracle-top1"], {}) == {
        "default@oracle-top1": {
            "sampler": f"{default}+oracle-top1[llm_trials={in_process}]",
            "runs": 0,
            "max_llm_trials": in_process,
            "note": "runs not archived yet",
        }
    }


def test_the_probe_pairs_a_design_with_the_default_by_task_and_seed(tmp_path) -> None:
    """``versus_default``: trial 1 and the best of trials 0-4 of a design minus the default
    design's, over the (task, seed) pairs both ran."""
    from benchmarks._paths import DEFAULT_REFERENCE_DIR
    from benchmarks.core.runner import RECORD_FORMAT
    from benchmarks.core.runner import save_run
    from benchmarks.experiments.probe import PROBE_TRIALS
    from benchmarks.experiments.probe import single_trial_regrets
    from benchmarks.experiments.probe import versus_design
    from benchmarks.tasks.reference import load_reference

    task = "svm-iris"
    reference = load_reference(task)
    best, median = reference.f_star, reference.random_median
    runs = {  # sampler -> seed -> values of trials 0-4 (the task maximises accuracy)
        "design": {0: [median, best, median, median, median], 1: [median] * 5},
        "default": {0: [median] * 5, 1: [median, median, median, best, median], 2: [best] * 5},
    }
    for sampler, by_seed in runs.items():
        for seed, values in by_seed.items():
            record = {
                "format": RECORD_FORMAT,
                "task": task,
                "sampler": sampler,
                "seed": seed,
                "n_trials": PROBE_TRIALS,
                "values": values,
                "llm_calls": [0.0] * PROBE_TRIALS,  # replayed: no call made
            }
            save_run(tmp_path, record)
    versus = versus_design(tmp_path, "design", "default", [task], 3, DEFAULT_REFERENCE_DIR)
    assert versus is not None and versus["runs"] == 2  # seed 2 has no pair
    one = single_trial_regrets({"values": [best]}, reference)[0]
    other = single_trial_regrets({"values": [median]}, reference)[0]
    assert versus["trial_1"][0] == pytest.approx((one - other) / 2)  # seed 0 better, seed 1 level
    assert versus["best_of_5"][0] == pytest.approx(0.0)  # seed 0 better, seed 1 worse
    assert versus_design(tmp_path, "design", "absent", [task], 3, DEFAULT_REFERENCE_DIR) is None
