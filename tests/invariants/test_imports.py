"""Imports run one way: no import cycle among budgetlib's modules, and importing one stage does not load
the others.

The graph is read from the source with ``ast``: every ``import`` and ``from … import`` at any depth
(inside functions and ``if TYPE_CHECKING:`` blocks too), ``from budgetlib import x`` meaning the
module ``budgetlib.x`` when there is one, an import of the facade ``budgetlib`` an edge to the package,
and the facade's table of lazy names edges from the package to the modules they come from (importing
``bl.read_forms`` imports them).
"""

from __future__ import annotations

import ast
import fnmatch
import subprocess
import sys
import textwrap
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, SEED

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "budgetlib"

ALLOWED_CYCLES: dict[tuple[str, ...], str] = {}
"""Known cycles, each given by patterns that cover every module of its strongly connected component
(none today: every import runs one way)."""

Graph = dict[str, set[str]]


# -- the graph ---------------------------------------------------------------------------------------------


def module_files(src: Path, package: str = PACKAGE) -> dict[str, Path]:
    """Every module of ``package`` under ``src`` by dotted name (a package by its own name)."""
    modules = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _nearest_module(name: str, modules: Mapping[str, Path]) -> str | None:
    """``name`` if it is a module, else its nearest enclosing package or module that is."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imported(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool,
              modules: Mapping[str, Path]) -> Iterable[str | None]:
    if isinstance(node, ast.Import):
        return (_nearest_module(alias.name, modules) for alias in node.names)
    base = node.module or ""
    if node.level:  # relative: from the importer's package, one level up per extra dot
        anchor = importer if is_package else importer.rpartition(".")[0]
        for _ in range(node.level - 1):
            anchor = anchor.rpartition(".")[0]
        base = f"{anchor}.{base}".rstrip(".")
    return (
        f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else _nearest_module(base, modules)
        for alias in node.names
    )


def lazy_targets(facade: Path, modules: Mapping[str, Path]) -> set[str]:
    """The modules named by the facade's lazy table: a top-level dict literal of names to module names."""
    targets: set[str] = set()
    for node in ast.parse(facade.read_text(encoding="utf-8")).body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if not isinstance(value, ast.Dict) or not value.values:
            continue
        names = [v.value for v in value.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
        if len(names) == len(value.values) and all(name in modules for name in names):
            targets.update(names)
    return targets


def import_graph(src: Path, package: str = PACKAGE) -> Graph:
    """Module → the package's modules it imports, anywhere in its code, plus the facade's lazy edges."""
    modules = module_files(src, package)
    graph: Graph = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found = _imported(node, name, path.name == "__init__.py", modules)
                graph[name].update(target for target in found if target and target != name)
    graph[package] |= lazy_targets(modules[package], modules)
    return graph


# -- cycles ------------------------------------------------------------------------------------------------


def strongly_connected(graph: Graph) -> list[list[str]]:
    """The components of more than one module (Tarjan's algorithm, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def a_cycle(graph: Graph, component: Sequence[str]) -> list[str]:
    """One shortest cycle through the component's first module, as the path of modules."""
    start, members = component[0], set(component)
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node] & members):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if child not in previous:
                previous[child] = node
                queue.append(child)
    raise AssertionError(f"no cycle in {component}")  # pragma: no cover - a component always has one


def is_allowed(component: Sequence[str], allowed: Iterable[tuple[str, ...]]) -> bool:
    return any(all(any(fnmatch.fnmatchcase(m, p) for p in patterns) for m in component) for patterns in allowed)


def forbidden_cycles(graph: Graph, allowed: Iterable[tuple[str, ...]] = ()) -> list[str]:
    """Each strongly connected component no allow-list entry covers, as one of its cycles and its members."""
    allowed = list(allowed)
    return [
        f"{' -> '.join(a_cycle(graph, component))}  (all of: {', '.join(component)})"
        for component in strongly_connected(graph) if not is_allowed(component, allowed)
    ]


# -- the package -------------------------------------------------------------------------------------------


def test_no_import_cycle_among_the_modules_of_budgetlib() -> None:
    graph = import_graph(SRC)
    assert "budgetlib.read.batch" in graph["budgetlib.read.local"]  # the walk sees the package as it is
    assert forbidden_cycles(graph, ALLOWED_CYCLES) == []


def test_modules_import_where_a_name_is_defined_not_the_facade() -> None:
    graph = import_graph(SRC)
    allowed = [patterns for patterns in ALLOWED_CYCLES if PACKAGE in patterns]
    users = sorted(name for name, targets in graph.items() if PACKAGE in targets and not is_allowed([name], allowed))
    assert users == []


def _budgetlib_modules_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(m for m in sys.modules if m.split('.')[0] == 'budgetlib'))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return set(proc.stdout.split())


def test_importing_the_review_checks_does_not_load_the_readers() -> None:
    loaded = _budgetlib_modules_after("import budgetlib.analysis.review")
    assert "budgetlib.analysis.review" in loaded
    assert sorted(m for m in loaded if m.startswith(("budgetlib.read", "budgetlib.extract"))) == []


def test_reading_a_markdown_form_on_the_command_line_loads_no_other_format_reader_nor_the_scoring(
        tmp_path: Path) -> None:
    """``budgetlib parse one.md`` should start quickly: it imports every command's registration, but
    not what only another command (scoring) or another format (HTML, xlsx, xls, docx, PDF) needs."""
    form = tmp_path / "form.md"
    form.write_bytes((EXAMPLES / SEED).read_bytes())
    statement = (f"from budgetlib.cli import main\n"
                 f"assert main(['parse', {str(form)!r}, '--out', {str(tmp_path / 'out')!r}]) == 0")
    loaded = _budgetlib_modules_after(statement)
    assert {"budgetlib.extract.markdown", "budgetlib.cli.actuals_template"} <= loaded
    other_readers = {f"budgetlib.extract.{name}" for name in ("html", "xlsx", "xls", "docx", "pdf")}
    assert sorted(m for m in loaded if m in other_readers or m.startswith("budgetlib.scoring")) == []


def test_importing_the_facade_loads_nothing_else() -> None:
    assert _budgetlib_modules_after("import budgetlib") == {"budgetlib"}


def test_the_facade_gives_the_names_from_where_they_are_defined() -> None:
    import budgetlib as bl
    from budgetlib.forms import Forms
    from budgetlib.read.local import read_forms
    from budgetlib.transform.costbasis import cost_items, parse_cost_basis

    assert (bl.Forms, bl.read_forms, bl.cost_items, bl.parse_cost_basis) == (
        Forms, read_forms, cost_items, parse_cost_basis)


# -- the walker itself, on a made-up package ----------------------------------------------------------------


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def test_the_walk_counts_imports_in_functions_submodules_and_the_lazy_table(tmp_path: Path) -> None:
    src = _package(tmp_path, {
        "__init__.py": '_LAZY = {"run": "pkg.b", "Thing": "pkg.sub.c"}\nVERSION = {"x": "1.0"}\n',
        "a.py": "import os\nfrom pkg import b, helper_name\n",
        "b.py": "def later():\n    from . import a\n    import pkg.sub.c as c\n",
        "sub/__init__.py": "from .c import Thing\n",
        "sub/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..a import x\n",
    })
    graph = import_graph(src, "pkg")
    assert graph == {
        "pkg": {"pkg.b", "pkg.sub.c"},  # from the lazy table; the version dict names no module
        "pkg.a": {"pkg.b", "pkg"},  # a submodule, and a name of the package itself: the facade
        "pkg.b": {"pkg.a", "pkg.sub.c"},  # inside a function, relative and dotted
        "pkg.sub": {"pkg.sub.c"},
        "pkg.sub.c": {"pkg.a"},  # under TYPE_CHECKING, two levels up
    }
    cycles = forbidden_cycles(graph)
    assert cycles == ["pkg -> pkg.b -> pkg.a -> pkg  (all of: pkg, pkg.a, pkg.b, pkg.sub.c)"]
    assert forbidden_cycles(graph, [("pkg", "pkg.a", "pkg.b", "pkg.sub.*")]) == []
    assert forbidden_cycles(graph, [("pkg.a", "pkg.b")]) == cycles  # an entry must cover the whole component


@pytest.mark.parametrize("allowed", [(), (("pkg.a", "pkg.b"),)])
def test_a_two_module_cycle_is_found_unless_allowed(tmp_path: Path, allowed: tuple[tuple[str, ...], ...]) -> None:
    src = _package(tmp_path, {"__init__.py": "", "a.py": "import pkg.b\n", "b.py": "def f():\n    import pkg.a\n"})
    expected = [] if allowed else ["pkg.a -> pkg.b -> pkg.a  (all of: pkg.a, pkg.b)"]
    assert forbidden_cycles(import_graph(src, "pkg"), allowed) == expected
