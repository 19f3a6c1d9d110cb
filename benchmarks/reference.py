"""``python -m benchmarks.reference``: the command line of :mod:`benchmarks.tasks.reference`."""

from __future__ import annotations

from benchmarks.tasks.reference import main


if __name__ == "__main__":
    raise SystemExit(main())
