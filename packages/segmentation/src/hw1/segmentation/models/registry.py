"""The model registry (timm style): every segmentation model is built by name.

A family module decorates its builder with :func:`register_model`; :func:`create_model` looks the
name up. Names of the form ``smp:ARCH:ENCODER`` are resolved dynamically from
segmentation-models-pytorch, so every smp architecture works with any of its encoders without
being registered one by one. Every model built here maps ``(N, 3, H, W)`` images to
``(N, num_classes, H, W)`` logits at exactly the input size, for any ``H`` and ``W``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

from torch import nn

from hw1.core import Hw1Error

NUM_CLASSES = 7

ModelBuilder = Callable[..., nn.Module]

_REGISTRY: dict[str, ModelBuilder] = {}
_DESCRIPTIONS: dict[str, str] = {}


def register_model(fn: ModelBuilder | None = None, *, name: str | None = None) -> Any:
    """Decorator adding a builder ``fn(num_classes=…, weights=…, **kwargs) -> nn.Module`` to the
    registry under ``name`` (default: the function's name). The first line of its docstring is
    what ``hw1 seg models`` shows."""

    def wrap(f: ModelBuilder) -> ModelBuilder:
        key = name or f.__name__
        if key in _REGISTRY and _REGISTRY[key] is not f:
            raise Hw1Error(f"model name {key!r} is registered twice")
        _REGISTRY[key] = f
        _DESCRIPTIONS[key] = (f.__doc__ or "").strip().splitlines()[0] if f.__doc__ else ""
        return f

    return wrap(fn) if fn is not None else wrap


def _ensure_families() -> None:
    # The family modules register themselves on import; importing here (not at module top)
    # avoids an import cycle between the registry and the families.
    from hw1.segmentation.models import fcn, torchvision_models  # noqa: F401


def list_models(pattern: str | None = None, *, include_smp: bool = True) -> list[str]:
    """Registered model names, sorted, optionally filtered by a glob ``pattern`` (``"fcn*"``).
    With ``include_smp`` the smp architectures are listed as ``smp:ARCH:ENCODER`` templates
    (``ENCODER`` is any smp encoder name, see :func:`list_smp_encoders`)."""
    _ensure_families()
    names = sorted(_REGISTRY)
    if include_smp:
        from hw1.segmentation.models.smp_models import list_smp_architectures

        names += [f"smp:{arch}:ENCODER" for arch in list_smp_architectures()]
    if pattern:
        names = [n for n in names if fnmatch.fnmatch(n.lower(), pattern.lower())]
    return names


def describe_model(name: str) -> str:
    """One line about a registered model (its builder's docstring summary)."""
    _ensure_families()
    if name.startswith("smp:"):
        return "segmentation-models-pytorch architecture; any smp encoder (resnet18 … efficientnet, tu-*)"
    return _DESCRIPTIONS.get(name, "")


def create_model(
    name: str,
    num_classes: int = NUM_CLASSES,
    weights: str | None = None,
    **kwargs: Any,
) -> nn.Module:
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
    if name.startswith("smp:"):
        from hw1.segmentation.models.smp_models import create_smp_model

        return create_smp_model(name, num_classes=num_classes, weights=weights, **kwargs)
    _ensure_families()
    if name not in _REGISTRY:
        raise Hw1Error(
            f"unknown model {name!r}: use one of {', '.join(sorted(_REGISTRY))} or smp:ARCH:ENCODER "
            "(see 'hw1 seg models')"
        )
    try:
        return _REGISTRY[name](num_classes=num_classes, weights=weights, **kwargs)
    except TypeError as exc:
        # A misspelt keyword is a user error (e.g. --model-kwargs), not a crash.
        if "unexpected keyword argument" in str(exc):
            raise Hw1Error(f"model {name!r}: {exc}") from exc
        raise
