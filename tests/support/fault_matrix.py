"""The fault matrix: every injected fault against every kind of distribution.

For each cell, a study runs one trial sampled without the LLM (the search space is not known before
it), then ``FAULTED_TRIALS`` warm-start trials (each asks the LLM) during which the fault server
answers with the fault. The cell records whether the study completed, how many parameters were
invalid, what the sampler counted, how many requests the server saw and how long the faulted trials
took.

Run it as a script to print the Markdown table of ``docs/reliability.md``::

    python -m tests.support.fault_matrix
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field
import sys
import time
from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings
from llm_guided_optuna import Trust
from llm_guided_optuna._llm.client import import_litellm
from tests.support.fault_server import FaultServer
from tests.support.schema_responder import RandomConfigurationResponder


FAULTED_TRIALS = 2
TIMEOUT_S = 0.5
MAX_RETRIES = 1

DISTRIBUTIONS: dict[str, BaseDistribution] = {
    "float": FloatDistribution(0.0, 1.0),
    "float-log": FloatDistribution(1e-5, 1e-1, log=True),
    "float-step": FloatDistribution(0.0, 1.0, step=0.1),
    "int": IntDistribution(0, 100),
    "int-log": IntDistribution(1, 1024, log=True),
    "int-step": IntDistribution(16, 256, step=16),
    "cat-str": CategoricalDistribution(["adam", "sgd", "rmsprop"]),
    "cat-int": CategoricalDistribution([1, 2, 4, 8]),
    "cat-float": CategoricalDistribution([0.1, 0.5, 0.9]),
    "cat-bool": CategoricalDistribution([True, False]),
    "cat-none": CategoricalDistribution([None, "relu", "tanh"]),
}

#: Fault kind -> (server options, the failure kind the sampler must count, or None when the
#: answer is usable after repair, and whether retrying can help).
FAULTS: dict[str, tuple[dict[str, Any], str | None, bool]] = {
    "delay": ({"seconds": 3.0}, "timeout", True),
    "rate_limit": ({"retry_after": 0.05}, "rate_limit", True),
    "server_error": ({}, "server_error", True),
    "unavailable": ({}, "server_error", True),
    "drop_connection": ({}, "connection", True),
    "invalid_json": ({}, "invalid_json", False),
    "schema_violation": ({}, "schema_violation", False),
    "missing_params": ({}, "missing_parameters", False),
    "extra_params": ({}, None, False),
    "out_of_range": ({}, None, False),
    "nan_inf": ({}, None, False),
    "numbers_as_strings": ({}, None, False),
    "bad_categorical": ({}, None, False),
    "empty_content": ({}, "empty_response", False),
    "null_content": ({}, "empty_response", False),
    "huge_body": ({"megabytes": 5}, "oversized_response", False),
}


@dataclass
class CellResult:
    """What one (fault, distribution) cell did."""

    fault: str
    distribution: str
    completed: bool = False
    crash: str | None = None
    trials: int = 0
    invalid_params: int = 0
    requests: int = 0
    faulted_seconds: float = 0.0
    failures: dict[str, int] = field(default_factory=dict)
    repairs: dict[str, int] = field(default_factory=dict)
    trial_reasons: list[str] = field(default_factory=list)


def _count_invalid(study: optuna.Study) -> int:
    invalid = 0
    for trial in study.trials:
        for name, value in trial.params.items():
            distribution = trial.distributions[name]
            if not distribution._contains(distribution.to_internal_repr(value)):
                invalid += 1
    return invalid


def run_cell(server: FaultServer, fault: str, distribution_name: str) -> CellResult:
    """Run one cell on ``server`` (reset first) and return what happened."""
    options, _, _ = FAULTS[fault]
    distribution = DISTRIBUTIONS[distribution_name]
    result = CellResult(fault=fault, distribution=distribution_name)
    server.reset()
    server.responder = RandomConfigurationResponder(seed=hash((fault, distribution_name)) % 1000)
    sampler = LLMGuidedSampler(
        model="openai/fault-matrix",
        seed=0,
        llm=LLMSettings(
            api_base=server.base_url,
            api_key="sk-fault-matrix",
            timeout=TIMEOUT_S,
            max_retries=MAX_RETRIES,
            retry_backoff=0.01,
        ),
        strategy=Trust(proposals_per_call=1, max_proposal_age=0, warm_start_trials=FAULTED_TRIALS),
    )
    study = optuna.create_study(sampler=sampler)

    def objective(trial: optuna.Trial) -> float:
        value = trial._suggest("p", distribution)
        return float(hash(repr(value)) % 97)

    try:
        study.optimize(objective, n_trials=1)
        server.set_fault(fault, **options)
        started = time.perf_counter()
        study.optimize(objective, n_trials=FAULTED_TRIALS)
        result.faulted_seconds = time.perf_counter() - started
        result.completed = len(study.trials) == 1 + FAULTED_TRIALS and all(
            t.state == optuna.trial.TrialState.COMPLETE for t in study.trials
        )
    except Exception as error:  # noqa: BLE001 - a crash is what the matrix measures.
        result.crash = f"{type(error).__name__}: {error}"
    finally:
        server.set_fault(None)
    stats = sampler.get_statistics()["sampler_stats"]
    result.trials = len(study.trials)
    result.invalid_params = _count_invalid(study)
    result.requests = server.request_count
    result.failures = dict(stats["failures"])
    result.repairs = dict(stats["value_repairs"])
    result.trial_reasons = [
        t.user_attrs.get("llm_reason", t.user_attrs.get("llm_source", "?"))
        for t in study.trials[1:]
    ]
    return result


def _warm_up(server: FaultServer) -> None:
    """One successful LLM call before any cell: the first call of a process loads the rest of
    LiteLLM's and the OpenAI client's code, a cost of its own that must not be timed as the
    first cell's fault."""
    server.reset()
    server.responder = RandomConfigurationResponder(seed=0)
    sampler = LLMGuidedSampler(
        model="openai/fault-matrix",
        seed=0,
        llm=LLMSettings(
            api_base=server.base_url, api_key="sk-fault-matrix", timeout=30.0, max_retries=0
        ),
    )
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda trial: trial.suggest_float("p", 0.0, 1.0), n_trials=2)
    if sampler.get_statistics()["sampler_stats"]["llm_calls"] != 1:
        raise RuntimeError("the fault matrix's warm-up call did not reach the fault server")


def run_matrix() -> list[CellResult]:
    """Every fault against every distribution kind, on one fault server."""
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    import_litellm()  # A one-time cost (seconds) that is no fault's.
    results = []
    try:
        with FaultServer() as server:
            _warm_up(server)
            for fault in FAULTS:
                for distribution_name in DISTRIBUTIONS:
                    results.append(run_cell(server, fault, distribution_name))
    finally:
        optuna.logging.set_verbosity(verbosity)
    return results


def markdown_table(results: list[CellResult]) -> str:
    """One row per fault, summed over the distribution kinds."""
    lines = [
        "| fault | cells | faulted trials | invalid params | crashed studies | counted as "
        "| requests per faulted trial | seconds per faulted trial |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for fault in FAULTS:
        cells = [r for r in results if r.fault == fault]
        counted: Counter[str] = Counter()
        for cell in cells:
            counted.update(cell.failures)
            counted.update({f"repaired: {k}": v for k, v in cell.repairs.items()})
        faulted = FAULTED_TRIALS * len(cells)
        requests = sum(c.requests for c in cells) / faulted
        seconds = sum(c.faulted_seconds for c in cells) / faulted
        counted_text = (
            ", ".join(f"{k} {v}" for k, v in sorted(counted.items())) or "nothing to repair"
        )
        lines.append(
            f"| {fault} | {len(cells)} | {faulted} | {sum(c.invalid_params for c in cells)} | "
            f"{sum(1 for c in cells if not c.completed)} | {counted_text} | {requests:.2f} | "
            f"{seconds:.3f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    matrix = run_matrix()
    print(markdown_table(matrix))
    sys.exit(0 if all(c.completed and c.invalid_params == 0 for c in matrix) else 1)
