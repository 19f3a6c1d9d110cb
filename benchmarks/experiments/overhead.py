"""Sampler overhead vs history length: the sampler's own time per trial at 10, 100, 1,000 trials.

For each history length N a study is filled with N finished trials of random configurations
of a 6-parameter mixed search space (``study.add_trials``), then a new trial is asked for
with ``study.ask(fixed_distributions=...)``, which runs the sampler's ``sample_relative``
and ``sample_independent`` exactly as ``study.optimize`` would. The LLM is LiteLLM's mock
(``mock_response``), so the time measured is the sampler's own work around the call
(prompt building, parsing, validation), with the mock's LLM seconds subtracted.

The prompt size per call is counted with ``litellm.token_counter`` on the messages the
sampler actually sent (captured by a LiteLLM pre-call hook), since the mock reports dummy
usage; the sampler's own ``prompt_tokens`` statistic is recorded beside it.

    OMP_NUM_THREADS=1 python -m benchmarks.overhead     # tpe, gp, llm-prior, llm
    python -m benchmarks.overhead --samplers tpe gp llm --lengths 10 100

The prior strategy (``llm-prior``; the default ``llm-trust`` adds only LLM calls) is measured
with its history made of random trials, so it has no LLM beliefs: its time is the GP's (with
the prior's evaluation when there are beliefs it is a little more), and past 100 complete
trials the multivariate TPE's it hands over to. Optuna's plain GP is measured up to
``--gp-max-length`` trials only (12 s per trial at 1,000 on two cores: 5,000 would take many
minutes per repetition).

Writes ``benchmarks/results/overhead.json``; ``python -m benchmarks.report`` renders it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import statistics
import sys
import time
from typing import Any
import warnings

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution

from benchmarks._paths import RESULTS_DIR
from benchmarks.core.runner import library_versions
from benchmarks.core.samplers import is_llm_sampler
from benchmarks.core.samplers import llm_sampler_available
from benchmarks.core.samplers import llm_statistics
from benchmarks.core.samplers import llm_strategy
from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings


DEFAULT_OUTPUT = RESULTS_DIR / "overhead.json"
MOCK_MODEL = "openai/mock-model"

SPACE: dict[str, optuna.distributions.BaseDistribution] = {
    "learning_rate": FloatDistribution(1e-5, 1e-1, log=True),
    "weight_decay": FloatDistribution(1e-6, 1e-2, log=True),
    "dropout": FloatDistribution(0.0, 0.5),
    "num_layers": IntDistribution(1, 6),
    "hidden_units": IntDistribution(16, 512, log=True),
    "optimizer": CategoricalDistribution(["adam", "sgd", "rmsprop"]),
}


def random_config(rng: np.random.Generator) -> dict[str, Any]:
    """A uniformly random configuration of :data:`SPACE` (JSON-serialisable values)."""
    return {
        "learning_rate": float(10 ** rng.uniform(-5, -1)),
        "weight_decay": float(10 ** rng.uniform(-6, -2)),
        "dropout": float(rng.uniform(0.0, 0.5)),
        "num_layers": int(rng.integers(1, 7)),
        "hidden_units": int(round(2 ** rng.uniform(4, 9))),
        "optimizer": str(rng.choice(["adam", "sgd", "rmsprop"])),
    }


def synthetic_loss(config: dict[str, Any], rng: np.random.Generator) -> float:
    """A smooth loss with noise, so that model-based samplers see some structure."""
    return float(
        (np.log10(config["learning_rate"]) + 3) ** 2
        + 10 * config["dropout"] ** 2
        + 0.1 * abs(config["num_layers"] - 3)
        + 0.3 * (config["optimizer"] != "adam")
        + 0.05 * rng.standard_normal()
    )


def history_study(
    n_finished: int, sampler: optuna.samplers.BaseSampler, seed: int = 0
) -> optuna.Study:
    """An in-memory study that already holds ``n_finished`` completed random trials."""
    rng = np.random.default_rng(seed)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    study.set_user_attr("problem_type", "hyperparameter tuning of a neural network")
    study.set_user_attr(
        "problem_description", "Minimise the validation loss of a small MLP (synthetic)."
    )
    trials = []
    for _ in range(n_finished):
        config = random_config(rng)
        trials.append(
            optuna.trial.create_trial(
                params=config, distributions=SPACE, value=synthetic_loss(config, rng)
            )
        )
    study.add_trials(trials)
    return study


class PromptRecorder:
    """Captures the messages of every LiteLLM call through a pre-call hook."""

    def __init__(self) -> None:
        self.messages: list[list[dict[str, Any]]] = []
        self._logger: Any = None

    def __enter__(self) -> "PromptRecorder":
        # Lazy: LiteLLM is heavy (~6 s); only the LLM samplers need it.
        import litellm
        from litellm.integrations.custom_logger import CustomLogger

        recorder = self

        class _Hook(CustomLogger):
            def log_pre_api_call(self, model: str, messages: Any, kwargs: dict[str, Any]) -> None:
                recorder.messages.append(list(messages or []))

        self._logger = _Hook()
        litellm.callbacks = list(getattr(litellm, "callbacks", []) or []) + [self._logger]
        return self

    def __exit__(self, *exc_info: Any) -> None:
        # Lazy: LiteLLM is heavy (~6 s); only the LLM samplers need it.
        import litellm

        litellm.callbacks = [hook for hook in litellm.callbacks if hook is not self._logger]


def count_tokens(messages: list[dict[str, Any]]) -> tuple[int, str]:
    """Tokens of ``messages`` with LiteLLM's counter, or len(text)/4 if that fails."""
    try:
        import litellm

        return int(
            litellm.token_counter(model="gpt-4o", messages=messages)
        ), "litellm.token_counter"
    except Exception:
        text = "".join(str(message.get("content", "")) for message in messages)
        return len(text) // 4, "len(text)/4"


def build_sampler(
    name: str, seed: int, mock_config: dict[str, Any] | None
) -> optuna.samplers.BaseSampler:
    """A fresh sampler; for ``llm*`` an ``LLMGuidedSampler`` answered by LiteLLM's mock."""
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name.startswith("llm"):
        response = json.dumps({"parameters": mock_config, "rationale": "mock"})
        return LLMGuidedSampler(
            model=MOCK_MODEL,
            seed=seed,
            strategy=llm_strategy(name),
            llm=LLMSettings(completion_kwargs={"mock_response": response}),
        )
    raise ValueError(f"unknown sampler {name!r}")


def _sampler_counters(sampler: optuna.samplers.BaseSampler) -> dict[str, float]:

    return llm_statistics(sampler)


def measure(name: str, n_finished: int, repeats: int) -> dict[str, Any]:
    """Median own seconds of one ``study.ask`` with ``n_finished`` trials in the history.

    Each repetition uses a new sampler (for the LLM: with a different mock answer, so that
    no answer duplicates a previous trial) and marks the asked trial as failed afterwards.
    """
    rng = np.random.default_rng(12345 + n_finished)
    study = history_study(n_finished, build_sampler("random", 0, None))
    own, llm_seconds, llm_calls, tokens_counted, tokens_reported = [], [], [], [], []
    source = ""
    with PromptRecorder() as recorder:
        for repeat in range(repeats):
            sampler = build_sampler(name, repeat, random_config(rng))
            study.sampler = sampler
            before = _sampler_counters(sampler)
            recorder.messages.clear()
            start = time.perf_counter()
            trial = study.ask(fixed_distributions=SPACE)
            elapsed = time.perf_counter() - start
            after = _sampler_counters(sampler)
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            spent_in_llm = after["llm_seconds"] - before["llm_seconds"]
            calls = after["llm_calls"] - before["llm_calls"]
            own.append(max(0.0, elapsed - spent_in_llm))
            llm_seconds.append(spent_in_llm)
            llm_calls.append(calls)
            if calls:
                tokens_reported.append((after["prompt_tokens"] - before["prompt_tokens"]) / calls)
            for messages in recorder.messages:
                count, source = count_tokens(messages)
                tokens_counted.append(count)
            last_prompt_messages = getattr(sampler, "last_prompt_messages", None)
            if not recorder.messages and last_prompt_messages:
                count, source = count_tokens(last_prompt_messages)
                tokens_counted.append(count)
    return {
        "sampler": name,
        "n_finished": n_finished,
        "repeats": repeats,
        "sampler_seconds": statistics.median(own),
        "sampler_seconds_all": own,
        "llm_seconds": statistics.median(llm_seconds),
        "llm_calls_per_trial": statistics.mean(llm_calls),
        "prompt_tokens_per_call": statistics.mean(tokens_counted) if tokens_counted else None,
        "token_source": source,
        "reported_prompt_tokens_per_call": statistics.mean(tokens_reported)
        if tokens_reported
        else None,
    }


def main(argv: list[str] | None = None) -> int:
    """CLI: measure, print a table, write ``overhead.json``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.overhead",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--samplers", nargs="+", default=["tpe", "gp", "llm-prior", "llm"])
    parser.add_argument("--lengths", nargs="+", type=int, default=[10, 100, 1000, 5000])
    parser.add_argument(
        "--gp-max-length",
        type=int,
        default=1000,
        help="the longest history Optuna's plain GPSampler is measured on (default 1000)",
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

    samplers = list(args.samplers)
    if any(is_llm_sampler(name) for name in samplers):
        available, reason = llm_sampler_available()
        if not available:
            print(f"Skipping the LLM samplers: {reason}", file=sys.stderr)
            samplers = [name for name in samplers if not is_llm_sampler(name)]
        else:  # import LiteLLM and make one untimed call, so that first-use costs are not measured
            measure(next(name for name in samplers if is_llm_sampler(name)), 10, 1)

    results = []
    print(
        f"{'sampler':<12}{'finished':>9}{'own s/trial':>13}{'LLM s':>9}{'calls':>7}"
        f"{'prompt tok/call':>17}"
    )
    for n_finished in args.lengths:
        for name in samplers:
            if name == "gp" and n_finished > args.gp_max_length:
                print(f"{name:<12}{n_finished:>9}{'(not measured: --gp-max-length)':>34}")
                continue
            repeats = max(1, args.repeats if n_finished < 1000 else min(args.repeats, 3))
            entry = measure(name, n_finished, repeats)
            results.append(entry)
            tokens = entry["prompt_tokens_per_call"]
            print(
                f"{name:<12}{n_finished:>9}{entry['sampler_seconds']:>13.4f}"
                f"{entry['llm_seconds']:>9.3f}{entry['llm_calls_per_trial']:>7.2f}"
                f"{'' if tokens is None else f'{tokens:.0f}':>17}"
            )

    payload = {
        "description": (
            "Own time of one `study.ask()` (sample_relative + sample_independent) with N "
            "finished trials of a 6-parameter mixed space in the history, median of the "
            "repetitions; the LLM is LiteLLM's mock, its seconds are subtracted. Prompt tokens "
            "per call are counted on the messages sent."
        ),
        "command": " ".join(
            [
                "OMP_NUM_THREADS=1 python -m benchmarks.overhead",
                *(argv if argv is not None else sys.argv[1:]),
            ]
        ),
        "versions": library_versions(),
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
