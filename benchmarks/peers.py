"""The command ``python -m benchmarks.peers``: the peers' report (``report``) and LLAMBO's runs
(``llambo``); see :mod:`benchmarks.experiments.peers`."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.experiments.peers import __doc__ as PEERS_DOC
from benchmarks.experiments.peers import build_results
from benchmarks.experiments.peers import DEFAULT_OUTPUT
from benchmarks.experiments.peers import DEFAULT_PAGE
from benchmarks.experiments.peers import LLAMBO_MODEL
from benchmarks.experiments.peers import results_text
from benchmarks.experiments.peers import run_llambo
from benchmarks.report.render_peers import render_page
from benchmarks.tasks.registry import resolve_task_names


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.peers``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.peers",
        description=PEERS_DOC,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="peers.json and its page, from the archives")
    report.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    report.add_argument("--page", type=Path, default=DEFAULT_PAGE)
    llambo = commands.add_parser("llambo", help="LLAMBO runs on the embedded model")
    llambo.add_argument("--tasks", nargs="+", default=["svm-wine"])
    llambo.add_argument("--seeds", type=int, default=1)
    llambo.add_argument("--trials", type=int, default=20)
    llambo.add_argument("--threads", type=int, default=1, help="inference threads")
    llambo.add_argument("--model", default=LLAMBO_MODEL)
    args = parser.parse_args(argv)
    if args.command == "llambo":
        return run_llambo(
            resolve_task_names(args.tasks), args.seeds, args.trials, args.threads, args.model
        )
    results = build_results()
    args.output.write_text(results_text(results))
    args.page.write_text(render_page(results))
    print(f"Wrote {args.output} and {args.page}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
