"""Every published results file rebuilds byte for byte from the archived runs.

One test per target of :mod:`benchmarks.rebuild` (a results file, with the pages and figures
rendered from it): its commands run in a copy of the repository's files, on a fresh cache that
they restore from ``benchmarks/results/*archive``, and every output must equal the committed
one. The targets marked slow (``one_machine``, ``probe``, ``probe_designs``, ``advisors``,
``latest``; measured on a busy 2-core machine: ``probe`` 100 s, ``probe_designs`` 41 s, the
others 7 to 20 s) run with the rest of the suite in CI; ``-m "not slow"`` leaves them out.
What the rebuild does not cover (timings measured once) is listed in its module docstring.
"""

from __future__ import annotations

from pathlib import Path
import shlex

import pytest


pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

from benchmarks import rebuild  # noqa: E402


ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(target, id=target.name, marks=[pytest.mark.slow] if target.slow else [])
        for target in rebuild.TARGETS
    ],
)
def test_the_results_file_is_what_the_archive_gives(
    target: rebuild.Target, tmp_path: Path
) -> None:
    _, found = rebuild.rebuild([target], keep=tmp_path / "tree")
    assert found[target.name] == [], "\n".join(found[target.name])


def test_a_changed_output_is_named_with_its_first_differing_line(tmp_path: Path) -> None:
    root, tree = tmp_path / "root", tmp_path / "tree"
    for folder, text in ((root, "a\nb\n"), (tree, "a\nc\n")):
        (folder / "docs").mkdir(parents=True)
        (folder / "docs" / "page.md").write_text(text)
    target = rebuild.Target("page", (), ("docs/page.md",))
    assert rebuild.differences(root, tree, target) == [
        "docs/page.md: line 2: committed 'b', rebuilt 'c'"
    ]
    (tree / "docs" / "page.md").unlink()
    assert rebuild.differences(root, tree, target) == ["docs/page.md: committed but not rebuilt"]


def test_the_pages_print_the_commands_that_rebuild_them() -> None:
    """A reader who reruns a page's printed command gets what the rebuild checks."""
    pages = {
        "one_machine": "docs/benchmarks_one_machine.md",
        "advisors": "docs/benchmarks.md",
        "related": "docs/benchmarks_related.md",
    }
    for name, page in pages.items():
        (command,) = rebuild.target_named(name).commands
        text = (ROOT / page).read_text()
        assert f"python -m {shlex.join(command)}" in text, (name, page)


def test_an_unknown_target_is_refused_with_the_known_ones() -> None:
    with pytest.raises(SystemExit, match="the targets are one_machine"):
        rebuild.target_named("nope")
