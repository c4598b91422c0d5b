"""The interface every SSL method implements, so the pre-training loop knows none of them.

A method is an ``nn.Module`` that owns the backbone (``self.backbone``, the part that is exported)
and whatever heads, target networks and loss it needs. ``forward(view0, view1)`` returns the loss
of one batch of two augmented views — the training loop calls the module itself (not a helper
method) so DistributedDataParallel sees every forward pass.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from lightly.models.utils import deactivate_requires_grad
from lightly.utils.scheduler import cosine_schedule
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
    ``kwargs`` holds the constructor arguments a checkpoint needs to rebuild the method (every
    keyword parameter of the subclass's ``__init__`` after ``backbone``, recorded when it returns).
    Methods with a momentum (EMA) target override :meth:`momentum_at` and :meth:`update_target`.
    """

    name: ClassVar[str] = ""
    augmentation: ClassVar[str] = "byol"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return

        @functools.wraps(init)
        def init_and_record(self: SSLMethod, *args: Any, **kwargs: Any) -> None:
            init(self, *args, **kwargs)
            bound = inspect.signature(init).bind(self, *args, **kwargs)
            bound.apply_defaults()
            self.kwargs = dict(list(bound.arguments.items())[2:])  # after self and backbone

        cls.__init__ = init_and_record  # type: ignore[method-assign]

    def __init__(self, backbone: nn.Module, **kwargs: Any) -> None:
        super().__init__()
        num_features = getattr(backbone, "num_features", None)
        if not isinstance(num_features, int):
            raise TypeError("the backbone must expose an int .num_features (use hw1.core.create_backbone)")
        self.backbone = backbone
        self.num_features = num_features
        self.kwargs: dict[str, Any] = dict(kwargs)

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


class MomentumMethod(SSLMethod):
    """Methods with a momentum (EMA) target: a frozen copy of the backbone and the projection head
    (BYOL, MoCo), made by :meth:`_make_target` once ``self.projection_head`` exists. The momentum
    follows a cosine schedule over all training steps from ``momentum_start`` to ``momentum_end``."""

    projection_head: nn.Module

    def _make_target(self, momentum_start: float, momentum_end: float) -> None:
        self.backbone_momentum = copy.deepcopy(self.backbone)
        self.projection_head_momentum = copy.deepcopy(self.projection_head)
        deactivate_requires_grad(self.backbone_momentum)
        deactivate_requires_grad(self.projection_head_momentum)
        self.momentum_start, self.momentum_end = momentum_start, momentum_end

    @torch.no_grad()
    def _target(self, x: torch.Tensor) -> torch.Tensor:
        """The target network's projection of ``x`` (no gradients)."""
        return self.projection_head_momentum(self.backbone_momentum(x).flatten(1)).detach()

    def momentum_at(self, step: int, total_steps: int) -> float:
        return float(
            cosine_schedule(min(step, total_steps), max(total_steps, 1), self.momentum_start, self.momentum_end)
        )

    @torch.no_grad()
    def update_target(self, momentum: float) -> None:
        # target = momentum * target + (1 - momentum) * online, as lightly's update_momentum, but
        # in one fused multi-tensor op instead of a Python loop over ~160 parameters.
        target = [*self.backbone_momentum.parameters(), *self.projection_head_momentum.parameters()]
        online = [*self.backbone.parameters(), *self.projection_head.parameters()]
        torch._foreach_lerp_(target, online, 1.0 - momentum)
