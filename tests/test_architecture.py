"""The import structure ARCHITECTURE.md draws ("Who may import whom"), checked on the source.

Every module of the six packages is parsed with :mod:`ast` (nothing is imported), and every
``import`` / ``from … import`` statement is collected, wherever it is: at module level, inside
functions, under ``if TYPE_CHECKING:``. Relative imports are resolved against the module's package;
``from pkg import name`` counts as an import of ``pkg.name`` when that is a module, else of ``pkg``.

Two rules:

- **Layering.** ``core`` imports no other package of ours; ``ssl``, ``classification`` and
  ``segmentation`` import ``core`` only; ``viz`` imports none of ours; ``cli`` may import all. Every
  import counts, including those inside functions and under ``TYPE_CHECKING``: a lazy import is still
  a dependency a user installing one package alone would trip over.
- **No import circles among modules.** Imports inside functions count too: a lazy import only hides
  a circle from the interpreter (it runs after both modules have loaded), not from a reader, and it
  is how the CLI's ``main -> pipeline -> study.steps -> main`` circle survived. Imports under
  ``if TYPE_CHECKING:`` are left out of the graph: they never run, and annotating with a type
  from a module that imports you is no design circle. A circle is reported as the chain of modules.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: package -> its source folder (the folder that *is* ``hw1.<package>``).
PACKAGES = {
    "core": ROOT / "packages" / "core" / "src" / "hw1" / "core",
    "ssl": ROOT / "packages" / "ssl" / "src" / "hw1" / "ssl",
    "classification": ROOT / "packages" / "classification" / "src" / "hw1" / "classification",
    "segmentation": ROOT / "packages" / "segmentation" / "src" / "hw1" / "segmentation",
    "viz": ROOT / "packages" / "viz" / "src" / "hw1" / "viz",
    "cli": ROOT / "apps" / "cli" / "src" / "hw1" / "cli",
}
#: package -> the packages of ours it may import (besides itself), from ARCHITECTURE.md.
ALLOWED = {
    "core": set(),
    "ssl": {"core"},
    "classification": {"core"},
    "segmentation": {"core"},
    "viz": set(),
    "cli": set(PACKAGES),
}


@dataclass(frozen=True)
class Import:
    """One import statement of ours: who imports what, where, and whether it runs."""

    source: str  # importing module, e.g. "hw1.cli.main"
    target: str  # imported module, e.g. "hw1.cli.pipeline"
    line: int
    in_function: bool
    type_checking: bool


def _module_name(package: str, path: Path) -> str:
    parts = ["hw1", package, *path.relative_to(PACKAGES[package]).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def discover_modules() -> dict[str, Path]:
    """Every module of the six packages: dotted name -> file."""
    modules = {}
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            modules[_module_name(package, path)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, in_function: bool = False, type_checking: bool = False):
    """Yield ``(statement, in_function, type_checking)`` for every import below ``node``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, in_function, type_checking
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), in_function, True)
            for stmt in child.orelse:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), in_function, type_checking)
        else:
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            yield from _walk(child, nested, type_checking)


def _resolve(module: str, is_package: bool, stmt: ast.ImportFrom) -> str:
    """The absolute module a ``from`` statement names (relative levels resolved)."""
    if not stmt.level:
        return stmt.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (stmt.level - 1)]
    return ".".join(base + ([stmt.module] if stmt.module else []))


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """The imports of ``hw1.*`` modules that ``module`` (file ``path``) makes."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found = []
    for stmt, in_function, type_checking in _walk(tree):
        if isinstance(stmt, ast.Import):
            targets = [alias.name for alias in stmt.names]
        else:
            base = _resolve(module, is_package, stmt)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in stmt.names]
        for target in dict.fromkeys(targets):
            if target == "hw1" or target.startswith("hw1."):
                found.append(Import(module, target, stmt.lineno, in_function, type_checking))
    return found


def all_imports() -> list[Import]:
    """The ``hw1.*`` imports of every module of the six packages."""
    modules = discover_modules()
    return [imp for name, path in modules.items() for imp in imports_of(name, path, modules)]


def _package(module: str) -> str:
    return module.split(".")[1] if module.count(".") >= 1 else ""


def layering_violations(imports: list[Import]) -> list[str]:
    """Imports of a package of ours that ARCHITECTURE.md does not allow, one line each."""
    bad = []
    for imp in imports:
        src, dst = _package(imp.source), _package(imp.target)
        if dst != src and dst not in ALLOWED[src]:
            bad.append(
                f"{imp.source} (line {imp.line}) imports {imp.target}: "
                f"hw1.{src} may import {sorted(ALLOWED[src]) or 'no other package of ours'}"
            )
    return bad


def import_cycles(imports: list[Import]) -> list[list[str]]:
    """Each strongly connected group of modules that import each other, as one circle through it
    (``[a, b, c, a]``); imports under ``TYPE_CHECKING`` are left out."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        if not imp.type_checking and imp.target != imp.source:
            graph.setdefault(imp.source, set()).add(imp.target)
            graph.setdefault(imp.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return [_circle(graph, group) for group in sorted(groups, key=min)]


def _circle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest circle through the first module of ``group`` (breadth-first inside the group)."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & group):
                if w == start:
                    return paths[v] + [start]
                if w not in paths:
                    paths[w] = paths[v] + [w]
                    nxt.append(w)
        frontier = nxt
    return sorted(group)


def test_every_package_is_found_and_parsed():
    modules = discover_modules()
    for package in PACKAGES:
        assert f"hw1.{package}" in modules, package
    imports = all_imports()
    # the CLI uses every library; every library uses core
    for package in ("core", "ssl", "classification", "segmentation", "viz"):
        assert any(_package(i.source) == "cli" and _package(i.target) == package for i in imports), package
    for package in ("ssl", "classification", "segmentation"):
        assert any(_package(i.source) == package and _package(i.target) == "core" for i in imports), package


def test_packages_import_only_what_the_architecture_allows():
    bad = layering_violations(all_imports())
    assert not bad, "imports ARCHITECTURE.md does not allow:\n" + "\n".join(bad)


def test_no_import_circles():
    imports = all_imports()
    circles = import_cycles(imports)
    lines = []
    for circle in circles:
        group = _group_of(imports, circle[0])
        extra = f" (modules in this circle's group: {', '.join(sorted(group))})" if len(group) > len(circle) - 1 else ""
        lines.append(" -> ".join(circle) + extra)
    assert not circles, "import circles:\n" + "\n".join(lines)


def _group_of(imports: list[Import], module: str) -> set[str]:
    """Modules that both reach and are reached from ``module`` (its strongly connected group)."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        if not imp.type_checking:
            graph.setdefault(imp.source, set()).add(imp.target)

    def reach(start: str, edges: dict[str, set[str]]) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            for w in edges.get(todo.pop(), ()):
                if w not in seen:
                    seen.add(w)
                    todo.append(w)
        return seen

    reverse: dict[str, set[str]] = {}
    for v, ws in graph.items():
        for w in ws:
            reverse.setdefault(w, set()).add(v)
    return reach(module, graph) & reach(module, reverse)


# The checker itself, on small made-up trees.


def _write(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    paths = {}
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        paths[rel] = path
    return paths


@pytest.fixture()
def fake_packages(tmp_path, monkeypatch):
    folders = {name: tmp_path / name for name in PACKAGES}
    monkeypatch.setitem(globals(), "PACKAGES", folders)

    def build(files: dict[str, str]) -> list[Import]:
        _write(tmp_path, files)
        for folder in folders.values():
            folder.mkdir(exist_ok=True)
            (folder / "__init__.py").touch()
        return all_imports()

    return build


def test_relative_and_function_level_imports_are_resolved(fake_packages):
    imports = fake_packages(
        {
            "cli/main.py": "from . import pipeline\n",
            "cli/pipeline.py": "from .study import steps\n",
            "cli/study/__init__.py": "",
            "cli/study/steps.py": "def f():\n    from ..main import cli\n",
            "segmentation/models/registry.py": "from .fcn import Fcn\nfrom hw1.core.errors import E\n",
            "segmentation/models/fcn.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from .registry import R\n",
        }
    )
    edges = {(i.source, i.target, i.in_function, i.type_checking) for i in imports}
    assert ("hw1.cli.main", "hw1.cli.pipeline", False, False) in edges
    assert ("hw1.cli.pipeline", "hw1.cli.study.steps", False, False) in edges
    assert ("hw1.cli.study.steps", "hw1.cli.main", True, False) in edges
    assert ("hw1.segmentation.models.registry", "hw1.segmentation.models.fcn", False, False) in edges
    assert ("hw1.segmentation.models.fcn", "hw1.segmentation.models.registry", False, True) in edges
    circles = import_cycles(imports)
    assert circles == [["hw1.cli.main", "hw1.cli.pipeline", "hw1.cli.study.steps", "hw1.cli.main"]]


def test_layering_counts_lazy_imports(fake_packages):
    imports = fake_packages(
        {
            "core/run.py": "def f():\n    import hw1.ssl.byol\n",
            "viz/plots.py": "from hw1.core import seed\n",
            "segmentation/train.py": "from hw1.core import seed\nfrom hw1.segmentation import palette\n",
            "cli/seg.py": "import hw1.segmentation.train\nimport hw1.viz.plots\n",
        }
    )
    bad = layering_violations(imports)
    assert len(bad) == 2
    assert bad[0].startswith("hw1.core.run (line 2) imports hw1.ssl.byol")
    assert bad[1].startswith("hw1.viz.plots (line 1) imports hw1.core")


@pytest.mark.parametrize("package", ["hw1.core", "hw1.ssl", "hw1.classification", "hw1.segmentation", "hw1.viz"])
def test_no_exported_name_is_shadowed_by_a_submodule(package):
    # Importing ``pkg.name`` binds the module as ``pkg.name``: a lazily exported function of that name
    # (PEP 562 __getattr__ runs only for missing attributes) would then be the module.
    import importlib
    import pkgutil
    import subprocess
    import sys

    module = importlib.import_module(package)
    clashes = sorted({m.name for m in pkgutil.iter_modules(module.__path__)} & set(module.__all__))
    check = "; ".join(f"import {package}.{name}" for name in clashes) or "pass"
    code = (
        f"{check}\nimport types, {package} as p\n"
        f"print([n for n in {clashes!r} if isinstance(getattr(p, n), types.ModuleType)])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"{package}: exported names replaced by their submodules: {out.strip()}"
