"""The OptunaHub package (``package/samplers/llm_guided``): its layout, and its example run
through ``optunahub.load_local_module`` on the embedded model."""

from __future__ import annotations

from pathlib import Path
import re
import runpy

import optuna
import pytest


ROOT = Path(__file__).resolve().parent.parent
REGISTRY_ROOT = ROOT / "package"
PACKAGE = REGISTRY_ROOT / "samplers" / "llm_guided"


def test_the_package_has_what_the_registration_recipe_asks_for() -> None:
    assert sorted(p.name for p in PACKAGE.iterdir() if p.name != "__pycache__") == [
        "LICENSE",
        "README.md",
        "__init__.py",
        "example.py",
        "requirements.txt",
    ]
    assert PACKAGE.joinpath("LICENSE").read_text().startswith("MIT License")
    readme = PACKAGE.joinpath("README.md").read_text()
    header = re.match(r"---\n(.*?)\n---\n", readme, flags=re.DOTALL)
    assert header is not None
    fields = dict(line.split(": ", 1) for line in header.group(1).splitlines())
    assert set(fields) == {"author", "title", "description", "tags", "optuna_versions", "license"}
    assert "sampler" in fields["tags"] and fields["license"] == "MIT License"
    for section in ("## Abstract", "## APIs", "## Installation", "## Example", "## Others"):
        assert section in readme
    assert "llm-guided-optuna" in PACKAGE.joinpath("requirements.txt").read_text()


@pytest.mark.llm
def test_load_local_module_runs_the_example(monkeypatch, capsys) -> None:
    import optunahub  # a dev dependency (scripts/setup.sh --dev)

    module = optunahub.load_local_module(
        package="samplers/llm_guided", registry_root=str(REGISTRY_ROOT)
    )
    assert issubclass(module.LLMGuidedSampler, optuna.samplers.BaseSampler)
    # The example loads the package from the hub; here it gets the local copy.
    monkeypatch.setattr(
        optunahub,
        "load_module",
        lambda package, **kwargs: optunahub.load_local_module(
            package=package, registry_root=str(REGISTRY_ROOT)
        ),
    )
    monkeypatch.setenv("LLM_GUIDED_TRIALS", "6")
    runpy.run_path(str(PACKAGE / "example.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "best accuracy" in out and "'llm'" in out
