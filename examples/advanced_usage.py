"""Advanced usage: domain knowledge, constraints, the hybrid strategy, budgets, replay, statistics.

Runs offline on the embedded model::

    python examples/advanced_usage.py
    python examples/advanced_usage.py --model gpt-4o-mini              # OPENAI_API_KEY set
    python examples/advanced_usage.py --model ollama/llama3.1 --api-base http://localhost:11434

Switching to a hosted model or Ollama is this one argument; nothing else changes.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile

import optuna

from llm_guided_optuna import Hybrid
from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings
from llm_guided_optuna import show_llm_progress


def resnet_on_cifar10(trial: optuna.Trial) -> float:
    """A stand-in for training ResNet-18 on CIFAR-10: validation accuracy (to maximise)."""
    lr = trial.suggest_float("learning_rate", 1e-4, 1.0, log=True)
    momentum = trial.suggest_float("momentum", 0.5, 0.99)
    weight_decay = trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True)
    batch_size = trial.suggest_categorical("batch_size", [32, 64, 128, 256, 512])
    augmentation = trial.suggest_categorical(
        "augmentation", ["none", "flip", "flip+crop", "autoaugment"]
    )
    accuracy = 0.93
    accuracy -= 0.02 * (math.log10(lr) - math.log10(0.1)) ** 2
    accuracy -= 0.3 * (momentum - 0.9) ** 2
    accuracy -= 0.004 * (math.log10(weight_decay) - math.log10(5e-4)) ** 2
    accuracy -= 0.01 * abs(math.log2(batch_size) - 7)
    accuracy -= {"none": 0.06, "flip": 0.03, "flip+crop": 0.0, "autoaugment": 0.005}[augmentation]
    return max(0.1, accuracy)


def main() -> None:
    parser = argparse.ArgumentParser(description="Advanced features of LLMGuidedSampler.")
    parser.add_argument(
        "--model", default=None, help="a LiteLLM model string; default: the embedded model"
    )
    parser.add_argument(
        "--api-base", default=None, help="base URL of an OpenAI-compatible server or Ollama"
    )
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    show_llm_progress()  # model loading and each LLM call, while Optuna's trial lines stay hidden

    cache_dir = tempfile.mkdtemp(prefix="llm-optuna-replay-")
    sampler = LLMGuidedSampler(
        model=args.model,
        llm=LLMSettings(api_base=args.api_base),
        # The LLM warm-starts 4 trials, then advises a GP/TPE optimizer on 30 % of the trials.
        strategy=Hybrid(warm_start_trials=4, share=0.3),
        max_llm_calls=15,  # a budget: afterwards the optimizer carries on alone
        cache_dir=cache_dir,  # every exchange recorded: rerun with it to replay exactly
        seed=0,
    )
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.set_user_attr("problem_type", "neural_network_training")
    study.set_user_attr("problem_description", "ResNet-18 training on CIFAR-10 with SGD")
    study.set_user_attr("constraints", ["training_time < 2 hours", "memory_usage < 8GB"])
    study.set_user_attr(
        "domain_knowledge",
        {
            "dataset": "CIFAR-10",
            "model_architecture": "ResNet-18",
            "expected_accuracy": "85-92%",
            "notes": "SGD with momentum 0.9 and learning rate around 0.1 is the usual recipe",
        },
    )
    study.optimize(resnet_on_cifar10, n_trials=args.trials, show_progress_bar=True)

    print(f"Best accuracy {study.best_value:.4f} with {json.dumps(study.best_params)}")
    stats = sampler.get_statistics()
    print(json.dumps(stats, indent=2, default=str))
    print("Trials proposed by the LLM, with its reasons:")
    for trial in study.trials:
        if trial.user_attrs.get("llm_source") == "llm":
            print(
                f"  #{trial.number} {trial.value:.4f}  {trial.user_attrs.get('llm_rationale', '')}"
            )
    print(f"Exchanges recorded for replay in {cache_dir}")


if __name__ == "__main__":
    main()
