"""The measure package's modules import one another without a circle.

Every import counts, including those inside functions and under ``TYPE_CHECKING``: a circle
hidden in a function still ties the two modules together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import wholeflow.measure

PACKAGE = "wholeflow.measure"
FOLDER = Path(wholeflow.measure.__file__).parent


def imports_of(path: Path) -> set[str]:
    """The measure modules that ``path`` imports anywhere in its code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n.removeprefix(PACKAGE + ".") for n in names if n.startswith(PACKAGE + ".")}
    return found


def graph() -> dict[str, set[str]]:
    modules = {p.stem for p in FOLDER.glob("*.py") if p.stem != "__init__"}
    return {m: imports_of(FOLDER / f"{m}.py") & modules for m in modules}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a list of modules, or None (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_search_finds_a_circle_when_there_is_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a"}}) is None


def test_measure_modules_import_each_other_without_a_circle():
    edges = graph()
    assert "figure" in edges["result"]  # SpcResult.figure() draws with spc_figure
    assert find_cycle(edges) is None, find_cycle(edges)
