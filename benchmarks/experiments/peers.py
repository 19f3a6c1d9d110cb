"""Side by side with what users would pick instead: SMAC3, OptunaHub's AutoSampler and LLAMBO
(issue 47).

The peers (:mod:`benchmarks.core.peers`) run through ``python -m benchmarks.run`` like every other
row: same tasks, seeds (0-4), 30 trials and regret. Their runs are cached in
``benchmarks/.cache/peers`` and archived in ``benchmarks/results/peers_archive``; the default's
runs (``llm-trust`` on Qwen2.5-Coder-1.5B) come from the main archive. AutoSampler and LLAMBO
load from a local checkout of the OptunaHub registry named by ``OPTUNAHUB_REGISTRY`` (never
committed; ``docs/benchmarks_peers.md`` says which commit and how to get it). Each command below
is resumable (finished runs are cached); on a shared machine run one peer and one suite (or half
of one) at a time, each under ``flock <lock file>``::

    export OPTUNAHUB_REGISTRY=/path/to/optunahub-registry OMP_NUM_THREADS=1
    python -m benchmarks.run --suite nn --samplers autosampler \\
        --cache-dir benchmarks/.cache/peers --archive-dir benchmarks/results/peers_archive
    # ... smac3 likewise, and --suite bayesmark (or --tasks with half of its tasks)
    python -m benchmarks.archive save --cache-dir benchmarks/.cache/peers \\
        --archive-dir benchmarks/results/peers_archive
    # LLAMBO on the embedded model, served by `llm-optuna serve` (started and stopped here), with
    # LLAMBO's own requirements on PYTHONPATH (see docs/benchmarks_peers.md)
    python -m benchmarks.peers llambo --tasks svm-wine --seeds 1 --trials 7 --threads 1
    python -m benchmarks.peers report  # peers.json, docs/benchmarks_peers.md: from the archives

``report`` writes ``benchmarks/results/peers.json`` (format in :func:`build_results`) from the two
archives alone, and renders ``docs/benchmarks_peers.md`` from it
(:mod:`benchmarks.report.render_peers`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import re
import signal
import subprocess
import sys
from typing import Any
from typing import Iterator

import numpy as np

from benchmarks._paths import DEFAULT_ARCHIVE_DIR
from benchmarks._paths import DEFAULT_CACHE_DIR
from benchmarks._paths import DEFAULT_REFERENCE_DIR
from benchmarks._paths import REPO_ROOT
from benchmarks._paths import RESULTS_DIR
from benchmarks.core.archive import archived_run_records
from benchmarks.core.archive import save
from benchmarks.core.metrics import mean_and_standard_error
from benchmarks.core.metrics import regret_curve
from benchmarks.core.peers import LLAMBO_MODEL_ENV
from benchmarks.core.peers import LLAMBO_SERVER_ENV
from benchmarks.core.peers import registry_root
from benchmarks.tasks.reference import load_reference
from benchmarks.tasks.reference import require_reference
from benchmarks.tasks.registry import resolve_task_names


PEERS_CACHE_DIR = DEFAULT_CACHE_DIR / "peers"
PEERS_ARCHIVE_DIR = RESULTS_DIR / "peers_archive"
DEFAULT_OUTPUT = RESULTS_DIR / "peers.json"
DEFAULT_PAGE = REPO_ROOT / "docs" / "benchmarks_peers.md"
#: The peers run on both suites (LLAMBO, an LLM sampler, is measured apart).
SUITE_PEERS: tuple[str, ...] = ("smac3", "autosampler")
SUITES: tuple[str, ...] = ("bayesmark", "nn")
SUITE_TRIALS = 30
SEEDS = 5
CHECKPOINTS: tuple[int, ...] = (5, 10, 20, 30)
LLAMBO_CHECKPOINTS: tuple[int, ...] = (10, 20)
#: The default the peers are paired against: the library's default strategy on its default model
#: (``library_default_strategy()`` and ``default_llm_model()`` when the runs were made; fixed
#: here so that the results rebuild from the archive alone).
DEFAULT_SAMPLER = "llm-trust"
#: The names the default's runs may be archived under, first found first: ``llm-trust``, then the
#: name the 0.1 design's runs take if they are renamed after a new default design.
DEFAULT_SAMPLER_NAMES: tuple[str, ...] = (
    DEFAULT_SAMPLER,
    "llm-trust[first=off,reask=0,reward=off]",
)
DEFAULT_MODEL = "embedded/qwen2.5-coder-1.5b"
#: The embedded model LLAMBO is served by, as the default runs on it.
LLAMBO_MODEL = "qwen2.5-coder-1.5b"
#: Peers tried that do not install with this project's Python and libraries: the evidence.
NOT_INSTALLED: dict[str, str] = {
    "hebo": (
        "HEBO 0.3.6, the latest on PyPI, and 0.3.5 require numpy<1.25 (0.3.6 also pymoo==0.6.0); "
        "this project runs numpy 2.4.6 (torch 2.13, scikit-learn 1.9.1, Python 3.11.7), so "
        "`pip install HEBO` would downgrade numpy under the whole environment: `pip install "
        "--dry-run HEBO` did not resolve in 5 minutes, with or without `--only-binary :all:` "
        "(it backtracks through older HEBO releases and into building matplotlib 3.5.3 from "
        "source). HEBO 0.3.2, the newest without the numpy pin, installed apart (its wheels, and "
        "pymoo 0.5.0 from source: it imports `pymoo.factory`, gone in pymoo 0.6) fails at its "
        "first `observe()`: it calls `DataFrame.append`, which pandas 2.0 removed, and pandas<2 "
        "has no build for numpy 2."
    ),
}


def read_archive(archive_dir: Path, samplers: set[str]) -> Iterator[dict[str, Any]]:
    """Every archived run record of ``samplers`` in ``archive_dir`` (task by task, as stored)."""
    for record in archived_run_records(archive_dir):
        if record["sampler"] in samplers:
            yield record


def _curves(
    records: list[dict[str, Any]], reference_dir: Path
) -> dict[tuple[str, int], np.ndarray]:
    curves: dict[tuple[str, int], np.ndarray] = {}
    for record in records:
        reference = require_reference(
            load_reference(record["task"], reference_dir), record["task"]
        )
        curves[(record["task"], int(record["seed"]))] = np.asarray(
            regret_curve(record["best_so_far"], reference)
        )
    return curves


def _per_trial(records: list[dict[str, Any]], key: str) -> float:
    """Mean over runs of the per-trial mean of ``key``."""
    return float(np.mean([np.mean(record[key]) for record in records]))


def _paired(
    curves: dict[tuple[str, int], np.ndarray],
    base: dict[tuple[str, int], np.ndarray],
    checkpoints: tuple[int, ...],
) -> dict[str, Any]:
    keys = sorted(key for key in curves if key in base)
    paired: dict[str, Any] = {"runs": len(keys)}
    for checkpoint in checkpoints:
        differences = [curves[key][checkpoint - 1] - base[key][checkpoint - 1] for key in keys]
        paired[str(checkpoint)] = [float(value) for value in mean_and_standard_error(differences)]
    return paired


def _row(
    records: list[dict[str, Any]],
    base: dict[tuple[str, int], np.ndarray],
    reference_dir: Path,
) -> dict[str, Any]:
    curves = _curves(records, reference_dir)
    stacked = np.array([curves[key] for key in sorted(curves)])
    stats = {c: mean_and_standard_error(list(stacked[:, c - 1])) for c in CHECKPOINTS}
    row: dict[str, Any] = {
        "runs": len(records),
        "regret": {str(c): float(mean) for c, (mean, _) in stats.items()},
        "regret_se": {str(c): float(se) for c, (_, se) in stats.items()},
        "seconds_per_ask": _per_trial(records, "sampler_seconds"),
        "llm_seconds_per_trial": _per_trial(records, "llm_seconds"),
        "llm_calls_per_trial": _per_trial(records, "llm_calls"),
    }
    if base:
        row["paired"] = {"default": _paired(curves, base, CHECKPOINTS)}
    return row


def _tasks_of(suite: str) -> set[str]:
    return set(resolve_task_names([suite]))


def build_results(
    peers_archive: Path = PEERS_ARCHIVE_DIR,
    main_archive: Path = DEFAULT_ARCHIVE_DIR,
    reference_dir: Path = DEFAULT_REFERENCE_DIR,
) -> dict[str, Any]:
    """peers.json from the archives alone.

    ``{"default": {"sampler", "model"}, "suites": {SUITE: {"tasks", "seeds", "trials",
    "default": ROW, "rows": {PEER: ROW}}}, "llambo": {...}, "not_installed": {PEER: evidence},
    "registry_commits": [...], "versions": {...}}``, ROW = ``{"runs", "regret": {"5", "10", "20",
    "30"}, "regret_se": {...}, "seconds_per_ask", "paired": {"default": {"runs", "5", "10", "20",
    "30": [mean, se]}}}``: each peer minus the default on the same (task, seed) runs (negative:
    the peer is ahead). ``llambo`` = ``{"model", "calls_per_trial", "prompt_tokens_per_trial",
    "completion_tokens_per_trial", "seconds_per_trial", "runs", "trials", "paired": {"default":
    {"runs", "10", "20": [mean, se]}}}`` over the runs done.
    """
    candidates = [
        record
        for record in read_archive(main_archive, set(DEFAULT_SAMPLER_NAMES))
        if record.get("model") == DEFAULT_MODEL and record["n_trials"] == SUITE_TRIALS
    ]
    found = {record["sampler"] for record in candidates}
    default_name = next((name for name in DEFAULT_SAMPLER_NAMES if name in found), DEFAULT_SAMPLER)
    default_records = [record for record in candidates if record["sampler"] == default_name]
    peer_records = list(read_archive(peers_archive, set(SUITE_PEERS) | {"llambo"}))
    results: dict[str, Any] = {
        "default": {"sampler": default_name, "model": DEFAULT_MODEL},
        "suites": {},
    }
    default_all = _curves(default_records, reference_dir)
    for suite in SUITES:
        tasks = _tasks_of(suite)
        in_suite = [r for r in default_records if r["task"] in tasks and r["seed"] < SEEDS]
        base = {key: curve for key, curve in default_all.items() if key[0] in tasks}
        section: dict[str, Any] = {
            "tasks": len(tasks),
            "seeds": SEEDS,
            "trials": SUITE_TRIALS,
            "default": _row(in_suite, {}, reference_dir),
            "rows": {},
        }
        for peer in SUITE_PEERS:
            records = [
                r
                for r in peer_records
                if r["sampler"] == peer
                and r["task"] in tasks
                and r["n_trials"] == SUITE_TRIALS
                and r["seed"] < SEEDS
            ]
            if records:
                section["rows"][peer] = _row(records, base, reference_dir)
        results["suites"][suite] = section
    llambo = [r for r in peer_records if r["sampler"] == "llambo"]
    if llambo:
        results["llambo"] = _llambo_entry(llambo, default_all, reference_dir)
    results["not_installed"] = dict(NOT_INSTALLED)
    results["registry_commits"] = sorted(
        {
            str((r.get("sampler_statistics") or {}).get("registry_commit"))
            for r in peer_records
            if r["sampler"] != "smac3"
        }
    )
    results["versions"] = _versions(peer_records)
    return results


def _llambo_entry(
    records: list[dict[str, Any]],
    default_curves: dict[tuple[str, int], np.ndarray],
    reference_dir: Path,
) -> dict[str, Any]:
    """LLAMBO's cost per trial and its regret paired against the default, over the runs done.

    ``seconds_per_trial`` is LLAMBO's wall time inside the sampler, its LLM calls included
    (``llm_seconds_per_trial`` sums the calls' durations: larger should calls overlap).
    """
    n_trials = sum(int(r["n_trials"]) for r in records)

    def per_trial(key: str) -> float:
        return float(sum(sum(r[key]) for r in records) / n_trials)

    def wall(record: dict[str, Any], trial: int) -> float:
        seconds = (record.get("sampler_statistics") or {}).get("seconds_by_trial") or {}
        return float(seconds.get(str(trial), 0.0))

    guided = [
        (r, t) for r in records for t in range(r["n_trials"]) if (r["llm_calls"][t] or 0) > 0
    ]
    stats = [(r.get("sampler_statistics") or {}).get("sampler_stats") or {} for r in records]
    entry: dict[str, Any] = {
        "model": ", ".join(sorted({str(r.get("model")) for r in records})),
        "runs": len(records),
        "tasks": sorted({r["task"] for r in records}),
        "trials": sorted({int(r["n_trials"]) for r in records}),
        "calls_per_trial": per_trial("llm_calls"),
        "prompt_tokens_per_trial": per_trial("prompt_tokens"),
        "completion_tokens_per_trial": per_trial("completion_tokens"),
        "seconds_per_trial": float(
            sum(wall(r, t) for r in records for t in range(r["n_trials"])) / n_trials
        ),
        "llm_seconds_per_trial": per_trial("llm_seconds"),
        "llm_trials": len(guided),
        "calls_per_llm_trial": float(np.mean([r["llm_calls"][t] for r, t in guided]))
        if guided
        else 0.0,
        "seconds_per_llm_trial": float(np.mean([wall(r, t) for r, t in guided]))
        if guided
        else 0.0,
        "prompt_tokens_per_llm_trial": float(np.mean([r["prompt_tokens"][t] for r, t in guided]))
        if guided
        else 0.0,
        "completion_tokens_per_llm_trial": float(
            np.mean([r["completion_tokens"][t] for r, t in guided])
        )
        if guided
        else 0.0,
        "failed_calls": int(sum(s.get("failed_calls", 0) for s in stats)),
        "cancelled_calls": int(sum(s.get("cancelled_calls", 0) for s in stats)),
    }
    curves = _curves(records, reference_dir)
    paired: dict[str, Any] = {}
    for checkpoint in LLAMBO_CHECKPOINTS:
        long_enough = {
            (r["task"], int(r["seed"])): curves[(r["task"], int(r["seed"]))]
            for r in records
            if r["n_trials"] >= checkpoint
        }
        if any(key in default_curves for key in long_enough):
            found = _paired(long_enough, default_curves, (checkpoint,))
            paired[str(checkpoint)] = found[str(checkpoint)]
            paired.setdefault("runs_at", {})[str(checkpoint)] = found["runs"]
    if paired:
        entry["paired"] = {"default": paired}
    return entry


def _versions(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}
    for record in records:
        statistics = record.get("sampler_statistics") or {}
        for package, version in (statistics.get("versions") or {}).items():
            found.setdefault(package, set()).add(str(version))
        for package in ("optuna", "scikit-learn", "numpy"):
            found.setdefault(package, set()).add(str(record["versions"].get(package)))
    return {package: sorted(versions) for package, versions in sorted(found.items())}


def results_text(results: dict[str, Any]) -> str:
    """The JSON text of peers.json (stable: rebuilding from the same archives gives the same
    bytes)."""
    return json.dumps(results, indent=1, sort_keys=True, allow_nan=False) + "\n"


def _serve(model: str, threads: int) -> tuple[subprocess.Popen[str], str]:
    """Start ``llm-optuna serve`` on a free loopback port; return it and its base URL."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llm_guided_optuna.cli",
            "serve",
            "--port",
            "0",
            "--threads",
            str(threads),
            "--model",
            model,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        match = re.search(r" at (http://\S+)", line)
        if match:
            return process, match.group(1)
    process.wait()
    raise RuntimeError(f"llm-optuna serve stopped before serving (exit {process.returncode})")


def run_llambo(tasks: list[str], seeds: int, trials: int, threads: int, model: str) -> int:
    """LLAMBO's runs on the embedded ``model`` served by ``llm-optuna serve``; cached, archived."""
    from benchmarks.core.suite import run_all

    registry_root()  # a clear error before the model is loaded
    # A stopped run (SIGTERM, e.g. from `timeout`) still stops the model server below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    process, base_url = _serve(model, threads)
    try:
        os.environ[LLAMBO_SERVER_ENV] = base_url
        os.environ[LLAMBO_MODEL_ENV] = model
        counts = run_all(
            tasks,
            ["llambo"],
            seeds,
            trials,
            PEERS_CACHE_DIR,
            DEFAULT_REFERENCE_DIR,
            show_progress=False,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a generation under way can hold the server's stop
            process.kill()
            process.wait()
    save(PEERS_CACHE_DIR, PEERS_ARCHIVE_DIR)
    print(f"llambo: {counts}")
    return 0 if not counts["failed"] else 1
