"""The command ``python -m benchmarks.report``.

It runs :func:`benchmarks.report.report.main`.
"""

from __future__ import annotations

from benchmarks.report.report import main


if __name__ == "__main__":
    raise SystemExit(main())
