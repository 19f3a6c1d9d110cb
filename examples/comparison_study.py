"""Compare LLMGuidedSampler with Optuna's random search and TPE on two small tuning tasks.

A ten-minute, fully offline version of the benchmark suite (``python -m benchmarks.run``):
two scikit-learn tasks, one seed, 15 trials each, with the embedded local model. Run it
from the repository root::

    OMP_NUM_THREADS=1 python examples/comparison_study.py

It prints the best cross-validated accuracy after 5, 10 and 15 trials, the time spent
in the sampler (LLM included) per trial, and the LLM sampler's own statistics. Expect about ten
minutes, most of them in the embedded model: 597 s on two idle CPU cores with the default
model, where `llm` made 5 to 7 calls of about 30 s per task, `llm-hybrid` 4 to 5 and
`llm-prior` one. One seed on two tasks is an
illustration, not evidence: see docs/benchmarks.md for the full comparison with standard errors.
"""

from __future__ import annotations

import os


os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy / scikit-learn are imported
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no network at import

import argparse  # noqa: E402
import time  # noqa: E402
from typing import Callable  # noqa: E402
import warnings  # noqa: E402

import optuna  # noqa: E402
from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.datasets import load_wine  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402


SEED = 0
_fit_seconds = [0.0]  # time spent fitting models, so the sampler's own time can be told apart


def cv_accuracy(model: object, x_train: object, y_train: object) -> float:
    """Mean 5-fold cross-validated accuracy, timed."""
    start = time.perf_counter()
    score = float(cross_val_score(model, x_train, y_train, cv=5).mean())
    _fit_seconds[0] += time.perf_counter() - start
    return score


def svm_on_wine(trial: optuna.Trial) -> float:
    """5-fold CV accuracy of an RBF SVM on 80 % of the wine data."""
    x, y = load_wine(return_X_y=True)
    x_train, _, y_train, _ = train_test_split(x, y, test_size=0.2, random_state=0)
    model = SVC(
        kernel="rbf",
        C=trial.suggest_float("C", 1.0, 1e3, log=True),
        gamma=trial.suggest_float("gamma", 1e-4, 1e-3, log=True),
        tol=trial.suggest_float("tol", 1e-5, 1e-1, log=True),
        random_state=0,
    )
    return cv_accuracy(model, x_train, y_train)


def tree_on_breast_cancer(trial: optuna.Trial) -> float:
    """5-fold CV accuracy of a decision tree on 80 % of the breast-cancer data."""
    x, y = load_breast_cancer(return_X_y=True)
    x_train, _, y_train, _ = train_test_split(x, y, test_size=0.2, random_state=0)
    model = DecisionTreeClassifier(
        max_depth=trial.suggest_int("max_depth", 1, 15),
        max_features=trial.suggest_float("max_features", 0.01, 0.99, log=True),
        min_samples_leaf=trial.suggest_float("min_samples_leaf", 0.01, 0.49, log=True),
        min_samples_split=trial.suggest_float("min_samples_split", 0.01, 0.99, log=True),
        random_state=0,
    )
    return cv_accuracy(model, x_train, y_train)


TASKS: dict[str, tuple[Callable[[optuna.Trial], float], str]] = {
    "svm-wine": (
        svm_on_wine,
        "SVM classifier (RBF kernel) on the wine dataset (142 rows, 13 unscaled "
        "features, 3 classes); maximise 5-fold CV accuracy",
    ),
    "dt-breast_cancer": (
        tree_on_breast_cancer,
        "Decision tree classifier on the breast_cancer dataset "
        "(455 rows, 30 features, 2 classes); maximise 5-fold CV accuracy",
    ),
}


def make_sampler(name: str) -> optuna.samplers.BaseSampler:
    """Build a sampler by name, all with the same seed."""
    if name == "random":
        return optuna.samplers.RandomSampler(seed=SEED)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=SEED)
    from llm_guided_optuna import LLMGuidedSampler

    # The embedded local model: offline, no API key. "llm", "llm-hybrid" or "llm-prior".
    strategy = name.removeprefix("llm-") if name.startswith("llm-") else "llm"
    return LLMGuidedSampler(seed=SEED, strategy=strategy)


def run(
    task: str, sampler_name: str, n_trials: int
) -> tuple[list[float], float, optuna.samplers.BaseSampler]:
    """Best-so-far accuracies, and the seconds per trial spent outside model fitting."""
    objective, description = TASKS[task]
    sampler = make_sampler(sampler_name)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.set_user_attr("problem_type", "hyperparameter tuning of a classifier")
    study.set_user_attr("problem_description", description)
    _fit_seconds[0] = 0.0
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials, show_progress_bar=True)
    sampler_seconds = (time.perf_counter() - start - _fit_seconds[0]) / n_trials
    best, curve = float("-inf"), []
    for trial in study.trials:
        best = max(best, trial.value if trial.value is not None else best)
        curve.append(best)
    return curve, sampler_seconds, sampler


def main() -> None:
    """Run every sampler on every task and print one table."""
    parser = argparse.ArgumentParser(
        description="Compare LLMGuidedSampler with random search and TPE."
    )
    parser.add_argument("--trials", type=int, default=15, help="trials per study (default 15)")
    parser.add_argument(
        "--samplers",
        nargs="+",
        default=["random", "tpe", "llm", "llm-hybrid", "llm-prior"],
        help="random, tpe, llm, llm-hybrid, llm-prior (default: all five)",
    )
    args = parser.parse_args()
    checkpoints = sorted({min(c, args.trials) for c in (5, 10, args.trials)})
    optuna.logging.set_verbosity(
        optuna.logging.ERROR
    )  # keep the table readable; statistics follow it
    warnings.filterwarnings("ignore")
    samplers = list(args.samplers)
    try:
        from llm_guided_optuna import show_llm_progress
    except ImportError as error:
        print(f"LLMGuidedSampler unavailable ({error}); comparing random and TPE only.")
        samplers = [name for name in samplers if not name.startswith("llm")]
    else:
        show_llm_progress()  # on stderr, like the progress bars: the table stays on stdout

    header = f"{'task':<18}{'sampler':<11}" + "".join(
        f"{'best@' + str(c):>10}" for c in checkpoints
    )
    print(header + f"{'sampler s/trial':>17}")
    llm_lines = []
    for task in TASKS:
        for name in samplers:
            curve, seconds, sampler = run(task, name, args.trials)
            cells = "".join(f"{curve[c - 1]:>10.4f}" for c in checkpoints)
            print(f"{task:<18}{name:<11}{cells}{seconds:>17.3f}")
            if hasattr(sampler, "get_statistics"):
                stats = sampler.get_statistics()["sampler_stats"]
                llm_lines.append(
                    f"{task} {name}: {stats['llm_calls']} LLM calls, "
                    f"{stats['llm_seconds']:.1f} s in the LLM, "
                    f"success rate {stats['success_rate']:.0%}, "
                    f"{stats['optimizer_trials']} trials from the optimizer, "
                    f"{stats['fallback_uses']} failed proposals"
                )
    for line in llm_lines:
        print(line)


if __name__ == "__main__":
    main()
