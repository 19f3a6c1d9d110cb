"""The command ``python -m benchmarks.model_speed``.

It runs :func:`benchmarks.experiments.model_speed.main`.
"""

from __future__ import annotations

from benchmarks.experiments.model_speed import main


if __name__ == "__main__":
    raise SystemExit(main())
