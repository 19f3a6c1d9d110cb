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


#: The library's floors, lowest first: a module imports only from its own floor or lower ones,
#: lazily or not. docs/03 §1 draws this order; ``test_docs_03_draws_the_floors`` checks it.
LIBRARY_FLOORS: tuple[tuple[str, ...], ...] = (
    # The ground floor: the storage schema, counters, checks, trial helpers, Optuna's privates.
    (
        "exceptions",
        "_imports",
        "_logging",
        "_warnings",
        "_optuna_compat",
        "_attrs",
        "_stats",
        "_checks",
        "_trials",
    ),
    ("_prompt", "embedded"),  # pure: study -> request, text -> proposals; the local models
    ("_llm",),  # the only code that talks to a model
    ("_proposal",),  # one answer -> validated, claimed configurations
    ("_prior",),  # piBO: the prior-weighted GP
    ("_sampler",),  # Optuna's hooks and the strategies
    ("cli", "__init__"),  # the command line and the public names
)


def library_floor(module: str) -> int:
    """The floor of a library module (its sub-package or ground-floor module)."""
    parts = module.split(".")
    room = parts[1] if len(parts) > 1 else "__init__"
    for floor, rooms in enumerate(LIBRARY_FLOORS):
        if room in rooms:
            return floor
    raise AssertionError(f"{module} is on no floor: add {room!r} to LIBRARY_FLOORS")


def test_the_floor_of_a_module() -> None:
    assert library_floor("llm_guided_optuna._attrs") == 0
    assert library_floor("llm_guided_optuna._prompt.render") == 1
    assert library_floor("llm_guided_optuna._sampler.trust") == 5
    assert library_floor("llm_guided_optuna") == 6
    with pytest.raises(AssertionError, match="on no floor"):
        library_floor("llm_guided_optuna._new_room")


def test_the_library_imports_one_way() -> None:
    """No module imports from a floor above its own, lazily or not."""
    upward = sorted(
        f"{name} -> {target}"
        for name, targets in import_graph().items()
        if name.split(".")[0] == "llm_guided_optuna"
        for target in targets
        if target.split(".")[0] == "llm_guided_optuna"
        and library_floor(target) > library_floor(name)
    )
    assert upward == [], "imports against the floors:\n" + "\n".join(upward)


def test_docs_03_draws_the_floors() -> None:
    """docs/03's floor plan (lines ``floor N: room room ...``) is LIBRARY_FLOORS, top down."""
    text = (ROOT / "docs" / "03_implementation_architecture.md").read_text(encoding="utf-8")
    drawn = [line.split() for line in text.splitlines() if line.startswith("floor ")]
    expected = [
        ["floor", f"{floor}:", *rooms]
        for floor, rooms in reversed(list(enumerate(LIBRARY_FLOORS)))
    ]
    assert drawn == expected
