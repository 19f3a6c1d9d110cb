"""The benchmark's archive: runs and LLM exchanges kept in the repository survive a fresh clone."""

from __future__ import annotations

import json
import os
from pathlib import Path
import shlex
import sys

import pytest


REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # `benchmarks/` is not an installed package
    sys.path.insert(0, str(REPO_ROOT))

pytest.importorskip("sklearn")
pytest.importorskip("tqdm")

from benchmarks import run as run_cli  # noqa: E402
from benchmarks.core import archive  # noqa: E402
from benchmarks.core.runner import load_run  # noqa: E402


TASK = "svm-iris"
TRIALS = 3


def _run(cache: Path, archive_dir: Path, *extra: str) -> None:
    run_cli.main(
        [
            "--tasks",
            TASK,
            "--samplers",
            "random",
            "tpe",
            "--seeds",
            "1",
            "--trials",
            str(TRIALS),
            "--cache-dir",
            str(cache),
            "--archive-dir",
            str(archive_dir),
            "--no-progress",
            *extra,
        ]
    )


def _exchange(cache: Path, fingerprint: str, content: str) -> None:
    folder = cache / "exchanges"
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "format": 2,
        "request": {"model": "embedded/m", "messages": [{"role": "user", "content": "hi"}]},
        "reply": {
            "content": content,
            "model": "m",
            "latency_s": 1.5,
            "prompt_tokens": 3,
            "completion_tokens": 2,
            "cost_usd": 0.0,
        },
    }
    (folder / f"{fingerprint}.json").write_text(json.dumps(record))


def test_a_fresh_cache_gets_the_archived_runs_and_exchanges_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache, archive_dir, fresh = tmp_path / "cache", tmp_path / "archive", tmp_path / "fresh"
    _run(cache, archive_dir)
    _exchange(cache, "ab" * 32, '{"x": 1}')
    assert archive.save(cache, archive_dir) == {"runs": 2, "exchanges": 1}
    assert [path.name for path in (archive_dir / "runs").iterdir()] == [f"{TASK}.jsonl.gz"]
    # Saving the same content again changes nothing, byte for byte.
    files = {path: path.read_bytes() for path in archive_dir.rglob("*.gz")}
    assert archive.save(cache, archive_dir) == {"runs": 0, "exchanges": 0}
    assert {path: path.read_bytes() for path in archive_dir.rglob("*.gz")} == files

    capsys.readouterr()
    _run(fresh, archive_dir)  # a fresh clone: everything comes from the archive
    output = capsys.readouterr()
    assert "0 runs done, 2 taken from the cache" in output.out
    assert "Restored 2 runs and 1 LLM exchanges from the archive" in output.err
    for sampler in ("random", "tpe"):
        assert load_run(fresh, TASK, sampler, 0, TRIALS) == load_run(
            cache, TASK, sampler, 0, TRIALS
        )
    restored = json.loads((fresh / "exchanges" / f"{'ab' * 32}.json").read_text())
    assert restored == json.loads((cache / "exchanges" / f"{'ab' * 32}.json").read_text())

    _run(
        tmp_path / "scratch", archive_dir, "--no-archive"
    )  # from scratch: the archive is left alone
    assert "2 runs done, 0 taken from the cache" in capsys.readouterr().out


def test_a_restore_never_overwrites_the_cache_and_a_save_takes_the_cached_run(
    tmp_path: Path,
) -> None:
    cache, archive_dir = tmp_path / "cache", tmp_path / "archive"
    _run(cache, archive_dir, "--no-archive")
    _exchange(cache, "cd" * 32, "archived answer")
    archive.save(cache, archive_dir)

    path = cache / TASK / f"random__seed0__trials{TRIALS}.json"
    record = json.loads(path.read_text())
    record["values"] = [0.5] * TRIALS  # a rerun that differs from the archived one
    path.write_text(json.dumps(record))
    _exchange(cache, "cd" * 32, "local answer")
    assert archive.restore(cache, archive_dir) == {"runs": 0, "exchanges": 0}
    assert json.loads(path.read_text())["values"] == [0.5] * TRIALS
    assert "local answer" in (cache / "exchanges" / f"{'cd' * 32}.json").read_text()

    assert archive.save(cache, archive_dir) == {
        "runs": 1,
        "exchanges": 0,
    }  # exchanges are never replaced
    fresh = tmp_path / "fresh"
    assert archive.restore(fresh, archive_dir) == {"runs": 2, "exchanges": 1}
    assert load_run(fresh, TASK, "random", 0, TRIALS)["values"] == [0.5] * TRIALS
    assert "archived answer" in (fresh / "exchanges" / f"{'cd' * 32}.json").read_text()
    lines = archive.summary(archive_dir)
    assert lines == [
        f"{'random':<44}    3 trials     1 runs on 1 tasks",
        f"{'tpe':<44}    3 trials     1 runs on 1 tasks",
        "1 recorded LLM exchanges",
    ]


def test_a_truncated_cache_file_is_replaced_by_the_archived_run(tmp_path: Path) -> None:
    cache, archive_dir = tmp_path / "cache", tmp_path / "archive"
    _run(cache, archive_dir, "--no-archive")
    archive.save(cache, archive_dir)
    path = cache / TASK / f"tpe__seed0__trials{TRIALS}.json"
    expected = json.loads(path.read_text())
    path.write_text(path.read_text()[:40])  # a process killed while writing
    assert archive.restore(cache, archive_dir) == {"runs": 1, "exchanges": 0}
    assert json.loads(path.read_text()) == expected


@pytest.mark.slow
def test_the_committed_one_machine_page_is_what_the_archive_gives(tmp_path: Path) -> None:
    """docs/benchmarks_one_machine.md, its JSON and its figures rebuild byte for byte from the
    archive: the page's own command, run in a copy of the tree on a fresh cache."""
    import shutil
    import subprocess

    page = REPO_ROOT / "docs" / "benchmarks_one_machine.md"
    command = next(
        line
        for line in page.read_text().splitlines()
        if line.startswith("python -m benchmarks.report ")
    )
    copy = tmp_path / "tree"
    ignore = shutil.ignore_patterns(".cache", "__pycache__")
    for folder in ("benchmarks", "llm_guided_optuna", "tests/support"):
        shutil.copytree(REPO_ROOT / folder, copy / folder, ignore=ignore)
    shutil.copytree(REPO_ROOT / "docs", copy / "docs")
    (copy / "tests" / "__init__.py").touch()
    env = {**os.environ, "PYTHONPATH": str(copy)}
    subprocess.run(
        [sys.executable, *shlex.split(command)[1:]], cwd=copy, env=env, check=True, timeout=600
    )
    outputs = [
        "docs/benchmarks_one_machine.md",
        "benchmarks/results/one_machine.json",
        *(str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "docs" / "one_machine").glob("*")),
    ]
    for output in outputs:
        assert (copy / output).read_bytes() == (REPO_ROOT / output).read_bytes(), output
