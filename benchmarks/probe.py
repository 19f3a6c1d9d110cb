"""``python -m benchmarks.probe``: the command line of :mod:`benchmarks.experiments.probe`."""

from __future__ import annotations

from benchmarks.experiments.probe import main


if __name__ == "__main__":
    raise SystemExit(main())
