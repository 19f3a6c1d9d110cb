"""``python -m benchmarks.render_multiobjective``: the command line of :mod:`benchmarks.report.render_multiobjective`."""

from __future__ import annotations

from benchmarks.report.render_multiobjective import main


if __name__ == "__main__":
    raise SystemExit(main())
