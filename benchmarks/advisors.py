"""``python -m benchmarks.advisors``: the command line of :mod:`benchmarks.experiments.advisors`."""

from __future__ import annotations

from benchmarks.experiments.advisors import main


if __name__ == "__main__":
    raise SystemExit(main())
