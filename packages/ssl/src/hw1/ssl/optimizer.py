"""Optimizers for pre-training: Adam, AdamW, SGD and LARS (lightly's), with biases and
normalisation parameters excluded from weight decay (and hence from LARS adaptation) as in
SimCLR/BYOL."""

from __future__ import annotations

import torch
from lightly.utils.lars import LARS
from torch import nn

from hw1.core.errors import Hw1Error

OPTIMIZERS = ("adam", "adamw", "lars", "sgd")


def build_optimizer(
    model: nn.Module, name: str, *, lr: float, weight_decay: float = 0.0, momentum: float = 0.9
) -> torch.optim.Optimizer:
    """Optimizer ``name`` over the trainable parameters of ``model`` in two groups: weights
    (decayed) and biases/norm parameters (no decay)."""
    key = name.lower()
    if key not in OPTIMIZERS:
        raise Hw1Error(f"unknown optimizer {name!r}: use one of {', '.join(OPTIMIZERS)}")
    decay, no_decay = [], []
    for param in model.parameters():
        if not param.requires_grad:
            continue
        (no_decay if param.ndim <= 1 else decay).append(param)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    if key == "adam":
        return torch.optim.Adam(groups, lr=lr)
    if key == "adamw":
        return torch.optim.AdamW(groups, lr=lr)
    if key == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=momentum)
    return LARS(groups, lr=lr, momentum=momentum)
