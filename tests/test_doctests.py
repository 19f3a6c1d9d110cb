"""Every example in the library's docstrings runs and shows what it says."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path
import pkgutil

import pytest

import llm_guided_optuna


MODULES = sorted(
    info.name for info in pkgutil.walk_packages(llm_guided_optuna.__path__, "llm_guided_optuna.")
)


def test_every_library_module_is_checked() -> None:
    assert (
        "llm_guided_optuna._proposal.claims" in MODULES
        and "llm_guided_optuna.embedded.selection" in MODULES
    )


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_hold(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    module = importlib.import_module(name)
    result = doctest.testmod(module, report=True)
    assert result.failed == 0, (
        f"{result.failed} of {result.attempted} examples of {name} failed (see the output)"
    )
