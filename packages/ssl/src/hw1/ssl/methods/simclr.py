"""SimCLR (Chen et al., 2020): contrast the two views of each image against all other images in
the batch with the NT-Xent loss (temperature 0.5 in lightly's default, 0.1–0.5 in the paper).

Projector num_features→2048→128 with batch norm (lightly's SimCLR v1 head)."""

from __future__ import annotations

from lightly.loss import NTXentLoss
from lightly.models.modules import SimCLRProjectionHead
from torch import nn

from hw1.ssl.methods.base import ProjectionLossMethod, gather_enabled


class SimCLR(ProjectionLossMethod):
    """SimCLR with an NT-Xent loss; ``gather_distributed`` uses negatives from every process."""

    name = "simclr"
    augmentation = "simclr"

    def __init__(
        self,
        backbone: nn.Module,
        hidden_dim: int = 2048,
        output_dim: int = 128,
        temperature: float = 0.5,
        gather_distributed: bool = True,
    ) -> None:
        super().__init__(backbone)
        self.projection_head = SimCLRProjectionHead(self.num_features, hidden_dim, output_dim)
        gather = gather_enabled(gather_distributed)
        self.criterion = NTXentLoss(temperature=temperature, gather_distributed=gather)
