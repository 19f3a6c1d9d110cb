"""The layout's rules, checked on the source: what a newcomer can rely on when reading the tree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "llm_guided_optuna"
#: Code outside the library that uses it: it may read public names only, and set no private state.
OUTSIDE = ("benchmarks", "examples", "package")
#: Files outside the library that set private state of a peer's code, not of this library, and
#: why: each is a named exception, not a pattern.
PEER_ADAPTERS = {
    "benchmarks/experiments/related.py": "OptunaHub's MetaLearnTPE, written for Optuna 4.1, "
    "adapted to two private TPE details of Optuna 5 (its own attributes and module)",
}


def _reaches_private(target: ast.Attribute) -> bool:
    """Whether ``target`` (``a.b.c``) goes through a private attribute, other than an object's
    own (``self._x``)."""
    chain: list[str] = []
    node: ast.expr = target
    while isinstance(node, ast.Attribute):
        chain.insert(0, node.attr)
        node = node.value
    own = isinstance(node, ast.Name) and node.id in ("self", "cls")
    private = [i for i, a in enumerate(chain) if a.startswith("_") and not a.startswith("__")]
    return any(i > 0 or not own for i in private)


def _private_assignments(path: Path) -> list[str]:
    """``x._name = ...`` and ``setattr(x, "_name", ...)`` on anything but ``self``/``cls``."""
    found = []
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and _reaches_private(target):
                found.append(f"{name}:{node.lineno}: {ast.unparse(target)}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and str(node.args[1].value).startswith("_")
        ):
            found.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_private_attribute_of_a_library_object_is_set_outside_the_library() -> None:
    files = [path for folder in OUTSIDE for path in sorted((ROOT / folder).rglob("*.py"))]
    assert files
    found = [
        line
        for path in files
        if path.relative_to(ROOT).as_posix() not in PEER_ADAPTERS
        for line in _private_assignments(path)
    ]
    assert found == []


def test_the_check_sees_a_private_assignment(tmp_path: Path) -> None:
    bad = tmp_path / "probe.py"
    bad.write_text("sampler._proposer.warm_start_prompt = 1\nsetattr(sampler, '_x', 2)\n")
    assert len(_private_assignments(bad)) == 2


def test_the_library_top_level_holds_at_most_twelve_modules() -> None:
    modules = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(modules) <= 12, modules


@pytest.mark.parametrize("folder", ["_sampler", "_proposal", "_prompt", "_llm", "_prior", "cli"])
def test_every_sub_package_module_stays_under_500_lines(folder: str) -> None:
    long = {
        path.name: n
        for path in (PACKAGE / folder).glob("*.py")
        if (n := len(path.read_text().splitlines())) > 500
    }
    assert long == {}


#: Optuna's private study, trial and distribution API (Optuna's GP privates: ``_gp_compat``).
OPTUNA_PRIVATES = ("_storage", "_study_id", "_get_trials", "_trial_id", "_contains")
#: The modules that may reach them.
OPTUNA_COMPAT = ("_optuna_compat.py",)


def _optuna_private_uses(path: Path) -> list[str]:
    """Every ``x._storage``-like attribute in ``path`` (``self._study_id`` of our own included:
    the names are Optuna's, so the rule is by name)."""
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
        and node.attr in OPTUNA_PRIVATES
        and not (isinstance(node.value, ast.Name) and node.value.id == "self")
    ]


def test_optuna_private_api_is_reached_through_one_module() -> None:
    found = [
        use
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name not in OPTUNA_COMPAT
        for use in _optuna_private_uses(path)
    ]
    assert found == []
    assert _optuna_private_uses(PACKAGE / "_optuna_compat.py")  # the rule sees the uses
