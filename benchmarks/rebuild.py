"""Rebuild every published results file and rendered page from the archived runs.

Each :class:`Target` is a results file with the pages and figures rendered from it, and the
commands (the ones its page prints) that write them from the runs archived in
``benchmarks/results/*archive``. The rebuild copies the repository's files (what ``git
ls-files`` lists: a fresh clone, without ``benchmarks/.cache``) into a temporary directory,
removes the target's outputs there, runs the commands there (each restores the archive into the
copy's empty cache first) and compares every output with the repository's, byte for byte.

Examples::

    python -m benchmarks.rebuild --check            # all targets; exit 1 naming any difference
    python -m benchmarks.rebuild --check advisors   # one target
    python -m benchmarks.rebuild advisors           # rebuild it and copy its outputs back
    python -m benchmarks.rebuild --list             # the targets, their commands and outputs

What is not rebuilt, and why (timings measured once on the machine as it was; they have no runs
to rebuild from, and a rerun measures another machine's load): ``llm_time.json``,
``model_speed.json``, ``overhead.json``, ``storage_throughput.json`` and the wall times of
``multiobjective.json``. Their pages name the machine, the date and the command.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
import os
from pathlib import Path
import shutil
import subprocess
import sys
import tempfile
import time

from benchmarks._paths import REPO_ROOT


@dataclass(frozen=True)
class Target:
    """A results file, the commands that write it from the archive, and what they write.

    ``outputs`` are paths relative to the repository root; a path ending in ``/`` is a folder
    whose files are all outputs (a file there that the commands do not write is a difference).
    ``slow`` targets take more than a minute on two cores. ``needs`` names the targets whose
    outputs (caches included) the commands read: rebuilt first when this one is rebuilt alone.
    """

    name: str
    commands: tuple[tuple[str, ...], ...]
    outputs: tuple[str, ...]
    slow: bool = False
    needs: tuple[str, ...] = ()


ONE_MACHINE_SAMPLERS = (
    "gp",
    "gp-startup5",
    "seeded-default",
    "llm-trust",
    "llm-trust+useless",
    "llm-prior",
    "llm-prior+useless",
    "llm-prior[reliability=median]",
    "llm-prior+useless[reliability=median]",
    "llm",
)

#: The targets in the order they are rebuilt: a page reads the results files rebuilt before it.
TARGETS: tuple[Target, ...] = (
    Target(
        "one_machine",
        (
            (
                "benchmarks.report",
                "--samplers",
                *ONE_MACHINE_SAMPLERS,
                "--output-json",
                "benchmarks/results/one_machine.json",
                "--output-markdown",
                "docs/benchmarks_one_machine.md",
                "--figures-dir",
                "docs/one_machine",
                "--reading",
                "benchmarks/results/one_machine_reading.md",
                "--title",
                "Benchmarks: the rows rerun on one machine",
                "--runs-only",
                "--no-update-reference",
            ),
        ),
        (
            "benchmarks/results/one_machine.json",
            "docs/benchmarks_one_machine.md",
            "docs/one_machine/",
        ),
        slow=True,
    ),
    Target(
        "nn_suite",
        (("benchmarks.nn_report",),),
        ("benchmarks/results/nn_suite.json", "docs/benchmarks_nn.md"),
    ),
    Target(
        "probe",
        (
            # The probe replays the warm starts archived with the runs; it does not restore the
            # archive itself, and without it would ask the model again.
            ("benchmarks.archive", "restore"),
            (
                "benchmarks.probe",
                "--models",
                "qwen2.5-coder-1.5b",
                "smollm2-135m",
                "--no-progress",
            ),
        ),
        ("benchmarks/results/probe.json",),
        slow=True,
    ),
    Target(
        "probe_designs",
        (
            ("benchmarks.archive", "restore"),
            (
                "benchmarks.probe",
                "--designs",
                "default",
                "consensus5",
                "--seeds",
                "2",
                "--no-progress",
                "--output",
                "benchmarks/results/probe_designs.json",
            ),
        ),
        ("benchmarks/results/probe_designs.json",),
        slow=True,
    ),
    Target(
        "advisors",
        (("benchmarks.advisors", "--no-progress", "--cached-only"),),
        ("benchmarks/results/advisors.json", "docs/advisors/skill_ladder.png"),
        slow=True,
    ),
    Target(
        "knowledge",
        (
            (
                "benchmarks.knowledge",
                "--cached-only",
                "--conditions",
                "none",
                "precise-top1",
                "none[strategy=prior]",
                "precise-top1[strategy=prior]",
                "none[strategy=trust,reask=0,reward=off]",
                "precise-top1[strategy=trust,reask=0,reward=off]",
                "gp",
                "tpe",
                "gp+enqueue",
                "tpe+enqueue",
                "--no-progress",
            ),
        ),
        ("benchmarks/results/knowledge.json",),
    ),
    Target(
        "latest",
        (("benchmarks.report", "--no-update-reference"),),
        (
            "benchmarks/results/latest.json",
            "docs/benchmarks.md",
            "docs/benchmark_regret.png",
            "docs/benchmark_regret_per_task.png",
        ),
        slow=True,
    ),
    Target(
        "peers",
        (("benchmarks.peers", "report"),),
        ("benchmarks/results/peers.json", "docs/benchmarks_peers.md"),
    ),
    Target(
        "ablation",
        (("benchmarks.report.ablation",),),
        ("benchmarks/results/ablation.json", "docs/benchmarks_ablation.md"),
    ),
    Target(
        "related",
        (("benchmarks.related", "report"),),
        ("benchmarks/results/related.json", "docs/benchmarks_related.md"),
    ),
    Target(
        "readme",
        (("benchmarks.render_readme", "--write"),),
        ("README.md", "docs/results_at_a_glance.png"),
    ),
)


def target_named(name: str) -> Target:
    """The target called ``name``; a clear error naming the known ones otherwise."""
    for target in TARGETS:
        if target.name == name:
            return target
    known = ", ".join(t.name for t in TARGETS)
    raise SystemExit(f"No rebuild target {name!r}; the targets are {known}.")


def tracked_files(root: Path) -> list[str]:
    """The repository's files as a fresh clone has them (plus new files not yet committed)."""
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (root / name).is_file()]


def copy_tree(root: Path, destination: Path) -> None:
    """Copy ``root``'s tracked files into ``destination``."""
    for name in tracked_files(root):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)


def output_files(tree: Path, output: str) -> set[str]:
    """The files of ``output`` (a file, or a folder ending in ``/``) present in ``tree``."""
    if output.endswith("/"):
        folder = tree / output
        if not folder.is_dir():
            return set()
        return {str(p.relative_to(tree)) for p in folder.rglob("*") if p.is_file()}
    return {output} if (tree / output).is_file() else set()


def remove_outputs(tree: Path, target: Target) -> None:
    """Delete ``target``'s outputs in ``tree`` so that nothing of them survives from before."""
    for output in target.outputs:
        if output == "README.md":
            continue  # the README is rewritten between its markers, not from nothing
        for name in output_files(tree, output):
            (tree / name).unlink()


def run_target(tree: Path, target: Target) -> None:
    """Run ``target``'s commands in ``tree`` (its own benchmarks and library, its own cache)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "OMP_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }
    for command in target.commands:
        done = subprocess.run(
            [sys.executable, "-m", *command],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{target.name}: `python -m {' '.join(command)}` exited {done.returncode}:\n"
                + (done.stderr or done.stdout)[-2000:]
            )


def first_difference(expected: bytes, rebuilt: bytes) -> str:
    """Where two files first differ: the line (text) or the byte offset."""
    try:
        old_lines = expected.decode().splitlines()
        new_lines = rebuilt.decode().splitlines()
    except UnicodeDecodeError:
        offset = next(
            (i for i, (a, b) in enumerate(zip(expected, rebuilt)) if a != b),
            min(len(expected), len(rebuilt)),
        )
        return f"byte {offset} ({len(expected)} bytes committed, {len(rebuilt)} rebuilt)"
    for number, (old, new) in enumerate(zip(old_lines, new_lines), start=1):
        if old != new:
            return f"line {number}: committed {old[:160]!r}, rebuilt {new[:160]!r}"
    return f"{len(old_lines)} lines committed, {len(new_lines)} rebuilt"


def differences(root: Path, tree: Path, target: Target) -> list[str]:
    """Every output of ``target`` that differs between ``root`` and the rebuilt ``tree``."""
    found = []
    for output in target.outputs:
        names = output_files(root, output) | output_files(tree, output)
        if not names:
            found.append(f"{output}: neither committed nor rebuilt")
        for name in sorted(names):
            committed, rebuilt = root / name, tree / name
            if not rebuilt.is_file():
                found.append(f"{name}: committed but not rebuilt")
            elif not committed.is_file():
                found.append(f"{name}: rebuilt but not committed")
            elif committed.read_bytes() != rebuilt.read_bytes():
                found.append(
                    f"{name}: {first_difference(committed.read_bytes(), rebuilt.read_bytes())}"
                )
    return found


def rebuild(
    targets: list[Target], root: Path = REPO_ROOT, keep: Path | None = None
) -> tuple[Path, dict[str, list[str]]]:
    """Rebuild ``targets`` in a copy of ``root`` (``keep``, or a new temporary directory).

    Returns the copy and, per target, its differences with ``root`` (empty: byte-identical).
    """
    tree = keep or Path(tempfile.mkdtemp(prefix="rebuild-"))
    copy_tree(root, tree)
    found: dict[str, list[str]] = {}
    names = {target.name for target in targets}
    needed = [
        target_named(need) for target in targets for need in target.needs if need not in names
    ]
    for target in dict.fromkeys(needed):
        run_target(tree, target)
    for target in targets:
        remove_outputs(tree, target)
        run_target(tree, target)
        found[target.name] = differences(root, tree, target)
    return tree, found


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.rebuild``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.rebuild",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "targets", nargs="*", help=f"of {', '.join(t.name for t in TARGETS)} (default: all)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare only: exit 1 naming every byte of difference, change nothing",
    )
    parser.add_argument("--list", action="store_true", help="print the targets and exit")
    args = parser.parse_args(argv)
    targets = [target_named(name) for name in args.targets] or list(TARGETS)
    if args.list:
        for target in targets:
            print(f"{target.name}{' (slow)' if target.slow else ''}")
            for command in target.commands:
                print(f"    python -m {' '.join(command)}")
            print(f"    writes {', '.join(target.outputs)}")
        return 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rebuild-") as directory:
        tree, found = rebuild(targets, keep=Path(directory))
        if not args.check:
            for target in targets:
                for output in target.outputs:
                    for name in output_files(tree, output):
                        (REPO_ROOT / name).parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(tree / name, REPO_ROOT / name)
    status = 0
    for name, items in found.items():
        if not items:
            print(f"{name}: identical")
            continue
        print(f"{name}: {len(items)} difference(s)" + ("" if args.check else " (copied back)"))
        for item in items:
            print(f"    {item}")
        status = 1 if args.check else status
    print(f"{len(found)} targets in {time.monotonic() - started:.0f} s.")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
