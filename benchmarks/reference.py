"""The command ``python -m benchmarks.reference``.

It runs :func:`benchmarks.tasks.reference.main`.
"""

from __future__ import annotations

from benchmarks.tasks.reference import main


if __name__ == "__main__":
    raise SystemExit(main())
