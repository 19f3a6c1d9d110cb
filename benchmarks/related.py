"""The command ``python -m benchmarks.related``: runs of the related-studies benchmark (``run``)
and its report (``report``); see :mod:`benchmarks.experiments.related`."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.experiments.related import __doc__ as RELATED_DOC
from benchmarks.experiments.related import build_results
from benchmarks.experiments.related import DEFAULT_OUTPUT
from benchmarks.experiments.related import DEFAULT_PAGE
from benchmarks.experiments.related import LLM_ROWS
from benchmarks.experiments.related import PLAIN_ROWS
from benchmarks.experiments.related import render_page
from benchmarks.experiments.related import results_text
from benchmarks.experiments.related import run_rows
from benchmarks.experiments.related import SEEDS
from benchmarks.tasks.registry import resolve_task_names


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.related``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.related",
        description=RELATED_DOC,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="the missing runs of some rows (cached, archived)")
    run.add_argument("--suite", nargs="+", default=["bayesmark", "nn"], help="suites or tasks")
    run.add_argument("--rows", nargs="+", required=True, choices=LLM_ROWS + PLAIN_ROWS)
    run.add_argument("--seeds", type=int, default=SEEDS)
    report = commands.add_parser("report", help="related.json and its page, from the archives")
    report.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    report.add_argument("--page", type=Path, default=DEFAULT_PAGE)
    args = parser.parse_args(argv)
    if args.command == "run":
        counts = run_rows(resolve_task_names(args.suite), args.rows, args.seeds)
        print(f"{counts['ran']} ran, {counts['cached']} cached, {counts['failed']} failed.")
        return 1 if counts["failed"] else 0
    results = build_results()
    args.output.write_text(results_text(results))
    args.page.write_text(render_page(results))
    print(f"Wrote {args.output} and {args.page}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
