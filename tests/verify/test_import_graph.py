"""zoogen's modules import each other in one direction: no import circle, read from the source with `ast`.

Only imports that run when a module is imported count: statements at module level (also inside a
module-level ``if``/``try``/``with`` and class bodies), not those inside functions, and not those under
``if TYPE_CHECKING:``. Importing ``a.b.c`` runs ``a/__init__.py`` and ``a/b/__init__.py`` first, so those
packages count too, except the importer's own (they are already being imported).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ZOOGEN = Path(__file__).resolve().parents[2] / "zoogen"


def module_files(package: Path) -> dict[str, tuple[Path, bool]]:
    """Every module of ``package`` by dotted name: (file, is a package ``__init__``)."""
    found: dict[str, tuple[Path, bool]] = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_statements(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports run when a module with ``body`` is imported (function bodies skipped)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from import_statements(node.body)
            yield from import_statements(node.orelse)
        elif isinstance(node, ast.Try | ast.TryStar):
            for block in (node.body, *(handler.body for handler in node.handlers), node.orelse, node.finalbody):
                yield from import_statements(block)
        elif isinstance(node, ast.With | ast.For | ast.While | ast.ClassDef):
            yield from import_statements(node.body)


def imported_modules(name: str, is_package: bool, tree: ast.Module, modules: set[str]) -> set[str]:
    """The modules of ``modules`` that importing module ``name`` imports."""
    own_package = name if is_package else name.rpartition(".")[0]
    own_ancestors = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 2)}
    targets: set[str] = set()

    def with_packages(module: str) -> None:
        parts = module.split(".")
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            if prefix == module or prefix not in own_ancestors:
                targets.add(prefix)

    for node in import_statements(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                with_packages(alias.name)
            continue
        if node.level:
            base = own_package.split(".")[: len(own_package.split(".")) - node.level + 1]
            source = ".".join([*base, node.module] if node.module else base)
        else:
            source = node.module or ""
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            if submodule in modules:  # ``from package import module``
                with_packages(submodule)
            else:  # a name defined in ``source`` (its __init__ when a package)
                with_packages(source)
                targets.add(source)
    return {target for target in targets if target in modules and target != name}


def import_graph(package: Path = ZOOGEN) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports when it is imported."""
    files = module_files(package)
    names = set(files)
    return {
        name: imported_modules(name, is_package, ast.parse(path.read_text(encoding="utf-8"), str(path)), names)
        for name, (path, is_package) in files.items()
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected group of modules, as ``[a, b, ..., a]`` (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:  # recursion depth is bounded by the number of modules (a few hundred)
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
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_one_circle(graph, group) for group in groups]


def _one_circle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & group):
                if target == start:
                    return [*paths[node], start]
                if target not in paths:
                    paths[target] = [*paths[node], target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"{sorted(group)} is no circle")  # pragma: no cover


def test_zoogen_has_no_import_circle() -> None:
    graph = import_graph()
    assert "zoogen.records.store" in graph["zoogen.records"]  # the graph sees packages and their modules
    found = circles(graph)
    assert not found, "import circles in zoogen:\n" + "\n".join(" -> ".join(c) for c in found)


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        ({"a.py": "from pkg import b\n", "b.py": "import pkg.a\n"}, ["pkg.a", "pkg.b", "pkg.a"]),
        ({"a.py": "from . import b\n", "b.py": "from .a import NAME\n"}, ["pkg.a", "pkg.b", "pkg.a"]),
        ({"__init__.py": "from pkg.a import X\n", "a.py": "from pkg import Y\n"}, ["pkg", "pkg.a", "pkg"]),
        ({"a.py": "def f():\n    import pkg.b\n", "b.py": "import pkg.a\n"}, None),
        ({"a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.b\n",
          "b.py": "import pkg.a\n"}, None),
        ({"__init__.py": "from pkg.a import X\n", "a.py": "from pkg.b import Y\n", "b.py": "Y = 1\n"}, None),
        ({"__init__.py": "", "a.py": "import pkg.sub.c\n", "sub/__init__.py": "from pkg.a import X\n",
          "sub/c.py": ""}, ["pkg.a", "pkg.sub", "pkg.a"]),
    ],
)
def test_circles_are_found_and_only_real_ones(tmp_path: Path, sources: dict[str, str],
                                             expected: list[str] | None) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, text in sources.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    found = circles(import_graph(package))
    assert found == ([expected] if expected else [])
