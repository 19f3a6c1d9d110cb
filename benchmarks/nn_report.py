"""``python -m benchmarks.nn_report``: the command line of :mod:`benchmarks.report.nn_report`."""

from __future__ import annotations

from benchmarks.report.nn_report import main


if __name__ == "__main__":
    raise SystemExit(main())
