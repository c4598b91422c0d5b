"""Segmentation losses: cross-entropy (with class weights), softmax focal loss, Dice, and sums of
them (``"ce+dice"``, ``"focal+dice"``). With ``ignore_unknown`` the Unknown class (6) contributes
nothing: its pixels are neither penalised nor counted in the averages.

Focal loss is the softmax form ``-(1-p_t)^γ · w_t · log p_t`` averaged like
:func:`torch.nn.functional.cross_entropy` (sum divided by the summed weights of the counted
pixels), so at ``γ = 0`` it equals cross-entropy exactly. Dice is smp's multiclass soft Dice.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from hw1.core import Hw1Error
from hw1.segmentation.config import LOSS_CHOICES
from hw1.segmentation.palette import NUM_CLASSES, UNKNOWN

NO_IGNORE = -100


class CrossEntropyLoss(nn.Module):
    """Pixel-wise cross-entropy on float32 logits (autocast-safe), optional class weights."""

    def __init__(self, class_weights: Sequence[float] | None = None, ignore_index: int = NO_IGNORE) -> None:
        super().__init__()
        self.ignore_index = ignore_index
        weight = None if class_weights is None else torch.tensor(list(class_weights), dtype=torch.float32)
        self.register_buffer("weight", weight)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits.float(), target, weight=self.weight, ignore_index=self.ignore_index)


class FocalLoss(CrossEntropyLoss):
    """Softmax focal loss (Lin et al.) with optional per-class weights (the α of the paper)."""

    def __init__(
        self, gamma: float = 2.0, class_weights: Sequence[float] | None = None, ignore_index: int = NO_IGNORE
    ) -> None:
        super().__init__(class_weights, ignore_index)
        self.gamma = gamma

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        logp = F.log_softmax(logits.float(), dim=1)
        valid = target != self.ignore_index
        safe = torch.where(valid, target, torch.zeros_like(target))
        logp_t = logp.gather(1, safe.unsqueeze(1)).squeeze(1)
        focal = (1.0 - logp_t.exp()).clamp_min(0.0).pow(self.gamma) if self.gamma else torch.ones_like(logp_t)
        w = self.weight[safe] if self.weight is not None else torch.ones_like(logp_t)
        w = w * valid
        return -(focal * logp_t * w).sum() / w.sum().clamp_min(1e-12)


class DiceLoss(nn.Module):
    """Multiclass soft Dice on softmax probabilities (segmentation-models-pytorch's DiceLoss)."""

    def __init__(self, ignore_index: int | None = None) -> None:
        super().__init__()
        from segmentation_models_pytorch.losses import DiceLoss as SmpDiceLoss

        self.dice = SmpDiceLoss(mode="multiclass", from_logits=True, ignore_index=ignore_index)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.dice(logits.float(), target)


class SumLoss(nn.Module):
    """The sum of several losses (e.g. cross-entropy + Dice)."""

    def __init__(self, *losses: nn.Module) -> None:
        super().__init__()
        self.losses = nn.ModuleList(losses)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return sum((loss(logits, target) for loss in self.losses), torch.zeros((), device=logits.device))


def build_loss(
    name: str = "ce",
    class_weights: Sequence[float] | None = None,
    ignore_unknown: bool = False,
    *,
    focal_gamma: float = 2.0,
) -> nn.Module:
    """The loss ``name`` (one of :data:`LOSS_CHOICES`) as a module ``loss(logits, target)`` with
    ``logits`` (N, C, H, W) and integer ``target`` (N, H, W). ``class_weights`` (one per class)
    weight cross-entropy and focal terms; ``ignore_unknown`` drops Unknown pixels from every term."""
    if class_weights is not None and len(class_weights) != NUM_CLASSES:
        raise Hw1Error(f"class weights: expected {NUM_CLASSES} values (one per class), got {len(class_weights)}")
    ignore = UNKNOWN if ignore_unknown else NO_IGNORE
    builders = {
        "ce": lambda: CrossEntropyLoss(class_weights, ignore_index=ignore),
        "focal": lambda: FocalLoss(focal_gamma, class_weights, ignore_index=ignore),
        "dice": lambda: DiceLoss(ignore_index=UNKNOWN if ignore_unknown else None),
    }
    parts = [part.strip() for part in name.lower().split("+")]
    if not all(part in builders for part in parts):
        raise Hw1Error(f"unknown loss {name!r}: use one of {', '.join(LOSS_CHOICES)}")
    losses = [builders[part]() for part in parts]
    return losses[0] if len(losses) == 1 else SumLoss(*losses)
