"""lazy_exports: a package's named attributes load from their module on first use, once."""

from __future__ import annotations

import sys

import pytest

from hw1.core.lazy_exports import lazy_exports, type_checking_imports


@pytest.fixture
def heavy_module(tmp_path, monkeypatch) -> str:
    """A module ``w_heavy_mod`` on sys.path that counts how often it is imported."""
    (tmp_path / "w_heavy_mod.py").write_text(
        "import builtins\nbuiltins.W_LOADS = getattr(builtins, 'W_LOADS', 0) + 1\n"
        "THING = object()\n\ndef make():\n    return 7\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "w_heavy_mod", raising=False)
    monkeypatch.setattr("builtins.W_LOADS", 0, raising=False)
    return "w_heavy_mod"


def test_names_load_on_first_use_and_are_cached(heavy_module) -> None:
    import builtins

    namespace: dict = {"__name__": "pkg", "light": 1}
    getattr_, dir_ = lazy_exports(namespace, {heavy_module: ("THING", "make")})
    assert heavy_module not in sys.modules and builtins.W_LOADS == 0
    assert dir_() == ["THING", "__name__", "light", "make"]
    thing = getattr_("THING")
    assert thing is sys.modules[heavy_module].THING and namespace["THING"] is thing
    assert getattr_("make")() == 7 and builtins.W_LOADS == 1


def test_unknown_name_is_an_attribute_error(heavy_module) -> None:
    getattr_, _ = lazy_exports({"__name__": "pkg"}, {heavy_module: ("THING",)})
    with pytest.raises(AttributeError, match="module 'pkg' has no attribute 'other'"):
        getattr_("other")
    assert heavy_module not in sys.modules


def test_a_name_from_two_modules_is_refused() -> None:
    with pytest.raises(ValueError, match="'x' is exported from both a and b"):
        lazy_exports({"__name__": "pkg"}, {"a": ("x",), "b": ("x",)})


def test_the_hw1_packages_use_it_and_stay_light() -> None:
    import hw1.core

    assert "save_checkpoint" in dir(hw1.core) and "lazy_exports" in hw1.core.__all__
    with pytest.raises(AttributeError, match="module 'hw1.core' has no attribute 'nope'"):
        hw1.core.nope  # noqa: B018


def test_without_a_table_the_type_checking_imports_are_the_lazy_names(heavy_module, tmp_path) -> None:
    package = tmp_path / "w_lazy_pkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from typing import TYPE_CHECKING\n\nfrom hw1.core.lazy_exports import lazy_exports\n\n"
        "LIGHT = 1\n__getattr__, __dir__ = lazy_exports(globals())\n\n"
        f"if TYPE_CHECKING:\n    from {heavy_module} import THING, make\n"
    )
    import builtins
    import importlib

    sys.modules.pop("w_lazy_pkg", None)
    pkg = importlib.import_module("w_lazy_pkg")
    assert heavy_module not in sys.modules and {"LIGHT", "THING", "make"} <= set(dir(pkg))
    assert pkg.make() == 7 and pkg.THING is sys.modules[heavy_module].THING and builtins.W_LOADS == 1
    with pytest.raises(ValueError, match="line 2: a lazy export cannot be renamed"):
        type_checking_imports("if TYPE_CHECKING:\n    from m import a as b\n")
    sys.modules.pop("w_lazy_pkg", None)
