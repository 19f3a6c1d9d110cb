"""``python -m benchmarks.render_readme``: the command line of :mod:`benchmarks.report.render_readme`."""

from __future__ import annotations

from benchmarks.report.render_readme import main


if __name__ == "__main__":
    raise SystemExit(main())
