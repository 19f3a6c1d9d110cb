"""How fast each embedded model loads and answers, with 1 and 2 inference threads.

For each model and thread count: a fresh in-process server is started (load time), then the
default strategy's warm-start request for a task of the benchmark is sent ``--calls`` times
with different seeds (seconds per call, prompt and generated tokens per second, from
llama.cpp's own timings). Run it on an otherwise idle machine: llama.cpp's threads spin, and a
busy core makes the figures meaningless (the command warns when the machine is busy).

Example::

    python -m benchmarks.model_speed                       # every installed model, 1 and 2 threads
    python -m benchmarks.model_speed --models qwen2.5-coder-1.5b --threads 2 --calls 3

Results go to ``benchmarks/results/model_speed.json``.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import platform
import statistics
import sys
import time
from typing import Any
import urllib.request

import optuna

from benchmarks._paths import RESULTS_DIR
from benchmarks.tasks.registry import get_task
from llm_guided_optuna._llm.client import compact_json_grammar
from llm_guided_optuna._prompt.context_builder import ContextBuilder
from llm_guided_optuna._prompt.request import warm_start_request
from llm_guided_optuna._sampler.search_space import UnionSearchSpace
from llm_guided_optuna.embedded import EMBEDDED_MODELS
from llm_guided_optuna.embedded import EmbeddedModelServer
from llm_guided_optuna.embedded.server import free_cores
from llm_guided_optuna.embedded.store import installed_model_file


DEFAULT_OUTPUT = RESULTS_DIR / "model_speed.json"
TASK = "dt-wine"


def warm_start_body(task_name: str, alias: str, seed: int) -> dict[str, Any]:
    """The chat request the default strategy's warm start sends for ``task_name``."""

    task = get_task(task_name)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction=task.direction, sampler=optuna.samplers.RandomSampler(seed=0)
    )
    study.set_user_attr("problem_type", task.problem_type)
    study.set_user_attr("problem_description", task.problem_description)
    study.optimize(lambda trial: task.evaluate_cv(task.suggest(trial)), n_trials=1)
    space = UnionSearchSpace().calculate(study)
    context = ContextBuilder().build(study, space)
    request = warm_start_request(context, space, 4)
    return {
        "model": alias,
        "messages": request.messages,
        "max_tokens": request.max_tokens,
        "temperature": 0.3,
        "seed": seed,
        "grammar": compact_json_grammar(request.response_model),
        "cache_prompt": False,
    }


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=900) as response:
        return json.load(response)


def measure(model: str, threads: int, calls: int, task_name: str) -> dict[str, Any]:
    """Load time and per-call figures of ``model`` with ``threads`` inference threads."""
    server = EmbeddedModelServer(model, parallel_requests=1, n_threads=threads)
    started = time.perf_counter()
    server.start()
    load_s = time.perf_counter() - started
    rows = []
    try:
        for seed in range(calls):
            body = warm_start_body(task_name, server.alias, seed)
            began = time.perf_counter()
            answer = _post(server.api_base + "/chat/completions", body)
            seconds = time.perf_counter() - began
            timings = answer.get("timings", {})
            rows.append(
                {
                    "seconds": seconds,
                    "prompt_tokens": answer["usage"]["prompt_tokens"],
                    "completion_tokens": answer["usage"]["completion_tokens"],
                    "prompt_per_second": timings.get("prompt_per_second"),
                    "generated_per_second": timings.get("predicted_per_second"),
                }
            )
            print(
                f"  {model}, {threads} thread(s), call {seed + 1}: {seconds:.1f} s, "
                f"{rows[-1]['prompt_tokens']} prompt + {rows[-1]['completion_tokens']} generated "
                "tokens",
                flush=True,
            )
    finally:
        server.stop()

    def median(key: str) -> float | None:
        values = [row[key] for row in rows if row[key] is not None]
        return statistics.median(values) if values else None

    return {
        "model": model,
        "threads": threads,
        "load_seconds": load_s,
        "calls": rows,
        **{
            f"median_{key}": median(key)
            for key in (
                "seconds",
                "prompt_tokens",
                "completion_tokens",
                "prompt_per_second",
                "generated_per_second",
            )
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.model_speed``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.model_speed",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--models", nargs="+", default=None, help="registry names (default: every installed model)"
    )
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument(
        "--task", default=TASK, help=f"whose warm-start request is sent (default {TASK})"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    models = args.models or [
        name for name, spec in EMBEDDED_MODELS.items() if installed_model_file(spec)
    ]
    idle = free_cores(1.0)
    cores = os.cpu_count() or 1
    if idle < cores:
        print(
            f"warning: only {idle} of {cores} cores are idle; the figures will not be those of an "
            "idle machine",
            file=sys.stderr,
        )
    results = [
        measure(model, threads, args.calls, args.task)
        for model in models
        for threads in args.threads
    ]
    print(
        "\n| model | threads | load s | s/call (median) | prompt tok/s | generated tok/s | "
        "tokens in/out |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in results:
        print(
            f"| {row['model']} | {row['threads']} | {row['load_seconds']:.1f} | "
            f"{row['median_seconds']:.1f} | {row['median_prompt_per_second'] or 0:.1f} | "
            f"{row['median_generated_per_second'] or 0:.1f} | "
            f"{row['median_prompt_tokens']:.0f}/{row['median_completion_tokens']:.0f} |"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "task": args.task,
                "idle_cores_at_start": idle,
                "cores": cores,
                "machine": platform.platform(),
                "results": results,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
