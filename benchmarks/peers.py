"""The command ``python -m benchmarks.peers``.

It runs :func:`benchmarks.experiments.peers.main`.
"""

from __future__ import annotations

from benchmarks.experiments.peers import main


if __name__ == "__main__":
    raise SystemExit(main())
