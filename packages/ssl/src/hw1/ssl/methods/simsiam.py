"""SimSiam (Chen & He, 2021): BYOL without a momentum target — a stop-gradient on the other
view's projection is enough. Projector num_features→2048→2048 (3 layers, BN), predictor 2048→512→2048."""

from __future__ import annotations

import torch
from lightly.loss import NegativeCosineSimilarity
from lightly.models.modules import SimSiamPredictionHead, SimSiamProjectionHead
from torch import nn

from hw1.ssl.methods.base import MethodOutput, SSLMethod, full_precision


class SimSiam(SSLMethod):
    """SimSiam with a symmetric negative cosine loss and stop-gradient targets."""

    name = "simsiam"
    augmentation = "simsiam"

    def __init__(
        self,
        backbone: nn.Module,
        hidden_dim: int = 2048,
        output_dim: int = 2048,
        predictor_hidden_dim: int = 512,
    ) -> None:
        super().__init__(backbone)
        self.projection_head = SimSiamProjectionHead(self.num_features, hidden_dim, output_dim)
        self.prediction_head = SimSiamPredictionHead(output_dim, predictor_hidden_dim, output_dim)
        self.criterion = NegativeCosineSimilarity()

    def forward(self, view0: torch.Tensor, view1: torch.Tensor) -> MethodOutput:
        z0 = self.projection_head(self.backbone(view0).flatten(1))
        z1 = self.projection_head(self.backbone(view1).flatten(1))
        p0, p1 = self.prediction_head(z0), self.prediction_head(z1)
        with full_precision(view0.device):
            loss = 0.5 * (
                self.criterion(p0.float(), z1.detach().float()) + self.criterion(p1.float(), z0.detach().float())
            )
        return MethodOutput(loss=loss, projection=z0)
