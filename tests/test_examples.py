"""Every example runs offline on the embedded model (with a few trials to stay quick)."""

from __future__ import annotations

import os
from pathlib import Path
import subprocess
import sys

import pytest


ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
pytestmark = pytest.mark.llm


def run_example(name: str, *arguments: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *arguments],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        },
    )  # The checkout's library, even where another copy is installed.
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_basic_usage_tunes_a_real_model_and_compares(tmp_path: Path) -> None:
    plot = tmp_path / "best.png"
    out = run_example("basic_usage.py", "--trials", "5", "--compare", "--plot", str(plot))
    assert "Finished 5 trials" in out and "Success rate" in out
    assert "LLM's proposal (trial 1): C=" in out  # the warm start's configuration and its score
    assert "Optuna's default sampler (TPESampler): best value 0." in out
    assert plot.stat().st_size > 10_000


def test_advanced_usage() -> None:
    out = run_example("advanced_usage.py", "--trials", "8")
    assert "Best accuracy" in out and '"strategy": "hybrid"' in out and "Exchanges recorded" in out


def test_comparison_study() -> None:
    out = run_example(
        "comparison_study.py", "--trials", "5", "--samplers", "random", "tpe", "llm-prior"
    )
    assert out.count("svm-wine") >= 3 and "dt-breast_cancer" in out


def test_multi_objective() -> None:
    out = run_example("multi_objective.py", "--trials", "6")
    assert (
        "Finished 6 trials" in out
        and "Pareto front (feasible trials)" in out
        and "Feasible trials" in out
    )
