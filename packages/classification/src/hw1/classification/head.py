"""The classifier head shared by all five settings, and the backbone + head model.

One head for every setting keeps the A–E table a comparison of backbones, not of heads. The
default is an MLP on the pooled backbone feature, ``Linear(d, 512) → BatchNorm1d → ReLU →
Dropout → Linear(512, C)``; ``kind="linear"`` gives a plain linear classifier (a linear probe).

*Second-last layer* (the features of the t-SNE figure): for the MLP head, the hidden layer's
output after ReLU (before dropout), i.e. the input of the last Linear; for the linear head, the
pooled backbone feature itself.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from hw1.classification.config import HEAD_KINDS
from hw1.core import Hw1Error, unwrap_model


class ClassifierHead(nn.Module):
    """MLP (default) or linear classifier on a pooled feature vector.

    ``hidden_features`` returns the second-last layer (see the module docstring); ``forward``
    returns logits. ``kwargs()`` gives the constructor arguments, stored in checkpoints.
    """

    def __init__(
        self, in_features: int, num_classes: int, *, kind: str = "mlp", hidden: int = 512, dropout: float = 0.3
    ) -> None:
        super().__init__()
        if kind not in HEAD_KINDS:
            raise Hw1Error(f"unknown head {kind!r}: use one of {', '.join(HEAD_KINDS)}")
        if num_classes < 2:
            raise Hw1Error(f"num_classes must be at least 2 (got {num_classes})")
        self.in_features, self.num_classes, self.kind = in_features, num_classes, kind
        self.hidden, self.dropout_p = hidden, dropout
        if kind == "mlp":
            self.body: nn.Module = nn.Sequential(
                nn.Linear(in_features, hidden), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True)
            )
            self.dropout = nn.Dropout(dropout)
            self.fc = nn.Linear(hidden, num_classes)
        else:
            self.body = nn.Identity()
            self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
            self.fc = nn.Linear(in_features, num_classes)

    def kwargs(self) -> dict[str, Any]:
        """Constructor arguments (plain data) to rebuild this head."""
        return {
            "in_features": self.in_features,
            "num_classes": self.num_classes,
            "kind": self.kind,
            "hidden": self.hidden,
            "dropout": self.dropout_p,
        }

    @property
    def feature_dim(self) -> int:
        """Size of the second-last-layer feature."""
        return self.hidden if self.kind == "mlp" else self.in_features

    def hidden_features(self, pooled: torch.Tensor) -> torch.Tensor:
        """Second-last-layer features of pooled backbone features."""
        return self.body(pooled)

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(self.body(pooled)))


class Classifier(nn.Module):
    """A backbone (pooled features) followed by a :class:`ClassifierHead`."""

    def __init__(self, backbone: nn.Module, head: ClassifierHead) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(images))

    def hidden_features(self, images: torch.Tensor) -> torch.Tensor:
        """Second-last-layer features of an image batch."""
        return self.head.hidden_features(self.backbone(images))


def build_classifier(
    backbone: nn.Module, num_classes: int, *, head: str = "mlp", hidden: int = 512, dropout: float = 0.3
) -> Classifier:
    """Put the shared head (``head``/``hidden``/``dropout``) on ``backbone`` (which must expose
    ``num_features``, as :func:`hw1.core.create_backbone` models do)."""
    in_features = int(backbone.num_features)
    return Classifier(backbone, ClassifierHead(in_features, num_classes, kind=head, hidden=hidden, dropout=dropout))


def freeze_backbone(model: Classifier) -> None:
    """Freeze the backbone for settings D/E: no gradients, BatchNorm in eval mode (running
    statistics unchanged). Call :func:`set_train_mode` each epoch rather than ``model.train()``."""
    for p in model.backbone.parameters():
        p.requires_grad_(False)
    model.backbone.eval()


def set_train_mode(model: nn.Module, frozen_backbone: bool) -> None:
    """``model.train()``, but a frozen backbone stays in eval mode so its BN statistics never move."""
    model.train()
    if frozen_backbone:
        unwrap_model(model).backbone.eval()
