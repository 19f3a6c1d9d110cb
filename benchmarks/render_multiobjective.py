"""The command ``python -m benchmarks.render_multiobjective``.

It runs :func:`benchmarks.report.render_multiobjective.main`.
"""

from __future__ import annotations

from benchmarks.report.render_multiobjective import main


if __name__ == "__main__":
    raise SystemExit(main())
