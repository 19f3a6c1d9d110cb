"""Basic usage: tune a (simulated) CNN with the LLM-guided sampler on the embedded model.

Run it with ``python examples/basic_usage.py``. No API key and no network are needed: with no
``model`` argument the sampler starts the embedded SmolLM2-135M-Instruct model in-process.
To use a hosted model instead, pass e.g. ``model="gpt-4o-mini"`` (and set ``OPENAI_API_KEY``).

The objective is a fast synthetic stand-in for training a CNN on an image classification
task: the validation error depends on the learning rate (best near 3e-3 on a log scale), the
batch size, the dropout rate and the optimizer the way real training curves tend to, plus a
little deterministic noise.
"""

from __future__ import annotations

import argparse
import math
import time

import optuna

from llm_guided_optuna import LLMGuidedSampler


def simulated_cnn_error(learning_rate: float, batch_size: int, dropout: float, optimizer: str) -> float:
    """Validation error (1 - accuracy) of a simulated CNN: lower is better."""
    lr_term = 0.08 * (math.log10(learning_rate) - math.log10(3e-3)) ** 2
    batch_term = 0.03 * (math.log2(batch_size) - math.log2(64)) ** 2
    dropout_term = 0.4 * (dropout - 0.25) ** 2
    optimizer_term = {"adam": 0.0, "sgd": 0.03, "rmsprop": 0.015}[optimizer]
    noise = 0.005 * math.sin(1e3 * learning_rate + batch_size + 10 * dropout)
    accuracy = 0.92 - lr_term - batch_term - dropout_term - optimizer_term + noise
    return 1.0 - max(0.1, min(accuracy, 0.99))


def objective(trial: optuna.Trial) -> float:
    learning_rate = trial.suggest_float("learning_rate", 1e-5, 1e-1, log=True)
    batch_size = trial.suggest_int("batch_size", 16, 256, step=16)
    dropout = trial.suggest_float("dropout", 0.0, 0.5)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"])
    return simulated_cnn_error(learning_rate, batch_size, dropout, optimizer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20, help="number of trials (default 20)")
    parser.add_argument("--model", default=None, help="a LiteLLM model string; default: the embedded model")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = LLMGuidedSampler(model=args.model, temperature=0.3, seed=args.seed)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    study.set_user_attr("problem_type", "neural_network_training")
    study.set_user_attr("problem_description", "CNN optimization for image classification")

    started = time.perf_counter()
    study.optimize(objective, n_trials=args.trials)
    elapsed = time.perf_counter() - started

    stats = sampler.get_statistics()["sampler_stats"]
    print(f"Finished {len(study.trials)} trials in {elapsed:.1f} s with {sampler.model_name}")
    print(f"Best error: {study.best_value:.4f} (accuracy {1 - study.best_value:.2%})")
    print("Best parameters:")
    for name, value in study.best_params.items():
        print(f"  {name}: {value}")
    print("Sampler statistics:")
    print(f"  Success rate:     {stats['success_rate']:.2%}")
    print(f"  Average LLM time: {stats['average_llm_time']:.2f} s")
    print(f"  Fallback uses:    {stats['fallback_uses']}")
    print(f"  LLM calls:        {stats['llm_calls']}")
    print(f"  Failures:         {stats['failures'] or 'none'}")
    print(f"  Clamped values:   {stats['clamped_values']}")
    print(f"  Tokens:           {stats['prompt_tokens']} prompt, {stats['completion_tokens']} completion")
    sources = [t.user_attrs.get("llm_source", "?") for t in study.trials]
    print(f"  Trial sources:    {', '.join(f'{s}={sources.count(s)}' for s in sorted(set(sources)))}")


if __name__ == "__main__":
    main()
