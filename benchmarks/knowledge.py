"""The command ``python -m benchmarks.knowledge``.

It runs :func:`benchmarks.experiments.knowledge.main`.
"""

from __future__ import annotations

from benchmarks.experiments.knowledge import main


if __name__ == "__main__":
    raise SystemExit(main())
