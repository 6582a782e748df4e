"""The package's layers: data flows one way, and there is no import circle.

The layout (docs/architecture.md) orders the subpackages; a module may import
only from its own layer or a lower one. Checked on the source with :mod:`ast`,
so the test sees lazy imports inside functions too (those are what keep
``binding-sim --help`` fast, and they must respect the layers as well).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "binding_sim"

LAYERS: dict[str, int] = {
    "errors": 0,
    "rng": 0,
    "serialize": 0,
    "limits": 0,
    "model": 1,
    "config": 2,
    "dynamics": 4,
    "games": 4,
    "analysis": 5,
    "sweep": 6,
    "design": 6,
    "plot": 7,
    "cli": 8,
}
"""Layer of each top-level module or subpackage of ``binding_sim`` (lower = more basic)."""

ALLOWED_UPWARD = {
    # Scenario.analyze() is the front door's convenience for analysis.analyze(scenario):
    # a lazy import inside the method, never at import time.
    ("binding_sim.config.scenario", "binding_sim.analysis"),
}

PURE = ("binding_sim.model",)
"""Pure maths: may import nothing of the package but errors and each other."""


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> list[tuple[str, bool]]:
    """``(imported module, at module level)`` for every runtime import of the package."""
    name = _module_name(path)
    is_pkg = path.name == "__init__.py"
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub, top)
                continue
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = name.split(".")
                    base = base if is_pkg else base[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    mod = ".".join(base + ([child.module] if child.module else []))
                else:
                    mod = child.module or ""
                if mod.startswith("binding_sim"):
                    if child.module is None or mod in ("binding_sim",):
                        found.extend((f"{mod}.{a.name}", top) for a in child.names)
                    else:
                        found.append((mod, top))
            elif isinstance(child, ast.Import):
                found.extend(
                    (a.name, top) for a in child.names if a.name.startswith("binding_sim")
                )
            inner = top and not isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            visit(child, inner)

    visit(tree, True)
    return found


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None
    return LAYERS.get(parts[1])


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_top_level_module_has_a_layer() -> None:
    tops = {p.stem if p.parent == PACKAGE else p.relative_to(PACKAGE).parts[0] for p in MODULES}
    tops.discard("__init__")
    assert tops <= set(LAYERS), f"give these a layer in LAYERS: {sorted(tops - set(LAYERS))}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_imports_respect_layers(path: Path) -> None:
    me = _module_name(path)
    mine = _layer(me)
    if mine is None:  # the package's own __init__: the front door may re-export anything
        return
    bad = []
    for mod, _top in _imports(path):
        theirs = _layer(mod)
        if theirs is not None and theirs > mine and (me, mod) not in ALLOWED_UPWARD:
            bad.append(mod)
        if me.startswith(PURE) and not mod.startswith(("binding_sim.model", "binding_sim.errors")):
            bad.append(mod)
    assert not bad, f"{me} imports from a higher layer (or pure maths imports config): {bad}"


def test_no_import_circle_at_import_time() -> None:
    graph: dict[str, set[str]] = {}
    names = {_module_name(p) for p in MODULES}
    for p in MODULES:
        me = _module_name(p)
        deps = set()
        for mod, top in _imports(p):
            if not top:
                continue
            while mod and mod not in names:
                mod = mod.rpartition(".")[0]
            if mod and mod != me:
                deps.add(mod)
        graph[me] = deps
    # depth-first search for a cycle
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(u: str) -> list[str] | None:
        state[u] = 1
        stack.append(u)
        for v in sorted(graph.get(u, ())):
            if v == "binding_sim" or u == "binding_sim":
                continue
            if state.get(v) == 1:
                return [*stack[stack.index(v) :], v]
            if state.get(v) is None:
                cyc = dfs(v)
                if cyc:
                    return cyc
        stack.pop()
        state[u] = 2
        return None

    for u in sorted(graph):
        if state.get(u) is None:
            cyc = dfs(u)
            assert cyc is None, "import circle: " + " -> ".join(cyc)
