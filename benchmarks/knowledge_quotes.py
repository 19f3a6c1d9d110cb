"""The command ``python -m benchmarks.knowledge_quotes``.

It runs :func:`benchmarks.experiments.knowledge_quotes.main`.
"""

from __future__ import annotations

from benchmarks.experiments.knowledge_quotes import main


if __name__ == "__main__":
    raise SystemExit(main())
