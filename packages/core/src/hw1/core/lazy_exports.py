"""PEP 562 lazy exports: a package names its heavy attributes, which load on first use.

Importing a package that uses this stays light (no torch) until one of those names is asked for.
This module imports nothing heavy itself, so any hw1 package may use it from its ``__init__``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_exports(
    namespace: dict[str, Any], exports: Mapping[str, Iterable[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's module-level ``(__getattr__, __dir__)`` from ``{defining module: names}``.

    ``namespace`` is the package's ``globals()``. A name is imported from its module the first time
    it is asked for and stored in ``namespace``, so later lookups skip ``__getattr__``; an unknown
    name raises ``AttributeError`` as for any module. Use it as::

        __getattr__, __dir__ = lazy_exports(globals(), {"hw1.x.heavy": ("Model", "train")})
    """
    package = namespace["__name__"]
    module_of: dict[str, str] = {}
    for module, names in exports.items():
        for name in names:
            if module_of.setdefault(name, module) != module:
                raise ValueError(f"{package}: {name!r} is exported from both {module_of[name]} and {module}")

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(module_of))

    return __getattr__, __dir__
