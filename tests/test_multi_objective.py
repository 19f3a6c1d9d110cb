"""Multi-objective studies: the Pareto front and trade-off in the context, the fallback sampler,
and the hypervolume benchmark. The tests marked ``llm`` run studies on the real embedded model."""

from __future__ import annotations

import json
import math
from pathlib import Path
import warnings

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
import pytest

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna._prompt.context import MAX_FRONT_TRIALS
from llm_guided_optuna._prompt.context_builder import ContextBuilder
from llm_guided_optuna._prompt.render import messages_size
from llm_guided_optuna._prompt.render import render_messages
from llm_guided_optuna._prompt.render import SYSTEM_PROMPT
from llm_guided_optuna._trials import pareto_front
from llm_guided_optuna._trials import spread_sample
from llm_guided_optuna._trials import widest_gap
from tests.support.assertions import assert_all_params_valid


optuna.logging.set_verbosity(optuna.logging.WARNING)

SPACE = {
    "learning_rate": FloatDistribution(1e-5, 1e-1, log=True),
    "batch_size": IntDistribution(16, 256, step=16),
    "optimizer": CategoricalDistribution(["adam", "sgd"]),
}
DEAD_SERVER = {"model": "openai/unused", "api_base": "http://127.0.0.1:9/v1", "max_retries": 0}


def add(
    study: optuna.Study, values: list[float], batch_size: int = 16, **constraints: float
) -> None:
    study.add_trial(
        optuna.trial.create_trial(
            params={"learning_rate": 1e-3, "batch_size": batch_size, "optimizer": "adam"},
            distributions=SPACE,
            values=values,
            constraints=constraints or None,
        )
    )


def front_study(n_front: int, n_dominated: int = 0) -> optuna.Study:
    """Error (minimise) against accuracy-like throughput (maximise): trial i is (i, i) on the
    front."""
    study = optuna.create_study(directions=["minimize", "maximize"])
    for i in range(n_front):
        add(study, [float(i), float(i) ** 0.5], batch_size=16 * (1 + i % 16))
    for i in range(n_dominated):
        add(study, [float(i) + 0.5, -1.0])
    return study


# ------------------------------------------------------------------------- Pareto helpers


def test_pareto_front_matches_optuna_with_ties_and_both_directions() -> None:
    rng = np.random.default_rng(0)
    for directions in (["minimize", "maximize"], ["maximize", "maximize", "minimize"]):
        study = optuna.create_study(directions=directions)
        for values in rng.integers(0, 6, size=(60, len(directions))).astype(float):
            add(study, list(values))
        ours = sorted(t.number for t in pareto_front(study.trials, directions))
        assert ours == sorted(t.number for t in study.best_trials)


def test_spread_sample_is_capped_and_keeps_both_ends_of_the_front() -> None:
    study = front_study(40)
    front = pareto_front(study.trials, ["minimize", "maximize"])
    sample = spread_sample(front, ["minimize", "maximize"], 6)
    assert len(front) == 40 and len(sample) == 6
    numbers = [t.number for t in sample]
    assert numbers[0] == 0 and numbers[-1] == 39  # best error, best throughput
    assert numbers == sorted(numbers)  # ordered along the front


def test_widest_gap_names_the_two_neighbours_around_it() -> None:
    study = optuna.create_study(directions=["minimize", "minimize"])
    for values in ([0.0, 10.0], [1.0, 9.0], [2.0, 8.0], [9.0, 1.0], [10.0, 0.0]):
        add(study, values)
    first, second = widest_gap(study.trials, ["minimize", "minimize"])
    assert (first.number, second.number) == (2, 3)
    assert widest_gap(study.trials[:1], ["minimize", "minimize"]) is None


# ------------------------------------------------------------------------- context and prompt


def test_context_shows_a_bounded_spread_of_the_front_and_the_trade_off() -> None:
    study = front_study(30, n_dominated=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(["error", "throughput"])
    context = ContextBuilder().build(study, SPACE)
    assert len(context.best_trials) == MAX_FRONT_TRIALS
    assert {0, 29} <= {t.number for t in context.best_trials}
    trade_off = context.trade_off
    assert trade_off is not None and trade_off.front_size == 30
    assert trade_off.ranges == [[0.0, 29.0], [math.sqrt(29.0), 0.0]]
    assert trade_off.extremes == [0, 29]
    assert len(trade_off.widest_gap) == 2
    assert context.progress.front_size == 30 and context.progress.best_value is None

    system, user = (m["content"] for m in render_messages(context, n_configurations=3))
    assert 'objective 0 ("error"): minimize, objective 1 ("throughput"): maximize' in user
    assert f"## Pareto front (best trade-offs; {MAX_FRONT_TRIALS} of 30, spread along it)" in user
    assert "## Trade-off so far" in user and "Widest gap of the front, between:" in user
    assert "Pareto front: 30 trials; the newest joined it 10 trials ago." in user
    assert "Aim at the gaps of the Pareto front" not in user  # 10 trials without a new front trial
    assert "The Pareto front has stopped growing" in user
    assert "## Best trials" not in user and "Best value" not in user
    assert "## Constraints" not in user and "Trials report constraint values" not in system


def test_a_growing_front_asks_for_its_gaps() -> None:
    study = front_study(8)
    context = ContextBuilder().build(study, SPACE)
    assert context.progress.phase == "improving" and context.progress.trials_since_improvement == 0
    user = render_messages(context)[1]["content"]
    assert "Aim at the gaps of the Pareto front" in user


def test_multi_objective_prompt_size_is_bounded_whatever_the_front() -> None:
    sizes = []
    for n in (10, 200, 2000):
        study = front_study(n)  # every trial is on the front
        sizes.append(
            messages_size(
                render_messages(ContextBuilder(max_context_trials=10).build(study, SPACE))
            )
        )
    assert max(sizes) < 4500
    assert sizes[2] - sizes[1] < 100  # flat in the history


def test_unconstrained_single_objective_prompt_has_no_front_or_constraint_text() -> None:
    study = optuna.create_study()
    for i in range(5):
        study.add_trial(
            optuna.trial.create_trial(
                params={"learning_rate": 1e-3, "batch_size": 16 * (i + 1), "optimizer": "adam"},
                distributions=SPACE,
                value=float(i),
            )
        )
    study.set_user_attr("constraints", ["memory < 2 GB"])
    system, user = (m["content"] for m in render_messages(ContextBuilder().build(study, SPACE)))
    assert system == SYSTEM_PROMPT
    assert '"constraints": [\n  "memory < 2 GB"\n ]' in user  # still in the quoted problem block
    for text in ("## Constraints", "Pareto", "Trade-off", "feasible"):
        assert text not in user


# ------------------------------------------------------------------------- fallback sampler


def objective_two(trial: optuna.Trial) -> tuple[float, float]:
    x = trial.suggest_float("x", 0.0, 1.0)
    y = trial.suggest_float("y", 0.0, 1.0)
    return x, (1.0 - x) ** 2 + y


@pytest.mark.parametrize(
    ("strategy", "optimizer"),
    [
        ("llm", optuna.samplers.TPESampler),
        ("hybrid", optuna.samplers.GPSampler),
        ("prior", optuna.samplers.GPSampler),
    ],
)
def test_multi_objective_fallback_is_a_multi_objective_sampler(
    strategy: str, optimizer: type
) -> None:
    """With the LLM switched off the sampler is exactly its default fallback (MOTPE, or GP with
    logEHVI), seen past that sampler's random initial design."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampler = LLMGuidedSampler(seed=3, strategy=strategy, max_llm_calls=0, **DEAD_SERVER)
        gp = getattr(sampler.optimizer, "first", sampler.optimizer)  # past a TPE handover
        assert isinstance(gp, optimizer)
        n_startup = gp._n_startup_trials
        expected = optimizer(seed=3, n_startup_trials=n_startup)
        ours = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
        ours.optimize(objective_two, n_trials=n_startup + 3)
        theirs = optuna.create_study(directions=["minimize", "minimize"], sampler=expected)
        theirs.optimize(objective_two, n_trials=n_startup + 3)
    assert [t.params for t in ours.trials] == [t.params for t in theirs.trials]
    assert all(t.user_attrs.get("llm_source") == "optimizer" for t in ours.trials[1:])


# ------------------------------------------------------------------------- benchmark


def test_hypervolume_matches_optuna() -> None:
    from optuna._hypervolume import compute_hypervolume

    from benchmarks.experiments.multiobjective import hypervolume_2d

    rng = np.random.default_rng(1)
    for _ in range(20):
        points = rng.uniform(0, 1.2, size=(15, 2))
        inside = points[(points < 1.0).all(axis=1)]
        expected = compute_hypervolume(inside, np.array([1.0, 1.0])) if len(inside) else 0.0
        assert hypervolume_2d([tuple(p) for p in points]) == pytest.approx(expected)


def test_benchmark_runs_summarise_and_render(tmp_path: Path) -> None:
    from benchmarks.core.runner import load_run
    from benchmarks.core.runner import save_run
    from benchmarks.experiments.multiobjective import get_task
    from benchmarks.experiments.multiobjective import run_one
    from benchmarks.experiments.multiobjective import write_results
    from benchmarks.report.render_multiobjective import multiobjective_section

    assert multiobjective_section(tmp_path / "missing.json") == ""
    tasks = ["rf-wine-size", "rf-wine-nodes20"]
    for task in tasks:
        for seed in (0, 1):
            save_run(tmp_path, run_one(get_task(task), "nsga2-p10", seed, 3))
    record = load_run(tmp_path, "rf-wine-size", "nsga2-p10", 0, 3)
    assert record is not None and len(record["hypervolume"]) == 3
    assert (
        record["hypervolume"] == sorted(record["hypervolume"])
        and 0.0 <= record["hypervolume"][-1] <= 1.0
    )
    constrained = load_run(tmp_path, "rf-wine-nodes20", "nsga2-p10", 1, 3)
    assert constrained["feasible"] == [v[1] <= 20 for v in constrained["values"]]

    results = write_results(
        tmp_path / "out.json", tasks, ["nsga2-p10", "tpe"], 2, 3, tmp_path, "cmd"
    )
    assert set(results["constrained"]["rf-wine-nodes20"]) == {"nsga2-p10"}  # tpe has no cached run
    assert json.loads((tmp_path / "out.json").read_text())["n_trials"] == 3
    section = multiobjective_section(tmp_path / "out.json")
    assert "### Two objectives: accuracy vs model size" in section
    assert "| `nsga2-p10` | 2: 0–1 |" in section and "### Constrained: rf-wine-nodes20" in section
    assert "| `tpe` |" not in section


# ------------------------------------------------------------------------- embedded model


def recorded_prompts(directory: Path) -> list[str]:
    return [
        json.loads(p.read_text())["request"]["messages"][1]["content"]
        for p in sorted(directory.glob("*.json"))
    ]


@pytest.mark.llm
def test_multi_objective_study_on_the_embedded_model(tmp_path: Path) -> None:
    sampler = LLMGuidedSampler(seed=4, strategy="llm", cache_dir=tmp_path)
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(["validation_error", "latency_ms"])
    study.set_user_attr(
        "problem_description", "Trade the error of a small CNN against its latency"
    )

    def objective(trial: optuna.Trial) -> tuple[float, float]:
        width = trial.suggest_int("width", 8, 256, log=True)
        lr = trial.suggest_float("learning_rate", 1e-4, 1e-1, log=True)
        error = 0.1 + 2.0 / width + (math.log10(lr) + 2.5) ** 2 / 10
        return error, 0.05 * width

    study.optimize(objective, n_trials=8)
    assert len(study.trials) == 8 and all(t.state.name == "COMPLETE" for t in study.trials)
    assert_all_params_valid(study)
    assert any(t.user_attrs.get("llm_source") == "llm" for t in study.trials)
    prompts = recorded_prompts(tmp_path)
    assert prompts and any("## Pareto front" in p and "## Trade-off so far" in p for p in prompts)
    assert all('"validation_error"' in p for p in prompts)
