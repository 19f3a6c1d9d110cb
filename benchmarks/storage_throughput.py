"""The command ``python -m benchmarks.storage_throughput``.

It runs :func:`benchmarks.experiments.storage_throughput.main`.
"""

from __future__ import annotations

from benchmarks.experiments.storage_throughput import main


if __name__ == "__main__":
    raise SystemExit(main())
