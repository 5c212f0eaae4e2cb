"""How frontdesk's modules depend on each other: without a cycle (a cycle makes the order in which
modules load matter, and hides which part depends on which), routers on no other router, and the
database layer on no web framework."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import frontdesk

ROOT = Path(frontdesk.__file__).parent
ROUTER_MODULES = {"api", "messenger_api", "socket"}
WEB_FRAMEWORKS = {"fastapi", "starlette"}


def _modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports_in(nodes: Iterable[ast.AST]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import but those under `if TYPE_CHECKING:`, which never run. Imports inside
    functions count: deferring an import hides a cycle, it does not remove it."""
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _imports_in(node.orelse)
        else:
            yield from _imports_in(ast.iter_child_nodes(node))


def _imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module the module imports, frontdesk's by their full name, others by their top
    package."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _imports_in(ast.parse(path.read_text()).body):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from package import module` imports the module; `from module import name`, the
            # module.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        found.update(
            target if target in modules else target.partition(".")[0]
            for target in targets
            if target != name
        )
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imported(name, path, modules) for name, path in modules.items()}


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for target in graph.get(todo.pop(), set()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_among_frontdesk_modules() -> None:
    graph = _graph()
    internal = {name: targets & graph.keys() for name, targets in graph.items()}
    assert _cycles(internal) == []


def test_no_router_imports_another_router() -> None:
    """What two routers share (a read shape, a dependency) lives beside them, not in either."""
    graph = _graph()
    routers = {name for name in graph if name.rpartition(".")[2] in ROUTER_MODULES}
    assert {name: graph[name] & routers for name in routers if graph[name] & routers} == {}


def test_the_database_layer_does_not_reach_the_web_framework() -> None:
    graph = _graph()
    for name in [name for name in graph if name.startswith("frontdesk.db.")]:
        assert _reachable(graph, name) & WEB_FRAMEWORKS == set(), name


def test_the_cycle_check_sees_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
