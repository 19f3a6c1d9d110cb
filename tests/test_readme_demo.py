"""The README's demo (``bash scripts/demo.sh``, i.e. ``examples/basic_usage.py``) prints the
sampler's INFO lines above Optuna's progress bar, never in the middle of it, and each once.

Optuna's progress bar writes log records with ``tqdm.write`` (to stdout, clearing the bar on
stderr first), so the two streams merged, as a terminal shows them, keep whole lines.
"""

from __future__ import annotations

import os
from pathlib import Path
import re
import subprocess
import sys

import pytest


ROOT = Path(__file__).resolve().parent.parent
#: A frame of tqdm's bar: ``40%|████      | 2/5 [00:01<00:02, 1.2it/s]``.
BAR = re.compile(r"\d+%\|[^|]*\| \d+/\d+")
#: The start of one of Optuna's log records: ``[I 2026-12-07 23:40:01,123]``.
RECORD = re.compile(r"\[[IWE] \d{4}-\d\d-\d\d ")


def broken_lines(stderr: str) -> list[str]:
    """The terminal lines (between carriage returns and newlines) in which a bar frame and a
    log record share the line.

    Example:
        >>> broken_lines("[I 2026-12-07 23:40:01,123] loading\\n 40%|##  | 2/5 [00:01<00:02]\\n")
        []
        >>> len(broken_lines(" 40%|##  | 2/5 [00:01<00:02][I 2026-12-07 23:40:01,1] call\\n"))
        1
    """
    return [
        line for line in re.split(r"[\r\n]", stderr) if BAR.search(line) and RECORD.search(line)
    ]


def test_a_bar_frame_followed_by_a_log_record_is_found() -> None:
    assert broken_lines(" 20%|#   | 1/5 [I 2026-12-07 23:40:01,123] waiting\r")
    assert not broken_lines(" 20%|#   | 1/5\n[I 2026-12-07 23:40:01,123] waiting\n")


@pytest.mark.llm
@pytest.mark.slow
def test_the_demo_writes_its_log_lines_above_the_progress_bar() -> None:
    pytest.importorskip("sklearn")
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "examples/basic_usage.py",
            "--trials",
            "4",
            "--model",
            "embedded/smollm2-135m",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream, in the order a terminal shows them
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert BAR.search(done.stdout), "the demo showed no progress bar"
    records = RECORD.findall(done.stdout)
    assert records, "the demo logged no line of the sampler"
    lines = [line for line in re.split(r"[\r\n]", done.stdout) if RECORD.search(line)]
    assert len(lines) == len(set(lines)), "a log line was written twice"
    assert broken_lines(done.stdout) == []
