"""The command ``python -m benchmarks.probe``.

It runs :func:`benchmarks.experiments.probe.main`.
"""

from __future__ import annotations

from benchmarks.experiments.probe import main


if __name__ == "__main__":
    raise SystemExit(main())
