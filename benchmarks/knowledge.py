"""``python -m benchmarks.knowledge``: the command line of :mod:`benchmarks.experiments.knowledge`."""

from __future__ import annotations

from benchmarks.experiments.knowledge import main


if __name__ == "__main__":
    raise SystemExit(main())
