"""No import cycles in the library or the benchmarks: every import counts, lazy ones too.

An import inside a function, under ``TYPE_CHECKING`` or in a module ``__getattr__`` still ties
the two modules together: the test reads every ``import`` statement of every module (with
:mod:`ast`, so nothing is imported) and fails on the first cycle it finds, naming it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("llm_guided_optuna", "benchmarks")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The modules of ``known`` that ``path`` imports, anywhere in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            # The deepest known module the import names (a name imported from a module is not one).
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    known = {module_name(p) for p in paths}
    graph = {module_name(p): imports_of(p, known) for p in paths}
    # A package's __init__ importing its own sub-modules is how packages work, not a cycle.
    return {
        name: {t for t in targets if not t.startswith(name + ".")}
        for name, targets in graph.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of modules (first == last), or ``None``."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle(package: str) -> None:
    graph = {
        name: targets for name, targets in import_graph().items() if name.split(".")[0] == package
    }
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


#: The benchmarks' layers, lowest first: a module imports only from its own layer or lower ones.
#: ``benchmarks._paths`` and the package itself sit below them all; the command-line entry modules
#: (``benchmarks/<name>.py``, ``python -m benchmarks.<name>``) sit above and may import anything.
BENCHMARK_LAYERS = ("tasks", "core", "experiments", "report")


def benchmark_layer(module: str) -> int:
    """The rank of ``module`` among the benchmarks' layers (0 for ``_paths``, top for entries)."""
    parts = module.split(".")
    if module in ("benchmarks", "benchmarks._paths"):
        return 0
    if len(parts) > 2 or parts[1] in BENCHMARK_LAYERS:
        return BENCHMARK_LAYERS.index(parts[1]) + 1
    return len(BENCHMARK_LAYERS) + 1  # an entry module


def test_the_benchmark_layer_of_a_module() -> None:
    assert benchmark_layer("benchmarks._paths") == 0
    assert benchmark_layer("benchmarks.tasks") == benchmark_layer("benchmarks.tasks.registry") == 1
    assert benchmark_layer("benchmarks.report.render") == 4
    assert benchmark_layer("benchmarks.run") == 5


def test_the_benchmarks_import_one_way() -> None:
    """tasks < core < experiments < report: no layer imports a higher one, lazily or not."""
    upward = sorted(
        f"{name} -> {target}"
        for name, targets in import_graph().items()
        if name.split(".")[0] == "benchmarks"
        for target in targets
        if target.split(".")[0] == "benchmarks" and benchmark_layer(target) > benchmark_layer(name)
    )
    assert upward == [], "imports against the layers:\n" + "\n".join(upward)
