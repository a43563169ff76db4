"""The package's floors: every import points down (or sideways, within a floor), and the
module-level import graph has no cycle. ``docs/ARCHITECTURE.md`` describes the floors declared
here.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2] / "jaxsched"

#: Floors, lowest first: a module may import modules of its own floor or of a lower one.
FLOORS: dict[str, tuple[str, ...]] = {
    "core": ("jaxsched.core",),
    "schedules": ("jaxsched.schedules",),
    "compose": ("jaxsched.compose",),
    "training": ("jaxsched.training",),
    "config": ("jaxsched.config", "jaxsched.args", "jaxsched.units"),
    "adapters": ("jaxsched.torch", "jaxsched.phases", "jaxsched.plotting", "jaxsched"),
    "cli": ("jaxsched.cli",),
}

#: The upward imports allowed, each inside a function (never at module level), with the reason.
ALLOWED_UP = {
    # the operators of Schedule (s1 * s2, s + 0.1, ...) build compositions
    ("jaxsched.core.schedule", "jaxsched.compose.algebra"),
}


def _modules() -> dict[str, pathlib.Path]:
    mods = {}
    for p in ROOT.rglob("*.py"):
        parts = p.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = p
    return mods


MODULES = _modules()


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        assert node.level == 0, f"{module}: relative import (use absolute imports)"
        base = node.module or ""
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    out = []
    for n in names:
        while n and n not in MODULES:  # `import jaxsched.core.schedule.X` -> the module
            n = n.rpartition(".")[0]
        if n.split(".")[0] == "jaxsched" and n:
            out.append(n)
    return out


def _imports(module: str) -> tuple[set[str], set[str]]:
    """(module-level imports, imports inside functions or classes) of ``module``."""
    tree = ast.parse(MODULES[module].read_text())
    top, inner = set(), set()

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                (inner if nested else top).update(_targets(module, child))
            visit(child, nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                      ast.ClassDef, ast.Lambda)))

    visit(tree, False)
    top.discard(module)
    inner.discard(module)
    return top, inner - top


def floor_of(module: str) -> int:
    best, level = -1, None
    for i, prefixes in enumerate(FLOORS.values()):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, level = len(p), i
    assert level is not None, f"{module} is on no floor: add it to FLOORS and docs/ARCHITECTURE.md"
    return level


def _parents(module: str) -> list[str]:
    """Importing ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__`` first."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts))]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    top, inner = _imports(module)
    mine = floor_of(module)
    for target in sorted(top | inner):
        if floor_of(target) <= mine:
            continue
        assert target not in top, f"{module} imports the higher floor's {target} at module level"
        assert (module, target) in ALLOWED_UP, (
            f"{module} (floor {list(FLOORS)[mine]}) imports {target} (floor "
            f"{list(FLOORS)[floor_of(target)]}), a higher floor"
        )


def test_no_module_level_cycle():
    graph = {}
    for m in MODULES:
        top, _ = _imports(m)
        graph[m] = {t for t in top for t in [t, *_parents(t)] if t != m} - set(_parents(m))
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph.get(m, ())):
            if state.get(t) == 1:
                cycle = stack[stack.index(t):] + [t]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if t not in state:
                dfs(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            dfs(m)


def test_every_floor_is_documented():
    doc = (ROOT.parent / "docs" / "ARCHITECTURE.md").read_text()
    for name, prefixes in FLOORS.items():
        for p in prefixes:
            assert f"`{p}" in doc, f"docs/ARCHITECTURE.md does not mention `{p}` (floor {name})"


def test_the_rules_can_fail():
    # the checks above see an upward import and a cycle when there is one
    assert floor_of("jaxsched.core.schedule") < floor_of("jaxsched.compose.algebra")
    assert floor_of("jaxsched.cli.demo.run") == len(FLOORS) - 1
    with pytest.raises(AssertionError, match="no floor"):
        floor_of("elsewhere.module")
