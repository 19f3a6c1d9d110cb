"""``python -m benchmarks.run``: the command line of :mod:`benchmarks.core.suite`."""

from __future__ import annotations

from benchmarks.core.suite import main


if __name__ == "__main__":
    raise SystemExit(main())
