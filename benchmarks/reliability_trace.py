"""The command ``python -m benchmarks.reliability_trace``.

It runs :func:`benchmarks.experiments.reliability_trace.main`.
"""

from __future__ import annotations

from benchmarks.experiments.reliability_trace import main


if __name__ == "__main__":
    raise SystemExit(main())
