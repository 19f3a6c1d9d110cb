"""``python -m benchmarks.storage_throughput``: the command line of :mod:`benchmarks.experiments.storage_throughput`."""

from __future__ import annotations

from benchmarks.experiments.storage_throughput import main


if __name__ == "__main__":
    raise SystemExit(main())
