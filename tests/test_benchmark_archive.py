"""The benchmark's archive: runs and LLM exchanges kept in the repository survive a fresh clone."""

from __future__ import annotations

import json
from pathlib import Path
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
    """docs/benchmarks_one_machine.md is rebuilt from the archive alone, figure for figure."""
    import shlex

    from benchmarks.report import report as report_cli

    page = REPO_ROOT / "docs" / "benchmarks_one_machine.md"
    committed = page.read_text()
    command = next(
        line for line in committed.splitlines() if line.startswith("python -m benchmarks.report ")
    )
    arguments = shlex.split(command)[3:]
    for option, value in (
        ("--output-json", tmp_path / "one_machine.json"),
        ("--output-markdown", tmp_path / "docs" / page.name),
        ("--figures-dir", tmp_path / "docs" / "one_machine"),
    ):
        arguments[arguments.index(option) + 1] = str(value)
    arguments[arguments.index("--reading") + 1] = str(
        REPO_ROOT / arguments[arguments.index("--reading") + 1]
    )
    status = report_cli.main(arguments + ["--cache-dir", str(tmp_path / "cache")])
    assert status == 0

    def without_machine(
        text: str,
    ) -> list[str]:  # the one line that describes the reporting machine
        return [line for line in text.splitlines() if not line.startswith("Machine: ")]

    rebuilt = (tmp_path / "docs" / page.name).read_text()
    assert (
        without_machine(rebuilt)[12:] == without_machine(committed)[12:]
    )  # all but the Reproduce commands
    assert json.loads((tmp_path / "one_machine.json").read_text()) == json.loads(
        (REPO_ROOT / "benchmarks" / "results" / "one_machine.json").read_text()
    )
