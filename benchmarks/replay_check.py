"""The command ``python -m benchmarks.replay_check``.

It runs :func:`benchmarks.core.replay_check.main`.
"""

from __future__ import annotations

from benchmarks.core.replay_check import main


if __name__ == "__main__":
    raise SystemExit(main())
