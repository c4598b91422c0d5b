"""The model registry (timm style): every segmentation model is built by name.

A family module decorates its builder with :func:`register_model`; :func:`create_model` looks the
name up. A family that names its models by pattern registers a prefix instead
(:func:`register_model_prefix`): ``smp:ARCH:ENCODER`` names are resolved by the smp family, so every
smp architecture works with any of its encoders without being registered one by one. The registry
imports no family (``hw1.segmentation.models`` imports them, and they register themselves). Every
model built here maps ``(N, 3, H, W)`` images to ``(N, num_classes, H, W)`` logits at exactly the
input size, for any ``H`` and ``W``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hw1.core import Hw1Error
from hw1.segmentation.palette import NUM_CLASSES

if TYPE_CHECKING:
    from torch import nn

ModelBuilder = Callable[..., "nn.Module"]

_REGISTRY: dict[str, ModelBuilder] = {}
_OPTIONS: dict[str, Callable[..., Any]] = {}


@dataclass(frozen=True)
class ModelPrefix:
    """A family whose names start with ``prefix + ":"``: ``build(name, num_classes=…, weights=…,
    **kwargs)`` builds any of them, ``templates()`` lists name templates for ``hw1 seg models`` and
    ``pattern`` is the name form error messages show (``smp:ARCH:ENCODER``); ``description`` is the
    family's one-line summary."""

    prefix: str
    build: ModelBuilder
    templates: Callable[[], list[str]]
    description: str
    pattern: str
    options: Callable[[str], Callable[..., Any]]
    """``options(name)``: the callable whose keyword parameters are model ``name``'s options."""


_PREFIXES: dict[str, ModelPrefix] = {}


def register_model(
    fn: ModelBuilder | None = None, *, name: str | None = None, options: Callable[..., Any] | None = None
) -> Any:
    """Decorator adding a builder ``fn(num_classes=…, weights=…, **kwargs) -> nn.Module`` to the
    registry under ``name`` (default: the function's name). The first line of its docstring is
    what ``hw1 seg models`` shows; ``options`` is the callable ``kwargs`` go to (default ``fn``),
    whose signature :func:`model_options` reports."""

    def wrap(f: ModelBuilder) -> ModelBuilder:
        key = name or f.__name__
        if key in _REGISTRY and _REGISTRY[key] is not f:
            raise Hw1Error(f"model name {key!r} is registered twice")
        _REGISTRY[key] = f
        _OPTIONS[key] = options or f
        return f

    return wrap(fn) if fn is not None else wrap


def register_model_prefix(family: ModelPrefix) -> None:
    """Let ``family.build`` resolve every model name ``PREFIX:…`` (e.g. ``smp:Unet:resnet34``)."""
    _PREFIXES[family.prefix] = family


def _prefix_of(name: str) -> ModelPrefix | None:
    head = name.split(":", 1)[0]
    return _PREFIXES.get(head) if ":" in name else None


def model_options(name: str) -> Callable[..., Any]:
    """The callable whose keyword parameters are the extra options of model ``name`` (what
    ``create_model(name, **kwargs)`` passes on), for checking user-given options against it."""
    family = _prefix_of(name)
    if family is not None:
        return family.options(name)
    if name not in _REGISTRY:
        create_model(name)  # raises the unknown-model error with the choices
    return _OPTIONS[name]


def list_models(pattern: str | None = None) -> list[str]:
    """Registered model names, sorted, then the prefix families' templates (the smp architectures
    as ``smp:ARCH:ENCODER``, ``ENCODER`` being any smp encoder name, see ``list_smp_encoders``),
    optionally filtered by a glob ``pattern`` (``"fcn*"``)."""
    names = sorted(_REGISTRY) + [name for family in _PREFIXES.values() for name in family.templates()]
    if pattern:
        names = [n for n in names if fnmatch.fnmatch(n.lower(), pattern.lower())]
    return names


def describe_model(name: str) -> str:
    """One line about a registered model (its builder's docstring summary)."""
    family = _prefix_of(name)
    if family is not None:
        return family.description
    return (_REGISTRY[name].__doc__ or "").strip().partition("\n")[0] if name in _REGISTRY else ""


def create_model(name: str, num_classes: int = NUM_CLASSES, weights: str | None = None, **kwargs: Any) -> nn.Module:
    """Build the segmentation model ``name`` with ``num_classes`` output channels.

    ``weights`` depends on the family: ``None``/``"none"`` is random initialisation everywhere
    (never a download); ``"imagenet"`` loads an ImageNet backbone; ``"coco"`` the torchvision
    COCO segmentation weights (head replaced); a file path loads local weights (for FCN a torchvision
    VGG16 state_dict, otherwise a backbone file such as ``hw1 ssl export`` writes). Named weights
    that cannot be downloaded raise :class:`hw1.core.Hw1CheckpointError` saying how to pass a file.
    Extra ``kwargs`` go to the family builder (e.g. ``width``/``fc_channels`` for FCN,
    ``aux_loss`` for torchvision models, decoder options for smp).
    """
    if weights is not None and str(weights).lower() == "none":
        weights = None
    family = _prefix_of(name)
    if family is not None:
        return family.build(name, num_classes=num_classes, weights=weights, **kwargs)
    if name not in _REGISTRY:
        patterns = "".join(f" or {family.pattern}" for family in _PREFIXES.values())
        raise Hw1Error(
            f"unknown model {name!r}: use one of {', '.join(sorted(_REGISTRY))}{patterns} (see 'hw1 seg models')"
        )
    try:
        return _REGISTRY[name](num_classes=num_classes, weights=weights, **kwargs)
    except TypeError as exc:
        # A misspelt keyword is a user error (e.g. --model-option), not a crash.
        if "unexpected keyword argument" in str(exc):
            raise Hw1Error(f"model {name!r}: {exc}") from exc
        raise
