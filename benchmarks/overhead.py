"""``python -m benchmarks.overhead``: the command line of :mod:`benchmarks.experiments.overhead`."""

from __future__ import annotations

from benchmarks.experiments.overhead import main


if __name__ == "__main__":
    raise SystemExit(main())
