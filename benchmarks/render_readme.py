"""The command ``python -m benchmarks.render_readme``.

It runs :func:`benchmarks.report.render_readme.main`.
"""

from __future__ import annotations

from benchmarks.report.render_readme import main


if __name__ == "__main__":
    raise SystemExit(main())
