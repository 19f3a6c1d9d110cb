"""Keep the benchmark's runs and LLM exchanges in the repository, so that a fresh clone has them.

The run cache (``benchmarks/.cache``) lives on one machine: a fresh clone or a new machine
starts without it, and the runs of an LLM sampler take hours on two cores. The archive keeps
what the published figures were computed from, next to them:

* ``benchmarks/results/archive/runs/<task>.jsonl.gz``: every run record of the task, one per
  line (see :mod:`benchmarks.core.runner`);
* ``benchmarks/results/archive/exchanges.jsonl.gz``: every recorded exchange with an LLM, one
  per line with its request fingerprint (see :mod:`llm_guided_optuna._llm.replay`).

``save`` adds what the cache holds to the archive (a cached run replaces an archived run of the
same task, sampler, seed and budget); ``restore`` writes into the cache what it lacks and never
overwrites. ``python -m benchmarks.run`` and ``python -m benchmarks.report`` restore first
(``--no-archive`` starts from the cache alone), so on a fresh clone the report reproduces the
archived rows, and a run of a new sampler replays the recorded LLM answers instead of asking the
model again. The files are written sorted and with a fixed gzip time stamp: saving the same
content twice gives the same bytes.

Examples::

    python -m benchmarks.archive save       # after a benchmark run, before committing the results
    python -m benchmarks.archive restore    # what run and report do first
    python -m benchmarks.archive list       # what the archive holds, per sampler
    python -m benchmarks.archive rename --old llm-trust --new "llm-trust[reask=0]"
"""

from __future__ import annotations

import argparse
from collections import Counter
import gzip
import json
import os
from pathlib import Path
import sys
import tempfile
from typing import Any
from typing import Iterator

from benchmarks._paths import DEFAULT_ARCHIVE_DIR
from benchmarks._paths import DEFAULT_CACHE_DIR
from benchmarks.core.runner import load_run
from benchmarks.core.runner import RECORD_FORMAT
from benchmarks.core.runner import run_path
from benchmarks.core.runner import save_run


EXCHANGES_NAME = "exchanges.jsonl.gz"
RUNS_DIR_NAME = "runs"
EXCHANGES_DIR_NAME = "exchanges"


def _run_key(record: dict[str, Any]) -> tuple[str, str, int, int]:
    return (
        str(record["task"]),
        str(record["sampler"]),
        int(record["seed"]),
        int(record["n_trials"]),
    )


def _read_lines(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                yield json.loads(line)


def _write_lines(path: Path, items: list[dict[str, Any]]) -> None:
    """Write ``items`` as gzip JSON Lines, atomically and byte-for-byte reproducibly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with (
            os.fdopen(handle, "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as stream,
        ):
            for item in items:
                line = json.dumps(
                    item,
                    sort_keys=True,
                    ensure_ascii=False,
                    separators=(",", ":"),
                    allow_nan=False,
                )
                stream.write(line.encode("utf-8") + b"\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def archived_run_records(archive_dir: Path) -> Iterator[dict[str, Any]]:
    """Every run record of the archive ``archive_dir``, task by task, as stored."""
    for path in sorted((Path(archive_dir) / RUNS_DIR_NAME).glob("*.jsonl.gz")):
        yield from _read_lines(path)


def cached_run_records(cache_dir: Path) -> Iterator[dict[str, Any]]:
    """Every complete run record in ``cache_dir`` (one folder per task)."""
    for folder in sorted(Path(cache_dir).iterdir()) if Path(cache_dir).is_dir() else []:
        if not folder.is_dir() or folder.name == EXCHANGES_DIR_NAME:
            continue
        for path in sorted(folder.glob("*__seed*__trials*.json")):
            try:
                record = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError):
                continue
            if record.get("format") == RECORD_FORMAT and len(
                record.get("values", [])
            ) == record.get("n_trials"):
                yield record


def _cached_exchanges(cache_dir: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    folder = Path(cache_dir) / EXCHANGES_DIR_NAME
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            yield path.stem, json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue


def save(cache_dir: Path, archive_dir: Path) -> dict[str, int]:
    """Add the cache's runs and exchanges to the archive; returns counts of what is new."""
    by_task: dict[str, dict[tuple[str, str, int, int], dict[str, Any]]] = {}
    for path in sorted((archive_dir / RUNS_DIR_NAME).glob("*.jsonl.gz")):
        for record in _read_lines(path):
            by_task.setdefault(record["task"], {})[_run_key(record)] = record
    counts = {"runs": 0, "exchanges": 0}
    changed: set[str] = set()
    for record in cached_run_records(cache_dir):
        runs = by_task.setdefault(record["task"], {})
        if runs.get(_run_key(record)) != record:
            counts["runs"] += 1
            changed.add(record["task"])
            runs[_run_key(record)] = record
    for task in sorted(changed):
        runs = by_task[task]
        _write_lines(
            archive_dir / RUNS_DIR_NAME / f"{task}.jsonl.gz", [runs[key] for key in sorted(runs)]
        )
    exchanges = {item["fingerprint"]: item for item in _read_lines(archive_dir / EXCHANGES_NAME)}
    for fingerprint, record in _cached_exchanges(cache_dir):
        if fingerprint not in exchanges:
            counts["exchanges"] += 1
            exchanges[fingerprint] = {"fingerprint": fingerprint, **record}
    if counts["exchanges"]:
        _write_lines(archive_dir / EXCHANGES_NAME, [exchanges[key] for key in sorted(exchanges)])
    return counts


def restore(cache_dir: Path, archive_dir: Path) -> dict[str, int]:
    """Write into the cache the archived runs and exchanges it lacks; returns the counts
    written."""
    counts = {"runs": 0, "exchanges": 0}
    for path in sorted((archive_dir / RUNS_DIR_NAME).glob("*.jsonl.gz")):
        for record in _read_lines(path):
            task, sampler, seed, n_trials = _run_key(record)
            if load_run(cache_dir, task, sampler, seed, n_trials) is None:
                save_run(cache_dir, record)
                counts["runs"] += 1
    folder = Path(cache_dir) / EXCHANGES_DIR_NAME
    for item in _read_lines(archive_dir / EXCHANGES_NAME):
        record = {key: value for key, value in item.items() if key != "fingerprint"}
        path = folder / f"{item['fingerprint']}.json"
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".json.tmp")
            temporary.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
            temporary.replace(path)
            counts["exchanges"] += 1
    return counts


def rename(archive_dir: Path, old: str, new: str, cache_dir: Path | None = None) -> int:
    """Give the archived runs of sampler ``old`` the name ``new`` (and the cached ones, with
    ``cache_dir``); returns how many archived runs were renamed.

    For a name whose meaning a change of the library's defaults moved: the runs keep the name
    that says what ran (e.g. ``llm-trust`` recorded before the design of 0.2.0 becomes
    ``llm-trust[first=off,reask=0,reward=off]``), and the old name is free for new runs.
    ``benchmarks.replay_check`` then shows that the new name reproduces them.
    """
    renamed = 0
    for path in sorted((archive_dir / RUNS_DIR_NAME).glob("*.jsonl.gz")):
        records = list(_read_lines(path))
        if not any(record["sampler"] == old for record in records):
            continue
        runs = {}
        for record in records:
            if record["sampler"] == old:
                record = {**record, "sampler": new}
                renamed += 1
            runs[_run_key(record)] = record
        _write_lines(path, [runs[key] for key in sorted(runs)])
    if cache_dir is not None:
        for record in list(cached_run_records(cache_dir)):
            if record["sampler"] == old:
                save_run(cache_dir, {**record, "sampler": new})
                task, _, seed, n_trials = _run_key(record)
                run_path(cache_dir, task, old, seed, n_trials).unlink()
    return renamed


def add_archive_arguments(parser: argparse.ArgumentParser) -> None:
    """``--archive-dir`` and ``--no-archive``, for the commands that restore first."""
    parser.add_argument(
        "--archive-dir",
        type=Path,
        default=DEFAULT_ARCHIVE_DIR,
        help="the archive restored into the cache first (see benchmarks/archive.py)",
    )
    parser.add_argument(
        "--no-archive",
        action="store_true",
        help="do not restore the archive: work from the cache alone (e.g. to rerun from scratch)",
    )


def restore_from_arguments(args: argparse.Namespace) -> None:
    """:func:`restore` unless ``--no-archive``, saying on stderr what it wrote."""
    if args.no_archive:
        return
    counts = restore(args.cache_dir, args.archive_dir)
    if counts["runs"] or counts["exchanges"]:
        print(
            f"Restored {counts['runs']} runs and {counts['exchanges']} LLM exchanges from the "
            f"archive ({args.archive_dir}) into {args.cache_dir}.",
            file=sys.stderr,
        )


def summary(archive_dir: Path) -> list[str]:
    """Lines saying how many runs the archive holds per sampler and budget, and its exchanges."""
    counts: Counter[tuple[str, int]] = Counter()
    tasks: dict[tuple[str, int], set[str]] = {}
    for path in sorted((archive_dir / RUNS_DIR_NAME).glob("*.jsonl.gz")):
        for record in _read_lines(path):
            key = (str(record["sampler"]), int(record["n_trials"]))
            counts[key] += 1
            tasks.setdefault(key, set()).add(str(record["task"]))
    lines = [
        f"{sampler:<44} {n_trials:>4} trials {count:>5} runs on {len(tasks[(sampler, n_trials)])} "
        "tasks"
        for (sampler, n_trials), count in sorted(counts.items())
    ]
    exchanges = sum(1 for _ in _read_lines(archive_dir / EXCHANGES_NAME))
    lines.append(f"{exchanges} recorded LLM exchanges")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.archive``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.archive",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=("save", "restore", "list", "rename"))
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--archive-dir", type=Path, default=DEFAULT_ARCHIVE_DIR)
    parser.add_argument("--old", help="rename: the sampler name the runs have")
    parser.add_argument("--new", help="rename: the sampler name they get")
    args = parser.parse_args(argv)
    if args.action == "list":
        print("\n".join(summary(args.archive_dir)))
        return 0
    if args.action == "rename":
        if not args.old or not args.new:
            parser.error("rename needs --old and --new")
        renamed = rename(args.archive_dir, args.old, args.new, args.cache_dir)
        print(f"{renamed} archived runs of {args.old} are now {args.new}.")
        return 0
    action = save if args.action == "save" else restore
    counts = action(args.cache_dir, args.archive_dir)
    verb = "added to the archive" if args.action == "save" else "restored into the cache"
    print(f"{counts['runs']} runs and {counts['exchanges']} LLM exchanges {verb}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
