"""The command ``python -m benchmarks.warm_start_effect``.

It runs :func:`benchmarks.experiments.warm_start_effect.main`.
"""

from __future__ import annotations

from benchmarks.experiments.warm_start_effect import main


if __name__ == "__main__":
    raise SystemExit(main())
