"""Every example runs offline on the embedded model (with a few trials to stay quick)."""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys

import pytest


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
pytestmark = pytest.mark.llm


def run_example(name: str, *arguments: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *arguments],
        capture_output=True, text=True, timeout=900, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_basic_usage() -> None:
    out = run_example("basic_usage.py", "--trials", "5")
    assert "Finished 5 trials" in out and "Success rate" in out


def test_advanced_usage() -> None:
    out = run_example("advanced_usage.py", "--trials", "8")
    assert "Best accuracy" in out and '"strategy": "hybrid"' in out and "Exchanges recorded" in out


def test_comparison_study() -> None:
    out = run_example("comparison_study.py", "--trials", "5", "--samplers", "random", "tpe", "llm-prior")
    assert out.count("svm-wine") >= 3 and "dt-breast_cancer" in out


def test_multi_objective() -> None:
    out = run_example("multi_objective.py", "--trials", "6")
    assert "Finished 6 trials" in out and "Pareto front (feasible trials)" in out and "Feasible trials" in out
