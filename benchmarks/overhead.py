"""The command ``python -m benchmarks.overhead``.

It runs :func:`benchmarks.experiments.overhead.main`.
"""

from __future__ import annotations

from benchmarks.experiments.overhead import main


if __name__ == "__main__":
    raise SystemExit(main())
