"""Basic usage: tune a real classifier with the LLM-guided sampler on the embedded model.

Run it with ``python examples/basic_usage.py`` (``bash scripts/demo.sh`` sets up and runs it).
The study tunes scikit-learn's RBF support vector classifier on the handwritten digits that ship
with scikit-learn (``C`` and ``gamma``, log-scaled, 3-fold cross-validated accuracy). No API key
and no network are needed: with no ``model`` argument the sampler starts the best embedded model
installed (Qwen2.5-Coder-1.5B after ``bash scripts/setup.sh``) in-process. Its one warm-start
call is logged when it starts, while it waits and when it ends, and the summary shows what the
LLM proposed. To use a hosted model instead, pass e.g. ``--model gpt-4o-mini`` (and set
``OPENAI_API_KEY``).

``--compare`` also runs Optuna's default sampler (TPE) on the same budget and saves both
best-so-far curves to ``--plot`` (default ``demo_best_so_far.png``).

``--related`` then shows what worked before: it keeps an earlier, finished study in the
storage (the same SVC on scikit-learn's iris, tuned by TPE in a second or two), runs the study
again with ``related_studies=["svc-iris"]``, and prints the LLM's proposal without and with it,
what the LLM says it used, and both best values, whichever is better (one more LLM call).
"""

from __future__ import annotations

import argparse

import optuna

from llm_guided_optuna.cli.demo import EARLIER_STUDY
from llm_guided_optuna.cli.demo import plot_best_so_far
from llm_guided_optuna.cli.demo import related_lines
from llm_guided_optuna.cli.demo import run_demo
from llm_guided_optuna.cli.demo import run_earlier_study
from llm_guided_optuna.cli.demo import run_optuna_default
from llm_guided_optuna.cli.demo import summary_lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Tune an SVC on scikit-learn's digits with the LLM-guided sampler."
    )
    parser.add_argument("--trials", type=int, default=30, help="number of trials (default 30)")
    parser.add_argument(
        "--model", default=None, help="a LiteLLM model string; default: the embedded model"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also run Optuna's default sampler on the same budget and plot both",
    )
    parser.add_argument(
        "--plot", default="demo_best_so_far.png", help="where --compare saves its plot"
    )
    parser.add_argument(
        "--related",
        action="store_true",
        help="also run with an earlier study (the same SVC on iris) as related_studies",
    )
    args = parser.parse_args()

    study, sampler, elapsed = run_demo(args.trials, args.model, args.seed)
    print("\n".join(summary_lines(study, sampler, elapsed)))
    if args.compare:
        baseline, baseline_elapsed = run_optuna_default(args.trials, args.seed)
        print(
            f"Optuna's default sampler (TPESampler): best value {baseline.best_value:.4f} "
            f"(trial {baseline.best_trial.number}) in {baseline_elapsed:.1f} s"
        )
        path = plot_best_so_far(
            {"LLMGuidedSampler": study, "Optuna default (TPE)": baseline}, args.plot
        )
        print(f"Best-so-far plot: {path}")
    if args.related:
        storage = optuna.storages.InMemoryStorage()
        earlier = run_earlier_study(storage, seed=args.seed)
        with_related, _, _ = run_demo(
            args.trials,
            args.model,
            args.seed,
            storage=storage,
            related_studies=[EARLIER_STUDY],
            study_name="svc-digits",
        )
        print("\n".join(related_lines(study, with_related, earlier)))


if __name__ == "__main__":
    main()
