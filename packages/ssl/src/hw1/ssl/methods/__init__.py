"""The registry of SSL methods: ``list_methods()`` and ``create_method(name, backbone, **kwargs)``.

Each method lives in its own module and subclasses :class:`~hw1.ssl.methods.base.SSLMethod`;
:func:`register_method` adds a new one (e.g. from another package) under its ``name``.
"""

from __future__ import annotations

import inspect
from typing import Any

from torch import nn

from hw1.core.errors import Hw1Error
from hw1.ssl.methods.barlow_twins import BarlowTwins
from hw1.ssl.methods.base import MethodOutput, SSLMethod
from hw1.ssl.methods.byol import BYOL
from hw1.ssl.methods.moco import MoCoV2
from hw1.ssl.methods.simclr import SimCLR
from hw1.ssl.methods.simsiam import SimSiam
from hw1.ssl.methods.vicreg import VICReg

_REGISTRY: dict[str, type[SSLMethod]] = {}


def register_method(cls: type[SSLMethod]) -> type[SSLMethod]:
    """Add an :class:`SSLMethod` subclass to the registry under ``cls.name`` (usable as a decorator)."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no .name")
    _REGISTRY[cls.name] = cls
    return cls


for _cls in (BYOL, SimCLR, MoCoV2, SimSiam, BarlowTwins, VICReg):
    register_method(_cls)


def list_methods() -> list[str]:
    """Names accepted by :func:`create_method` and ``--method`` (BYOL first)."""
    return list(_REGISTRY)


def method_class(name: str) -> type[SSLMethod]:
    """The class registered as ``name``; :class:`Hw1Error` naming the choices otherwise."""
    key = name.lower().replace("-", "_")
    aliases = {"mocov2": "moco", "moco_v2": "moco", "barlowtwins": "barlow_twins"}
    key = aliases.get(key, key)
    if key not in _REGISTRY:
        raise Hw1Error(f"unknown SSL method {name!r}: use one of {', '.join(list_methods())}")
    return _REGISTRY[key]


def method_defaults(name: str) -> dict[str, Any]:
    """The keyword arguments of method ``name`` with their defaults (what ``--method-option`` sets)."""
    sig = inspect.signature(method_class(name).__init__)
    return {p.name: p.default for p in list(sig.parameters.values())[2:] if p.default is not inspect.Parameter.empty}


def create_method(name: str, backbone: nn.Module, **kwargs: Any) -> SSLMethod:
    """Build method ``name`` around ``backbone`` (any module with ``.num_features``, e.g. from
    :func:`hw1.core.create_backbone`); ``kwargs`` override the paper defaults (head sizes,
    temperature, momentum …), converted to the parameters' types; unknown keyword arguments raise
    :class:`Hw1Error` listing the valid ones."""
    from hw1.core.options import bind_options

    cls = method_class(name)
    # Unknown keys list the valid ones; "1024" or 1024.0 become the parameter's type.
    options = bind_options(cls, kwargs, what=f"SSL method {cls.name!r}", option="option", exclude=("backbone",))
    return cls(backbone, **options)


__all__ = [
    "BYOL",
    "BarlowTwins",
    "MethodOutput",
    "MoCoV2",
    "SSLMethod",
    "SimCLR",
    "SimSiam",
    "VICReg",
    "create_method",
    "list_methods",
    "method_class",
    "method_defaults",
    "register_method",
]
