"""Basic usage: tune a (simulated) CNN with the LLM-guided sampler on the embedded model.

Run it with ``python examples/basic_usage.py``. No API key and no network are needed: with no
``model`` argument the sampler starts the best embedded model installed (Qwen2.5-Coder-1.5B
after ``bash scripts/setup.sh``) in-process. Its one warm-start call takes about a minute on
two CPU cores; the progress bar and the sampler's lines show it working. To use a hosted model
instead, pass e.g. ``--model gpt-4o-mini`` (and set ``OPENAI_API_KEY``).

The objective is a fast synthetic stand-in for training a CNN (see
``llm_guided_optuna.demo.simulated_cnn_error``); replace it with your training code.
"""

from __future__ import annotations

import argparse
import time

import optuna

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import show_llm_progress
from llm_guided_optuna.demo import simulated_cnn_error
from llm_guided_optuna.demo import summary_lines


def objective(trial: optuna.Trial) -> float:
    learning_rate = trial.suggest_float("learning_rate", 1e-5, 1e-1, log=True)
    batch_size = trial.suggest_int("batch_size", 16, 256, step=16)
    dropout = trial.suggest_float("dropout", 0.0, 0.5)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"])
    return simulated_cnn_error(learning_rate, batch_size, dropout, optimizer)  # your training here


def main() -> None:
    parser = argparse.ArgumentParser(description="Tune a simulated CNN with the LLM-guided sampler.")
    parser.add_argument("--trials", type=int, default=20, help="number of trials (default 20)")
    parser.add_argument("--model", default=None, help="a LiteLLM model string; default: the embedded model")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no line per trial: the progress bar instead
    show_llm_progress()  # but say when the model loads and what each LLM call does
    sampler = LLMGuidedSampler(model=args.model, temperature=0.3, seed=args.seed)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    study.set_user_attr("problem_type", "neural_network_training")
    study.set_user_attr("problem_description", "CNN optimization for image classification")

    started = time.perf_counter()
    study.optimize(objective, n_trials=args.trials, show_progress_bar=True)
    print("\n".join(summary_lines(study, sampler, time.perf_counter() - started)))


if __name__ == "__main__":
    main()
