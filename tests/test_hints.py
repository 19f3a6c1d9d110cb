"""The rule that makes the knowledge benchmark's hints from a task's reference configurations
(``benchmarks/experiments/hints.py``), on a synthetic task whose answer is known."""

from __future__ import annotations

import json
import math
from pathlib import Path
import re
import sys

import numpy as np
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
import pytest


REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # `benchmarks/` is not an installed package
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.experiments.hints import human_number  # noqa: E402
from benchmarks.experiments.hints import task_hints  # noqa: E402
from benchmarks.tasks.task_types import Task  # noqa: E402


SPACE = {
    "lr": FloatDistribution(1e-5, 1e-1, log=True),
    "depth": IntDistribution(1, 20),
    "noise": FloatDistribution(0.0, 1.0),
    "kind": CategoricalDistribution(["a", "b"]),
}


def synthetic_task(tmp_path: Path, direction: str = "maximize") -> Task:
    """Scores depend strongly on lr (best near 1e-3), less on depth (best deep), not on noise."""
    rng = np.random.default_rng(0)
    configurations, values = [], []
    for _ in range(500):
        config = {
            "lr": float(10 ** rng.uniform(-5, -1)),
            "depth": int(rng.integers(1, 21)),
            "noise": float(rng.uniform()),
            "kind": str(rng.choice(["a", "b"])),
        }
        score = (
            -((math.log10(config["lr"]) + 3) ** 2)
            + 0.15 * config["depth"]
            + 0.01 * rng.standard_normal()
        )
        configurations.append(config)
        values.append(score if direction == "maximize" else -score)
    (tmp_path / "toy.json").write_text(
        json.dumps({"random_params": configurations, "random_values": values})
    )
    return Task(
        name="toy",
        family="bayesmark",
        direction=direction,
        space=SPACE,
        metric="m",
        problem_type="t",
        problem_description="d",
        evaluate_cv=lambda params: 0.0,
    )


@pytest.mark.parametrize("direction", ["maximize", "minimize"])
def test_the_hints_name_the_influential_parameters_and_their_good_values(
    tmp_path, direction: str
) -> None:
    hints = task_hints(synthetic_task(tmp_path, direction), reference_dir=tmp_path)
    assert hints.parameters == ("lr", "depth")
    assert hints.influence["lr"] > hints.influence["depth"] > hints.influence["noise"]
    assert 3e-4 < hints.good["lr"] < 3e-3 and hints.good["depth"] >= 15
    assert hints.bad["depth"] <= 6 and not 3e-4 < hints.bad["lr"] < 3e-3
    assert (
        hints.texts["precise"]
        == f"lr around {human_number(hints.good['lr'])}, depth around {hints.good['depth']}"
    )
    assert hints.texts["misleading"].startswith("lr around ") and hints.texts["none"] == ""
    assert hints.texts["vague"] == "a moderate lr, a high depth"
    assert not re.search(r"\d", hints.texts["vague"])
    assert hints.domain_knowledge("none") is None
    assert hints.domain_knowledge("precise") == {"hint": hints.texts["precise"]}
    written = hints.partial_configuration("precise")
    assert (
        written["depth"] == hints.good["depth"]
        and f"lr around {written['lr']:g}" in hints.texts["precise"]
    )
    assert set(hints.partial_configuration("misleading")) == {"lr", "depth"}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.000432, "0.00043"),
        (312.4, "310"),
        (3.1e-6, "3.1e-6"),
        (12, "12"),
        (0.25, "0.25"),
        (2.0e6, "2e6"),
        ("rbf", "rbf"),
    ],
)
def test_values_are_written_as_a_person_would(value, text: str) -> None:
    assert human_number(value) == text
