"""The one-machine results rebuild from the archive alone, byte for byte.

``benchmarks/results/one_machine.json`` (and the README's table read from it) is what
``python -m benchmarks.report`` writes from the runs archived in ``benchmarks/results/archive``;
the command is the one ``docs/benchmarks_one_machine.md`` prints. A change to the benchmark code
that moved a figure, a key or a digit fails here. The page itself is compared line for line by
the slow test in ``tests/test_benchmark_archive.py``.
"""

from __future__ import annotations

from pathlib import Path
import shlex
import sys

import pytest


REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # `benchmarks/` is not an installed package
    sys.path.insert(0, str(REPO_ROOT))

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

from benchmarks.report import report  # noqa: E402


PAGE = REPO_ROOT / "docs" / "benchmarks_one_machine.md"
RESULTS = REPO_ROOT / "benchmarks" / "results" / "one_machine.json"


def page_arguments(tmp_path: Path) -> list[str]:
    """The page's report command, writing into ``tmp_path`` and restoring into a fresh cache."""
    command = next(
        line
        for line in PAGE.read_text().splitlines()
        if line.startswith("python -m benchmarks.report ")
    )
    arguments = shlex.split(command)[3:]
    for option, value in (
        ("--output-json", tmp_path / RESULTS.name),
        ("--output-markdown", tmp_path / PAGE.name),
        ("--figures-dir", tmp_path / "figures"),
        ("--reading", REPO_ROOT / arguments[arguments.index("--reading") + 1]),
    ):
        arguments[arguments.index(option) + 1] = str(value)
    return arguments + ["--cache-dir", str(tmp_path / "cache")]


def test_the_one_machine_json_is_what_the_archive_gives(tmp_path: Path) -> None:
    assert report.main(page_arguments(tmp_path)) == 0
    assert (tmp_path / RESULTS.name).read_bytes() == RESULTS.read_bytes()
