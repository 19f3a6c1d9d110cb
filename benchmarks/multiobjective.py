"""``python -m benchmarks.multiobjective``: run :mod:`benchmarks.experiments.multiobjective`.

Then print its section (:mod:`benchmarks.report.render_multiobjective`); the experiment itself
does not import the report layer.
"""

from __future__ import annotations

from benchmarks.experiments.multiobjective import run_command
from benchmarks.report.render_multiobjective import render_results


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, write its results and print their section."""
    results, status = run_command(argv)
    print(render_results(results))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
