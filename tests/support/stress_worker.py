"""A long-lived worker process for the many-worker stress test (``tests/support/stress.py``).

It speaks JSON lines on standard input and output, so one process serves many studies and a
driver can release several workers at the same moment (a barrier, not a sleep):

- the driver sends ``{"study": NAME, "storage": URL, "seed": S, "trials": N, "api_base": URL|null,
  "model": M|null}``; the worker loads the study, builds a fresh
  ``LLMGuidedSampler(temperature=0.0, seed=S, strategy="prior")`` on it and answers
  ``{"ready": NAME}``;
- the driver sends ``{"go": NAME}``; the worker runs ``N`` trials of
  :func:`~tests.support.mixed_space.every_kind_objective` and answers ``{"done": NAME, "stats":
  sampler.get_statistics()}`` (or ``{"error": ...}``);
- an empty line or end of input ends the process.

Run as ``python -m tests.support.stress_worker --name W``.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from typing import Any
import warnings

import optuna

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings
from tests.support.mixed_space import every_kind_objective


def _answer(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _run_one(job: dict[str, Any], name: str) -> None:
    connection: dict[str, Any] = {"temperature": 0.0}
    model = job.get("model")
    if job.get("api_base"):
        model = model or "openai/served"
        connection.update(api_base=job["api_base"], api_key="sk-none")
    if job.get("timeout"):
        connection["timeout"] = float(job["timeout"])
    sampler = LLMGuidedSampler(
        model, seed=job["seed"], strategy="prior", llm=LLMSettings(**connection)
    )
    storage = optuna.storages.RDBStorage(job["storage"])
    study = optuna.load_study(study_name=job["study"], storage=storage, sampler=sampler)
    _answer({"ready": job["study"]})
    go = json.loads(sys.stdin.readline() or "{}")
    if go.get("go") != job["study"]:
        raise RuntimeError(f"expected go for {job['study']!r}, got {go!r}")

    def objective(trial: optuna.Trial) -> float:
        trial.set_user_attr("worker", name)
        return every_kind_objective(trial)

    try:
        study.optimize(objective, n_trials=int(job["trials"]))
    finally:
        # Each job opens its own storage: close its connections now, not when the garbage
        # collector gets to it, or a long loop of jobs runs out of the server's connections
        # ("too many clients", seen once on a loaded machine).
        storage.remove_session()
        storage.engine.dispose()
    _answer({"done": job["study"], "stats": sampler.get_statistics()})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", required=True)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore")
    for line in sys.stdin:
        if not line.strip():
            break
        job = json.loads(line)
        try:
            _run_one(job, args.name)
        except Exception as error:  # Reported to the driver, which fails the run with it.
            _answer(
                {
                    "error": f"{type(error).__name__}: {error}",
                    "traceback": traceback.format_exc()[-3000:],
                }
            )


if __name__ == "__main__":
    main()
