"""The command ``python -m benchmarks.llm_time``.

It runs :func:`benchmarks.experiments.llm_time.main`.
"""

from __future__ import annotations

from benchmarks.experiments.llm_time import main


if __name__ == "__main__":
    raise SystemExit(main())
