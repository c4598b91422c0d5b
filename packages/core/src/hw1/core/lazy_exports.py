"""PEP 562 lazy exports: a package names its heavy attributes, which load on first use.

Importing a package that uses this stays light (no torch) until one of those names is asked for.
This module imports nothing heavy itself, so any hw1 package may use it from its ``__init__``.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def type_checking_imports(source: str) -> dict[str, list[str]]:
    """``{module: names}`` of the ``from module import names`` statements in the top-level
    ``if TYPE_CHECKING:`` blocks of a module's ``source``."""
    table: dict[str, list[str]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom) and stmt.module:
                    if any(a.asname for a in stmt.names):
                        raise ValueError(f"line {stmt.lineno}: a lazy export cannot be renamed ('as')")
                    table.setdefault(stmt.module, []).extend(a.name for a in stmt.names)
    return table


def lazy_exports(
    namespace: dict[str, Any], exports: Mapping[str, Iterable[str]] | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's module-level ``(__getattr__, __dir__)`` from ``{defining module: names}``.

    ``namespace`` is the package's ``globals()``. A name is imported from its module the first time
    it is asked for and stored in ``namespace``, so later lookups skip ``__getattr__``; an unknown
    name raises ``AttributeError`` as for any module. Without ``exports`` they are the imports of the
    package's own ``if TYPE_CHECKING:`` block (:func:`type_checking_imports`), which type checkers
    and IDEs read too, so each lazy name is written once. Use it as::

        __getattr__, __dir__ = lazy_exports(globals())
        if TYPE_CHECKING:
            from hw1.x.heavy import Model, train
    """
    package = namespace["__name__"]
    if exports is None:
        if (source := namespace["__loader__"].get_source(package)) is None:  # installed without its .py files
            raise ImportError(f"{package}: lazy exports need the package's source (__init__.py)")
        exports = type_checking_imports(source)
    module_of: dict[str, str] = {}
    for module, names in exports.items():
        for name in names:
            if module_of.setdefault(name, module) != module:
                raise ValueError(f"{package}: {name!r} is exported from both {module_of[name]} and {module}")

    def __getattr__(name: str) -> Any:
        if (module := module_of.get(name)) is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(module_of))

    return __getattr__, __dir__
