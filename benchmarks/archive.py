"""The command ``python -m benchmarks.archive``.

It runs :func:`benchmarks.core.archive.main`.
"""

from __future__ import annotations

from benchmarks.core.archive import main


if __name__ == "__main__":
    raise SystemExit(main())
