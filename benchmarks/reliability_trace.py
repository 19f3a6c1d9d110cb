"""``python -m benchmarks.reliability_trace``: the command line of :mod:`benchmarks.experiments.reliability_trace`."""

from __future__ import annotations

from benchmarks.experiments.reliability_trace import main


if __name__ == "__main__":
    raise SystemExit(main())
