"""``python -m benchmarks.knowledge_quotes``: the command line of :mod:`benchmarks.experiments.knowledge_quotes`."""

from __future__ import annotations

from benchmarks.experiments.knowledge_quotes import main


if __name__ == "__main__":
    raise SystemExit(main())
