"""Barlow Twins (Zbontar et al., 2021): make the cross-correlation matrix of the two views'
projections close to the identity. Projector num_features→8192→8192→8192 in the paper."""

from __future__ import annotations

from lightly.loss import BarlowTwinsLoss
from lightly.models.modules import BarlowTwinsProjectionHead
from torch import nn

from hw1.ssl.methods.base import ProjectionLossMethod, gather_enabled


class BarlowTwins(ProjectionLossMethod):
    """Barlow Twins; the cross-correlation is computed in float32 and, under DDP, summed over processes."""

    name = "barlow_twins"
    augmentation = "byol"  # the paper uses BYOL's asymmetric augmentations

    def __init__(
        self,
        backbone: nn.Module,
        hidden_dim: int = 8192,
        output_dim: int = 8192,
        lambda_param: float = 5e-3,
        gather_distributed: bool = True,
    ) -> None:
        super().__init__(backbone)
        self.projection_head = BarlowTwinsProjectionHead(self.num_features, hidden_dim, output_dim)
        gather = gather_enabled(gather_distributed)
        self.criterion = BarlowTwinsLoss(lambda_param=lambda_param, gather_distributed=gather)
