"""The demo: tune a simulated CNN on the default embedded model (``llm-optuna demo``).

The objective is a fast synthetic stand-in for training a CNN on an image classification
task: the validation error depends on the learning rate (best near 3e-3, on a log scale), the
batch size, the dropout rate and the optimizer the way real training curves tend to, plus a
little deterministic noise.

Example:
    >>> round(simulated_cnn_error(3e-3, 64, 0.25, "adam"), 2)
    0.08
"""

from __future__ import annotations

from collections import Counter
import math
import time

import optuna

from llm_guided_optuna._logging import show_llm_progress
from llm_guided_optuna.sampler import LLMGuidedSampler
from llm_guided_optuna.strategies import DEFAULT_STRATEGY


def simulated_cnn_error(learning_rate: float, batch_size: int, dropout: float, optimizer: str) -> float:
    """Validation error (1 - accuracy) of a simulated CNN: lower is better."""
    lr_term = 0.08 * (math.log10(learning_rate) - math.log10(3e-3)) ** 2
    batch_term = 0.03 * (math.log2(batch_size) - math.log2(64)) ** 2
    dropout_term = 0.4 * (dropout - 0.25) ** 2
    optimizer_term = {"adam": 0.0, "sgd": 0.03, "rmsprop": 0.015}[optimizer]
    noise = 0.005 * math.sin(1e3 * learning_rate + batch_size + 10 * dropout)
    accuracy = 0.92 - lr_term - batch_term - dropout_term - optimizer_term + noise
    return 1.0 - max(0.1, min(accuracy, 0.99))


def cnn_objective(trial: optuna.Trial) -> float:
    """The demo's objective: four hyperparameters of the simulated CNN."""
    learning_rate = trial.suggest_float("learning_rate", 1e-5, 1e-1, log=True)
    batch_size = trial.suggest_int("batch_size", 16, 256, step=16)
    dropout = trial.suggest_float("dropout", 0.0, 0.5)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"])
    return simulated_cnn_error(learning_rate, batch_size, dropout, optimizer)


def summary_lines(study: optuna.Study, sampler: LLMGuidedSampler, elapsed: float) -> list[str]:
    """What the demo prints: best result, parameters and the sampler's statistics."""
    stats = sampler.get_statistics()["sampler_stats"]
    sources = Counter(str(t.user_attrs.get("llm_source", "?")) for t in study.trials)
    failures = ", ".join(f"{kind} {count}" for kind, count in sorted(stats["failures"].items())) or "none"
    lines = [
        f"Finished {len(study.trials)} trials in {elapsed:.1f} s with {sampler.model_name}",
        f"Strategy: {sampler.strategy} (optimizer: {type(sampler.fallback_sampler).__name__})",
        f"Best error: {study.best_value:.4f} (accuracy {1 - study.best_value:.2%})",
        "Best parameters:",
        *[f"  {name}: {value}" for name, value in study.best_params.items()],
        "Sampler statistics:",
        f"  Trials by source: {', '.join(f'{s} {n}' for s, n in sorted(sources.items()))}",
        f"  LLM calls:        {stats['llm_calls']} (average {stats['average_llm_time']:.1f} s)",
        f"  Success rate:     {stats['success_rate']:.0%} of {stats['proposals_requested']} trials the LLM was asked for",
        f"  Failed proposals: {failures} (fallback uses: {stats['fallback_uses']})",
        f"  Clamped values:   {stats['clamped_values']}",
        f"  Tokens:           {stats['prompt_tokens']} prompt, {stats['completion_tokens']} completion",
    ]
    return lines


def run_demo(
    n_trials: int = 20,
    model: str | None = None,
    seed: int = 42,
    strategy: str = DEFAULT_STRATEGY,
    show_progress: bool = True,
) -> tuple[optuna.Study, LLMGuidedSampler, float]:
    """Run the demo study; returns the study, the sampler and the seconds it took.

    With ``show_progress`` Optuna's progress bar and the sampler's INFO lines (model loading,
    each LLM call) are shown; Optuna's per-trial lines are not.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    show_llm_progress(show_progress)
    sampler = LLMGuidedSampler(model=model, temperature=0.3, seed=seed, strategy=strategy)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    study.set_user_attr("problem_type", "neural_network_training")
    study.set_user_attr("problem_description", "CNN optimization for image classification")
    started = time.perf_counter()
    study.optimize(cnn_objective, n_trials=n_trials, show_progress_bar=show_progress)
    return study, sampler, time.perf_counter() - started
