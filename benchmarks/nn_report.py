"""The command ``python -m benchmarks.nn_report``.

It runs :func:`benchmarks.report.nn_report.main`.
"""

from __future__ import annotations

from benchmarks.report.nn_report import main


if __name__ == "__main__":
    raise SystemExit(main())
