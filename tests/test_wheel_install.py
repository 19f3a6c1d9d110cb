"""Installable outside the checkout: build the wheel, install it in a fresh virtual environment,
and run a study there from a folder that is not the checkout.

The virtual environment sees the system's packages (``--system-site-packages``), so Optuna,
PyTorch and llama.cpp need no download; the wheel itself is installed with ``--no-deps``. The
build uses the installed setuptools (``--no-build-isolation``): no network.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
import shutil
import subprocess
import sys
import textwrap
import zipfile

import pytest


ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

STUDY = textwrap.dedent("""
    import optuna
    import llm_guided_optuna
    from llm_guided_optuna import LLMGuidedSampler, PriorWeightedGPSampler

    print("imported from", llm_guided_optuna.__file__)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = LLMGuidedSampler(model="embedded/smollm2-135m", seed=0)
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2, n_trials=4)
    optimizer = sampler.optimizer.first  # the GP, before the TPE handover
    print("optimizer", type(optimizer).__name__, isinstance(optimizer, PriorWeightedGPSampler))
    print("sources", [t.user_attrs["llm_source"] for t in study.trials])
    print("llm calls", sampler.get_statistics()["sampler_stats"]["llm_calls"])
""")


def run(
    *command: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: int = 600
) -> str:
    result = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )
    assert result.returncode == 0, f"{command}: {result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built from a copy of what it packages (the checkout stays clean)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "llm_guided_optuna",
        source / "llm_guided_optuna",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    out = tmp_path_factory.mktemp("wheel")
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        out,
        source,
        cwd=source,
    )
    (built,) = out.glob("llm_guided_optuna-*.whl")
    return built


def test_wheel_holds_the_package_and_the_command(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert (
        "llm_guided_optuna/__init__.py" in names and "llm_guided_optuna/_prior/sampler.py" in names
    )
    assert any(n.startswith("llm_guided_optuna/embedded/") for n in names)
    assert "llm_guided_optuna/py.typed" in names  # type checkers read the package's hints
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert (
        "llm-optuna = llm_guided_optuna.cli:main"
        in zipfile.ZipFile(wheel).read(entry_points).decode()
    )
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)


@pytest.mark.llm
def test_installed_wheel_runs_a_study_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--system-site-packages", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(
        python,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--disable-pip-version-check",
        "-q",
        wheel,
        cwd=tmp_path,
    )
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "study.py").write_text(STUDY)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    out = run(python, "study.py", cwd=folder, env=env)
    imported = Path(out.split("imported from ", 1)[1].splitlines()[0])
    assert imported.is_relative_to(venv) and not imported.is_relative_to(ROOT), out
    assert "optimizer PriorWeightedGPSampler True" in out
    sources = ast.literal_eval(out.split("sources ", 1)[1].splitlines()[0])
    assert len(sources) == 4 and sources[0] == "optimizer"
    # The warm start, and the trust strategy's further calls while the LLM's trials pay.
    calls = int(out.split("llm calls ", 1)[1].splitlines()[0])
    assert 1 <= calls <= 3 and calls >= sources.count("llm")
    # The command line is installed in the environment too.
    assert "demo" in run(venv / "bin" / "llm-optuna", "--help", cwd=folder, env=env)
