"""The command ``python -m benchmarks.run``.

It runs :func:`benchmarks.core.suite.main`.
"""

from __future__ import annotations

from benchmarks.core.suite import main


if __name__ == "__main__":
    raise SystemExit(main())
