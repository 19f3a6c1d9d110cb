"""The README is a user's page: short, its results figure near the top, its quick-start runs.

The quick-start is extracted from the README and run as written (on the embedded model the
suite uses, see ``tests/conftest.py``), from a folder outside the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path
import re
import subprocess
import sys

import pytest


ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MAX_WORDS = 1500

FENCE = re.compile(r"^```.*?^```[ \t]*$", re.S | re.M)
COMMENT = re.compile(r"<!--.*?-->", re.S)


def prose(markdown: str) -> str:
    """``markdown`` without its fenced code blocks and HTML comments."""
    return COMMENT.sub(" ", FENCE.sub(" ", markdown))


def word_count(markdown: str) -> int:
    """Words outside fenced code blocks, as ``awk '/^```/{c=!c; next} !c' README.md | wc -w``
    counts them: whitespace-separated, table pipes and HTML comments included.

    >>> word_count("Two words\\n```python\\nnot = counted\\n```\\n| a | b-c |")
    7
    """
    outside, in_code = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        if not in_code:
            outside.append(line)
    return len("\n".join(outside).split())


def quick_start(markdown: str) -> str:
    """The first ``python`` block under the "Quick start" heading."""
    section = markdown.split("\n## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.search(r"^```python\n(.*?)^```", section, re.S | re.M).group(1)


def test_word_counter_counts_prose_only() -> None:
    assert word_count("# Title\n\nOne, two three.\n\n```bash\necho a b c d\n```\n") == 5
    assert word_count("| a | b |\n|---|---|\n| 0.329 | x |") == 11


def test_readme_is_at_most_1500_words_outside_code_blocks() -> None:
    count = word_count(README.read_text())
    assert count <= MAX_WORDS, (
        f"README has {count} words outside code blocks (at most {MAX_WORDS})"
    )


def test_results_figure_is_in_the_first_40_lines() -> None:
    head = README.read_text().splitlines()[:40]
    images = [line for line in head if re.search(r"!\[[^\]]+\]\(docs/[^)]+\.png\)", line)]
    assert images, "no results figure in the README's first 40 lines"
    for line in images:
        path = re.search(r"\((docs/[^)]+\.png)\)", line).group(1)
        assert (ROOT / path).stat().st_size > 10_000


def test_readme_keeps_the_two_commands() -> None:
    text = README.read_text()
    assert "bash scripts/demo.sh" in text and "bash scripts/test.sh" in text


def test_sections_come_in_the_issues_order() -> None:
    headings = re.findall(r"^## (.+)$", README.read_text(), re.M)
    order = [
        "Results at a glance",
        "Quick start",
        "Install",
        "Which model, which strategy",
        "A hosted or self-hosted model",
        "Tell it what you know",
        "Configuration",
        "What each trial records",
        "Command line",
        "Scaling out",
        "Limitations and troubleshooting",
        "FAQ",
        "Links",
        "Changelog",
        "Licence",
    ]
    assert [h for h in headings if h in order] == order


def test_configuration_table_names_every_argument_of_the_sampler() -> None:
    """The table is the user guide's; the README links to it."""
    import inspect

    from llm_guided_optuna import LLMGuidedSampler

    readme_section = README.read_text().split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    assert "docs/user_guide.md#configuration" in readme_section
    guide = (ROOT / "docs" / "user_guide.md").read_text()
    section = guide.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    first_cells = re.findall(r"^\| (`[^|]+)\|", section, re.M)
    documented = {name for cell in first_cells for name in re.findall(r"`(\w+)`", cell)}
    arguments = set(inspect.signature(LLMGuidedSampler.__init__).parameters) - {"self"}
    assert arguments - documented <= {"fallback_sampler"}, arguments - documented


def test_from_zero_the_readme_clones_makes_a_venv_and_installs_torch_first() -> None:
    text = README.read_text()
    quick = text.split("\n## Quick start", 1)[1].split("\n## ", 1)[0]
    lines = [line.split("#")[0].strip() for line in quick.splitlines()]
    clone = next(i for i, line in enumerate(lines) if line.startswith("git clone "))
    venv = next(i for i, line in enumerate(lines) if "-m venv" in line)
    setup = lines.index("bash scripts/setup.sh")
    assert clone < venv < setup < lines.index("bash scripts/demo.sh")
    install = text.split("\n## Install", 1)[1].split("\n## ", 1)[0]
    torch_line = install.index(
        "pip install torch --index-url https://download.pytorch.org/whl/cpu"
    )
    assert torch_line < install.index('pip install "llm-guided-optuna[')
    # The quick start imports scikit-learn: the offline install line brings it (extra `demo`).
    assert "llm-guided-optuna[local,gp,demo] @" in install


def test_the_readme_answers_the_questions_users_ask() -> None:
    faq = README.read_text().split("\n## FAQ", 1)[1].split("\n## ", 1)[0]
    for question in (
        "turn the LLM off",
        "cost on a hosted model",
        "model that is down",
        "not asked again",
        "Which versions",
    ):
        assert question in faq, question


@pytest.mark.llm
@pytest.mark.slow
def test_quick_start_runs_as_written(tmp_path: Path) -> None:
    script = tmp_path / "quick_start.py"
    script.write_text(quick_start(README.read_text()))
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env=environment,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines[:2]] == [
        ["0", "optimizer"],
        ["1", lines[1].split()[1]],
    ]
    assert lines[1].split()[1] in {"llm", "fallback", "llm+fallback"}
    best = float(lines[-1].split()[1])
    assert 0.9 < best <= 1.0, result.stdout  # 20 trials of a GP find a good SVC on the digits


def test_install_lines_name_the_repository_of_pyproject() -> None:
    url = re.search(r'^Repository = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(
        1
    )
    install = f"llm-guided-optuna[local,gp] @ git+{url}"
    assert f'pip install "llm-guided-optuna[local,gp,demo] @ git+{url}"' in README.read_text()
    assert (
        f'pip install "{install}"' in (ROOT / "package/samplers/llm_guided/README.md").read_text()
    )
    assert install in (ROOT / "package/samplers/llm_guided/requirements.txt").read_text()
    assert f"@ git+{url}" in (ROOT / "requirements.txt").read_text()


def anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading.

    >>> anchor("Install: sizes and timings")
    'install-sizes-and-timings'
    """
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_readme_links_reach_their_files_and_headings() -> None:
    for target in re.findall(r"\]\(([^)\s]+)\)", prose(README.read_text())):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, fragment = target.partition("#")
        page = (ROOT / path) if path else README
        assert page.exists(), target
        if fragment and page.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", page.read_text(), re.M)
            assert fragment in {anchor(h) for h in headings}, target


def test_the_versions_named_as_tested_are_the_ones_running() -> None:
    import platform

    import optuna

    changelog = (ROOT / "CHANGELOG.md").read_text()
    compatibility = changelog.split("**Compatibility.**", 1)[1].split("\n\n", 1)[0]
    assert f"Python {platform.python_version()}" in compatibility
    assert f"Optuna {optuna.__version__}" in compatibility
    page = (ROOT / "package/samplers/llm_guided/README.md").read_text()
    versions = re.search(r"^optuna_versions: \[(.*)\]$", page, re.M).group(1)
    assert optuna.__version__ in [v.strip() for v in versions.split(",")]


def test_setup_without_flags_installs_what_the_demo_needs() -> None:
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    extras = re.search(r'^extras="([^"]+)"', setup, re.M).group(1).split(",")
    assert {"local", "plot", "demo"} <= set(extras) and '".[$extras,gp]"' in setup
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^demo = \["scikit-learn>=[\d.]+"\]$', pyproject, re.M)
    assert re.search(r'^plot = \["matplotlib>=[\d.]+"\]$', pyproject, re.M)
