"""The interface every SSL method implements, so the pre-training loop knows none of them.

A method is an ``nn.Module`` that owns the backbone (``self.backbone``, the part that is exported)
and whatever heads, target networks and loss it needs. ``forward(view0, view1)`` returns the loss
of one batch of two augmented views — the training loop calls the module itself (not a helper
method) so DistributedDataParallel sees every forward pass.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn


@dataclass
class MethodOutput:
    """One training step's result: the scalar ``loss`` and the online ``projection`` of view 0
    (batch × dim), whose spread across the batch is logged as the collapse signal."""

    loss: torch.Tensor
    projection: torch.Tensor


class SSLMethod(nn.Module):
    """Base class of the SSL methods.

    Subclasses set ``name`` (the registry key), ``augmentation`` (whose paper's two-view
    augmentation defaults to use) and build their heads from ``self.num_features`` in ``__init__``.
    ``kwargs`` holds the constructor arguments a checkpoint needs to rebuild the method.
    Methods with a momentum (EMA) target override :meth:`momentum_at` and :meth:`update_target`.
    """

    name: ClassVar[str] = ""
    augmentation: ClassVar[str] = "byol"

    def __init__(self, backbone: nn.Module, **kwargs: Any) -> None:
        super().__init__()
        num_features = getattr(backbone, "num_features", None)
        if not isinstance(num_features, int):
            raise TypeError("the backbone must expose an int .num_features (use hw1.core.create_backbone)")
        self.backbone = backbone
        self.num_features = num_features
        self.kwargs: dict[str, Any] = dict(kwargs)

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """Backbone features (N, num_features) of ``images`` — what the kNN monitor and the export use."""
        return self.backbone(images).flatten(1)

    def forward(self, view0: torch.Tensor, view1: torch.Tensor) -> MethodOutput:  # pragma: no cover
        raise NotImplementedError

    def momentum_at(self, step: int, total_steps: int) -> float | None:
        """EMA momentum for optimizer step ``step`` of ``total_steps``; ``None`` when the method
        has no momentum target."""
        return None

    @torch.no_grad()
    def update_target(self, momentum: float) -> None:
        """Move the momentum target towards the online network (after each optimizer step)."""


@contextlib.contextmanager
def full_precision(device: torch.device) -> Iterator[None]:
    """Turn autocast off: losses built on batch statistics (cross-correlation, covariance,
    softmax over similarities) are computed in float32 even inside a bf16/fp16 step."""
    with torch.autocast(device_type=device.type, enabled=False):
        yield


def gather_enabled(requested: bool) -> bool:
    """Whether a lightly loss should gather embeddings across processes: only when asked and a
    process group is running (single-process runs have nothing to gather)."""
    return requested and torch.distributed.is_available() and torch.distributed.is_initialized()


class ProjectionLossMethod(SSLMethod):
    """Methods whose loss compares the two views' projections directly (SimCLR, Barlow Twins,
    VICReg): subclasses set ``self.projection_head`` and ``self.criterion``."""

    projection_head: nn.Module
    criterion: nn.Module

    def forward(self, view0: torch.Tensor, view1: torch.Tensor) -> MethodOutput:
        z0 = self.projection_head(self.backbone(view0).flatten(1))
        z1 = self.projection_head(self.backbone(view1).flatten(1))
        with full_precision(view0.device):
            loss = self.criterion(z0.float(), z1.float())
        return MethodOutput(loss=loss, projection=z0)
