"""``python -m benchmarks.archive``: the command line of :mod:`benchmarks.core.archive`."""

from __future__ import annotations

from benchmarks.core.archive import main


if __name__ == "__main__":
    raise SystemExit(main())
