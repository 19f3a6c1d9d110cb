"""``python -m benchmarks.warm_start_effect``: the command line of :mod:`benchmarks.experiments.warm_start_effect`."""

from __future__ import annotations

from benchmarks.experiments.warm_start_effect import main


if __name__ == "__main__":
    raise SystemExit(main())
