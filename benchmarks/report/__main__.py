"""``python -m benchmarks.report``: the command line of :mod:`benchmarks.report.report`."""

from __future__ import annotations

from benchmarks.report.report import main


if __name__ == "__main__":
    raise SystemExit(main())
