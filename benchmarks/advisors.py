"""The command ``python -m benchmarks.advisors``.

It runs :func:`benchmarks.experiments.advisors.main`.
"""

from __future__ import annotations

from benchmarks.experiments.advisors import main


if __name__ == "__main__":
    raise SystemExit(main())
