"""Reduced-width ResNets registered with timm, so any config can name one as ``timm:NAME``.

BasicBlock ×[1, 1, 1, 1] at ``width`` × (1, 2, 4, 8) channels: at width 16, 128 features and about
10× cheaper than resnet18 on a CPU. For tests, benchmarks and smoke runs; timm's registry lives in
one process, so a child process (torchrun worker, CLI subprocess) registers it again. The names in
:data:`BUILTIN_TINY_RESNETS` need no registering: the backbone factory does it on first use in every process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["BUILTIN_TINY_RESNETS", "register_builtin_tiny_resnet", "register_tiny_resnet"]  # timm appends more

#: Known by name in every process: ``timm:hw1_tiny_resnet`` (no stem max-pool) is the tiny study profile's backbone.
BUILTIN_TINY_RESNETS: dict[str, dict[str, Any]] = {"hw1_tiny_resnet": {"width": 16, "maxpool": False}}


def register_tiny_resnet(
    name: str = "hw1_test_tiny_resnet",
    *,
    width: int = 16,
    maxpool: bool = True,
    norm_layer: Callable[..., Any] | None = None,
) -> str:
    """Register the reduced-width ResNet ``name`` with timm (once per process) and return ``"timm:NAME"``.

    ``maxpool=False`` drops the stem's max-pool, so a 32 px image keeps a 2×2 map at the last stage;
    ``norm_layer`` replaces BatchNorm (e.g. a GroupNorm). A name already registered is left as it is.
    """
    import timm
    import torch
    from timm.models import register_model
    from timm.models.resnet import BasicBlock, ResNet

    if name not in timm.list_models(name):

        def builder(pretrained: bool = False, **kwargs: Any) -> ResNet:  # noqa: ARG001  (never pretrained)
            keep = {k: v for k, v in kwargs.items() if k in ("num_classes", "in_chans", "global_pool")}
            if norm_layer is not None:
                keep["norm_layer"] = norm_layer
            channels = tuple(width * m for m in (1, 2, 4, 8))
            model = ResNet(BasicBlock, [1, 1, 1, 1], channels=channels, stem_width=width, **keep)
            if not maxpool:
                model.maxpool = torch.nn.Identity()
            return model

        builder.__name__ = builder.__qualname__ = name
        globals()[name] = register_model(builder)
    return f"timm:{name}"


def register_builtin_tiny_resnet(timm_name: str) -> None:
    """Register ``timm_name`` when it is one of :data:`BUILTIN_TINY_RESNETS` (the backbone factory calls this, so a
    profile, a command line or a checkpoint can name one in any process); any other name is left alone."""
    if timm_name in BUILTIN_TINY_RESNETS:
        register_tiny_resnet(timm_name, **BUILTIN_TINY_RESNETS[timm_name])
