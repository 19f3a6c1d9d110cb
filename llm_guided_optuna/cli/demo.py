"""The demo: tune a real classifier on the default embedded model (``llm-optuna demo``).

The demo's study tunes scikit-learn's RBF support vector classifier (``SVC``) on the 8x8
handwritten digits that ship with scikit-learn (``load_digits``: 1,797 images, 10 classes):
``C`` and ``gamma`` on log scales, scored by 3-fold cross-validated accuracy (higher is better).
scikit-learn is the ``demo`` extra (``pip install "llm-guided-optuna[demo]"``; ``bash
scripts/setup.sh`` installs it). :func:`simulated_cnn_error` stays as a fast synthetic objective
for the examples that need thousands of cheap trials (``examples/scale_out.py``).

Example:
    >>> round(simulated_cnn_error(3e-3, 64, 0.25, "adam"), 2)
    0.08
    >>> best_so_far([0.5, 0.9, 0.7, 0.95], maximize=True)
    [0.5, 0.9, 0.9, 0.95]
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
import math
from pathlib import Path
import time
from typing import Any

import optuna
from optuna.trial import TrialState

from llm_guided_optuna import LLMSettings
from llm_guided_optuna._imports import import_optional
from llm_guided_optuna._logging import show_llm_progress
from llm_guided_optuna._sampler.sampler import LLMGuidedSampler
from llm_guided_optuna._sampler.strategies import DEFAULT_STRATEGY
from llm_guided_optuna.cli.explain import best_so_far
from llm_guided_optuna.exceptions import DemoUnavailableError


SKLEARN_MISSING = (
    'the demo trains a scikit-learn model: pip install "llm-guided-optuna[demo]" '
    "(or bash scripts/setup.sh)"
)
MATPLOTLIB_MISSING = 'the plot needs matplotlib: pip install "llm-guided-optuna[plot]"'
#: What the demo tells the LLM about its problem (``study.user_attrs``).
DEMO_PROBLEM_TYPE = "classification"
DEMO_PROBLEM_DESCRIPTION = (
    "RBF-kernel support vector classifier (scikit-learn SVC) on the 8x8 handwritten digits "
    "(1,797 images, 64 pixel features, each an integer from 0 to 16, 10 classes); "
    "objective: 3-fold cross-validated accuracy, to maximize"
)


#: The earlier, finished study that ``--related`` keeps in the storage: the same SVC on another
#: dataset that ships with scikit-learn.
EARLIER_STUDY = "svc-iris"
EARLIER_DESCRIPTION = (
    "RBF-kernel support vector classifier (scikit-learn SVC) on the iris flowers (150 rows, "
    "4 features in cm, 3 classes); objective: 3-fold cross-validated accuracy, to maximize"
)


@lru_cache(maxsize=2)
def _dataset(name: str) -> tuple[Any, Any]:
    """A dataset that ships with scikit-learn (``digits``: pixels 0 to 16; ``iris``), loaded
    once per process."""
    datasets = import_optional("sklearn.datasets", DemoUnavailableError, SKLEARN_MISSING)
    features, labels = getattr(datasets, f"load_{name}")(return_X_y=True)
    return features, labels


def _digits() -> tuple[Any, Any]:
    """The digits' pixels (0 to 16, as scikit-learn ships them) and labels."""
    return _dataset("digits")


def digits_svc_accuracy(C: float, gamma: float, folds: int = 3, dataset: str = "digits") -> float:
    """3-fold cross-validated accuracy of ``SVC(C=C, gamma=gamma)`` on scikit-learn's digits
    (or another of its bundled ``dataset``).

    Deterministic: the folds are scikit-learn's stratified ones, without shuffling.

    Example:
        >>> round(digits_svc_accuracy(10.0, 0.001), 3)  # doctest: +SKIP
        0.976
    """
    model_selection = import_optional(
        "sklearn.model_selection", DemoUnavailableError, SKLEARN_MISSING
    )
    svm = import_optional("sklearn.svm", DemoUnavailableError, SKLEARN_MISSING)
    features, labels = _dataset(dataset)
    model = svm.SVC(C=C, gamma=gamma)
    return float(model_selection.cross_val_score(model, features, labels, cv=folds).mean())


def svc_objective(trial: optuna.Trial) -> float:
    """The demo's objective: ``C`` in [1e-3, 1e3] and ``gamma`` in [1e-5, 10], both log-scaled."""
    C = trial.suggest_float("C", 1e-3, 1e3, log=True)
    gamma = trial.suggest_float("gamma", 1e-5, 10.0, log=True)
    return digits_svc_accuracy(C, gamma)


def simulated_cnn_error(
    learning_rate: float, batch_size: int, dropout: float, optimizer: str
) -> float:
    """Validation error (1 - accuracy) of a simulated CNN: lower is better.

    A fast synthetic stand-in for training (best near a learning rate of 3e-3 on a log scale,
    a batch of 64, a dropout of 0.25 and Adam), with a little deterministic noise.
    """
    lr_term = 0.08 * (math.log10(learning_rate) - math.log10(3e-3)) ** 2
    batch_term = 0.03 * (math.log2(batch_size) - math.log2(64)) ** 2
    dropout_term = 0.4 * (dropout - 0.25) ** 2
    optimizer_term = {"adam": 0.0, "sgd": 0.03, "rmsprop": 0.015}[optimizer]
    noise = 0.005 * math.sin(1e3 * learning_rate + batch_size + 10 * dropout)
    accuracy = 0.92 - lr_term - batch_term - dropout_term - optimizer_term + noise
    return 1.0 - max(0.1, min(accuracy, 0.99))


def cnn_objective(trial: optuna.Trial) -> float:
    """Four hyperparameters of the simulated CNN (:func:`simulated_cnn_error`), to minimize."""
    learning_rate = trial.suggest_float("learning_rate", 1e-5, 1e-1, log=True)
    batch_size = trial.suggest_int("batch_size", 16, 256, step=16)
    dropout = trial.suggest_float("dropout", 0.0, 0.5)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"])
    return simulated_cnn_error(learning_rate, batch_size, dropout, optimizer)


def summary_lines(study: optuna.Study, sampler: LLMGuidedSampler, elapsed: float) -> list[str]:
    """What the demo prints: best result, parameters and the sampler's statistics."""
    stats = sampler.get_statistics()["sampler_stats"]
    sources = Counter(str(t.user_attrs.get("llm_source", "?")) for t in study.trials)
    failures = (
        ", ".join(f"{kind} {count}" for kind, count in sorted(stats["failures"].items())) or "none"
    )
    first = next((t for t in study.trials if t.user_attrs.get("llm_source") == "llm"), None)
    lines = [
        f"Finished {len(study.trials)} trials in {elapsed:.1f} s with {sampler.model_name}",
        f"Strategy: {sampler.strategy} (optimizer: {sampler.optimizer})",
    ]
    if first is not None:
        proposal = ", ".join(
            f"{name}={value:.4g}" if isinstance(value, float) else f"{name}={value}"
            for name, value in first.params.items()
        )
        lines.append(f"LLM's proposal (trial {first.number}): {proposal} -> {first.value:.4f}")
        if first.user_attrs.get("llm_rationale"):
            lines.append(f"  its reason: {first.user_attrs['llm_rationale']}")
    lines += [
        f"Best value: {study.best_value:.4f} (trial {study.best_trial.number})",
        "Best parameters:",
        *[
            f"  {name}: {value:.4g}" if isinstance(value, float) else f"  {name}: {value}"
            for name, value in study.best_params.items()
        ],
        "Sampler statistics:",
        f"  Trials by source: {', '.join(f'{s} {n}' for s, n in sorted(sources.items()))}",
        f"  LLM calls:        {stats['llm_calls']} (average {stats['average_llm_time']:.1f} s)",
        f"  Success rate:     {stats['success_rate']:.0%} of {stats['proposals_requested']} "
        "trials the LLM was asked for",
        f"  Failed proposals: {failures} (fallback uses: {stats['fallback_uses']})",
        f"  Clamped values:   {stats['clamped_values']}",
        f"  Tokens:           {stats['prompt_tokens']} prompt, "
        f"{stats['completion_tokens']} completion",
    ]
    return lines


def run_demo(
    n_trials: int = 30,
    model: str | None = None,
    seed: int = 42,
    strategy: str = DEFAULT_STRATEGY,
    show_progress: bool = True,
    *,
    storage: optuna.storages.BaseStorage | None = None,
    related_studies: list[str] | None = None,
    study_name: str = "llm-guided",
) -> tuple[optuna.Study, LLMGuidedSampler, float]:
    """Run the demo study (:func:`svc_objective`); returns the study, the sampler and its seconds.

    With ``show_progress`` Optuna's progress bar and the sampler's INFO lines (model loading,
    each LLM call) are shown; Optuna's per-trial lines are not. ``related_studies`` names
    earlier studies of ``storage`` that the LLM is shown (:func:`run_earlier_study`).

    Raises:
        DemoUnavailableError: scikit-learn is not installed.
    """
    _digits()  # Say that scikit-learn is missing before the model loads.
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    show_llm_progress(show_progress)
    sampler = LLMGuidedSampler(
        model=model,
        seed=seed,
        strategy=strategy,
        llm=LLMSettings(temperature=0.3),
        related_studies=related_studies,
    )
    study = optuna.create_study(
        direction="maximize", sampler=sampler, study_name=study_name, storage=storage
    )
    study.set_user_attr("problem_type", DEMO_PROBLEM_TYPE)
    study.set_user_attr("problem_description", DEMO_PROBLEM_DESCRIPTION)
    started = time.perf_counter()
    study.optimize(svc_objective, n_trials=n_trials, show_progress_bar=show_progress)
    return study, sampler, time.perf_counter() - started


def run_earlier_study(
    storage: optuna.storages.BaseStorage, n_trials: int = 20, seed: int = 42
) -> optuna.Study:
    """The earlier, finished study that ``--related`` keeps in ``storage``: the demo's SVC on
    iris (:data:`EARLIER_STUDY`), tuned by Optuna's TPE (no LLM; a second or two)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        study_name=EARLIER_STUDY,
        storage=storage,
    )
    study.set_user_attr("problem_type", DEMO_PROBLEM_TYPE)
    study.set_user_attr("problem_description", EARLIER_DESCRIPTION)

    def objective(trial: optuna.Trial) -> float:
        C = trial.suggest_float("C", 1e-3, 1e3, log=True)
        gamma = trial.suggest_float("gamma", 1e-5, 10.0, log=True)
        return digits_svc_accuracy(C, gamma, dataset="iris")

    study.optimize(objective, n_trials=n_trials)
    return study


def _first_llm_trial(study: optuna.Study) -> optuna.trial.FrozenTrial | None:
    return next((t for t in study.trials if t.user_attrs.get("llm_source") == "llm"), None)


def _params_text(params: dict[str, Any]) -> str:
    return ", ".join(
        f"{name}={value:.4g}" if isinstance(value, float) else f"{name}={value}"
        for name, value in params.items()
    )


def related_lines(
    plain: optuna.Study, with_related: optuna.Study, earlier: optuna.Study
) -> list[str]:
    """What ``--related`` prints: the earlier study, the LLM's first proposal without and with
    it (and what the LLM says it used), and both studies' best values, whichever is better."""
    taken_as_is = digits_svc_accuracy(**earlier.best_params)
    lines = [
        f"Earlier study {earlier.study_name!r} ({len(earlier.trials)} trials, TPE): best "
        f"{_params_text(earlier.best_params)} -> {earlier.best_value:.4f} on iris; taken as is "
        f"on digits it scores {taken_as_is:.4f}",
    ]
    for label, study in (("without it", plain), ("with it", with_related)):
        first = _first_llm_trial(study)
        if first is None or first.value is None:
            failed = next(
                (t for t in study.trials if t.user_attrs.get("llm_source") == "fallback"), None
            )
            why = (
                f"its answer was unusable at trial {failed.number}: "
                f"{failed.user_attrs.get('llm_reason')}"
                if failed is not None
                else "the optimizer ran every trial"
            )
            lines.append(f"LLM's proposal {label}: none ({why})")
            continue
        lines.append(
            f"LLM's proposal {label} (trial {first.number}): {_params_text(first.params)} "
            f"-> {first.value:.4f}"
        )
        used = (first.user_attrs.get("llm_call") or {}).get("related_used")
        if used:
            # A small model may fill the field with punctuation alone: say so, not ",".
            said = used if any(c.isalnum() for c in used) else "nothing readable"
            lines.append(f"  what it says it used: {said}")
    plain_first, related_first = _first_llm_trial(plain), _first_llm_trial(with_related)
    if plain_first is not None and related_first is not None:
        if plain_first.value is not None and related_first.value is not None:
            better = related_first.value > plain_first.value
            lines.append(
                "The earlier study made the LLM's proposal "
                + ("better" if better else "no better")
                + f" here ({related_first.value:.4f} against {plain_first.value:.4f})."
            )
    lines.append(
        f"Best after {len(with_related.trials)} trials: {with_related.best_value:.4f} with the "
        f"earlier study, {plain.best_value:.4f} without."
    )
    return lines


def run_optuna_default(n_trials: int = 30, seed: int = 42) -> tuple[optuna.Study, float]:
    """The same study with Optuna's default sampler (``TPESampler``), for comparison."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        study_name="optuna-default",
    )
    started = time.perf_counter()
    study.optimize(svc_objective, n_trials=n_trials)
    return study, time.perf_counter() - started


def plot_best_so_far(studies: dict[str, optuna.Study], path: str | Path) -> Path:
    """Save the best-so-far curve of each single-objective study (label -> study) as an image.

    Raises:
        DemoUnavailableError: matplotlib is not installed.
    """
    matplotlib = import_optional("matplotlib", DemoUnavailableError, MATPLOTLIB_MISSING)
    matplotlib.use("Agg")
    plt = import_optional("matplotlib.pyplot", DemoUnavailableError, MATPLOTLIB_MISSING)

    figure, axes = plt.subplots(figsize=(7, 4))
    for label, study in studies.items():
        complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE
        curve = best_so_far([float(t.values[0]) for t in complete], maximize)
        axes.step([t.number + 1 for t in complete], curve, where="post", label=label)
    axes.set_xlabel("trial")
    axes.set_ylabel("best value so far")
    axes.legend()
    figure.tight_layout()
    output = Path(path)
    figure.savefig(output, dpi=100)
    plt.close(figure)
    return output
