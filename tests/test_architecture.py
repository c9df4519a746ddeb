"""The layout shows the architecture (issue 9, item 7): no import circle among the project's
modules or among sibling packages, and no module in core/ or gui_app/ over 500 lines.

Imports are read statically by grimp (the library under import-linter): module-level and
function-level imports count (a circle through a function-level import still ties the
modules together: neither can be understood, tested or moved without the other); imports
under ``TYPE_CHECKING`` do not, since they never run. The layering rules themselves (core never
imports Qt or gui_app; gui_app above core) are import-linter contracts in pyproject.toml,
run by ``lint-imports`` in .ci/run.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "gui_app")
MAX_LINES = 500


def _graph() -> grimp.ImportGraph:
    # cache_dir=None: a test must not leave a .grimp_cache folder in the checkout.
    # Type-only imports (under TYPE_CHECKING) are left out: they never run, and a part that
    # names its owner's type for its annotations (lesson_player -> Classroom) is the usual
    # way to type a back-reference, not a dependency at run time.
    return grimp.build_graph(*PACKAGES, cache_dir=None, exclude_type_checking_imports=True)


def strongly_connected(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of a directed graph, as sorted name lists.

    ``edges`` maps each node to the nodes it points at. Only components that contain a
    circle are returned (two or more nodes, or one node that points at itself).
    Source: R. Tarjan, "Depth-first search and linear graph algorithms", SIAM J. Comput. 1972.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def shortest_circle(edges: Mapping[str, set[str]], start: str, within: Iterable[str]) -> list[str]:
    """The shortest circle from ``start`` back to itself through ``within`` (breadth first)."""
    allowed = set(within)
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(edges.get(node, ())):
            if nxt not in allowed:
                continue
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    raise AssertionError(f"{start} is on no circle")


def _with_descendants(graph: grimp.ImportGraph, module: str) -> set[str]:
    return {module} | set(graph.find_descendants(module))


def _describe(graph: grimp.ImportGraph, circle: list[str]) -> str:
    """The circle's steps, one per line, each with one import that makes it and its line."""
    steps = []
    for importer, imported in itertools.pairwise(circle):
        targets = _with_descendants(graph, imported)
        witness = min(
            (m, t)
            for m in _with_descendants(graph, importer)
            for t in graph.find_modules_directly_imported_by(m)
            if t in targets
        )
        lines = ", ".join(
            str(d["line_number"])
            for d in graph.get_import_details(importer=witness[0], imported=witness[1])
        )
        via = "" if witness == (importer, imported) else f" via {witness[0]} -> {witness[1]}"
        steps.append(f"{importer} -> {imported}{via} (l. {lines})")
    return "\n    ".join(steps)


def module_edges(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    """Each project module and the project modules it imports directly."""
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def sibling_edges(graph: grimp.ImportGraph, package: str) -> dict[str, set[str]]:
    """The children of ``package`` and which of them import which (through any descendant).

    An import from ``core.data.csvio`` of ``core.model.scaling`` is an edge
    ``core.data -> core.model`` at the level of ``core``'s children; imports of the package
    itself (its ``__init__``) are left out, as they are not between siblings.
    """
    children = sorted(graph.find_children(package))
    owner = {}
    for child in children:
        owner[child] = child
        for descendant in graph.find_descendants(child):
            owner[descendant] = child
    edges: dict[str, set[str]] = {child: set() for child in children}
    for importer, sibling in owner.items():
        for imported in graph.find_modules_directly_imported_by(importer):
            target = owner.get(imported)
            if target is not None and target != sibling:
                edges[sibling].add(target)
    return edges


def test_no_import_circle_among_modules():
    graph = _graph()
    edges = module_edges(graph)
    problems = [
        f"{', '.join(component)} import each other; the shortest circle:\n    "
        + _describe(graph, shortest_circle(edges, component[0], component))
        for component in strongly_connected(edges)
    ]
    assert not problems, "import circles among modules:\n  " + "\n  ".join(problems)


def test_no_import_circle_among_sibling_packages():
    graph = _graph()
    packages = sorted(m for m in graph.modules if graph.find_children(m))
    problems = []
    for package in packages:
        edges = sibling_edges(graph, package)
        for component in strongly_connected(edges):
            circle = shortest_circle(edges, component[0], component)
            problems.append(f"inside {package}:\n    " + _describe(graph, circle))
    assert not problems, "import circles among sibling modules/packages:\n  " + "\n  ".join(
        problems
    )


def python_files() -> list[Path]:
    """Every Python source file of the product (core/ and gui_app/)."""
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_no_module_over_500_lines():
    files = python_files()
    assert len(files) > 10  # the walk found the packages
    too_long = []
    for path in files:
        with path.open("rb") as fh:
            count = sum(1 for _ in fh)
        if count > MAX_LINES:
            too_long.append(f"{path.relative_to(ROOT)}: {count} lines")
    assert not too_long, f"modules over {MAX_LINES} lines:\n  " + "\n  ".join(too_long)


# The checks above must be able to fail: they are run here on small graphs with known answers.


def test_strongly_connected_finds_circles_and_self_imports():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d"}, "e": {"a"}, "f": set()}
    assert strongly_connected(edges) == [["a", "b", "c"], ["d"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_shortest_circle_is_shortest():
    edges = {"a": {"b", "x"}, "b": {"c"}, "c": {"a"}, "x": {"a"}}
    assert shortest_circle(edges, "a", edges) == ["a", "x", "a"]


def test_function_level_and_type_only_imports_make_circles(tmp_path, monkeypatch):
    pkg = tmp_path / "circlepkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "one.py").write_text("def f():\n    from circlepkg.sub import two\n")
    (pkg / "sub" / "two.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from circlepkg import one\n"
    )
    (pkg / "three.py").write_text("from circlepkg.sub import two\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("circlepkg", cache_dir=None)
    edges = module_edges(graph)
    assert strongly_connected(edges) == [["circlepkg.one", "circlepkg.sub.two"]]
    assert strongly_connected(sibling_edges(graph, "circlepkg")) == [
        ["circlepkg.one", "circlepkg.sub"]
    ]
