"""``python -m benchmarks.model_speed``: the command line of :mod:`benchmarks.experiments.model_speed`."""

from __future__ import annotations

from benchmarks.experiments.model_speed import main


if __name__ == "__main__":
    raise SystemExit(main())
