"""VICReg (Bardes et al., 2022): invariance (MSE between views), variance (hinge on each
dimension's std) and covariance (off-diagonal penalty) terms, weights 25/25/1.
Projector num_features→8192→8192→8192 in the paper."""

from __future__ import annotations

from lightly.loss import VICRegLoss
from lightly.models.modules.heads import VICRegProjectionHead
from torch import nn

from hw1.ssl.methods.base import ProjectionLossMethod, gather_enabled


class VICReg(ProjectionLossMethod):
    """VICReg; the loss is computed in float32 and, under DDP, on features gathered from all processes."""

    name = "vicreg"
    augmentation = "vicreg"

    def __init__(
        self,
        backbone: nn.Module,
        hidden_dim: int = 8192,
        output_dim: int = 8192,
        lambda_param: float = 25.0,
        mu_param: float = 25.0,
        nu_param: float = 1.0,
        gather_distributed: bool = True,
    ) -> None:
        super().__init__(backbone)
        self.projection_head = VICRegProjectionHead(self.num_features, hidden_dim, output_dim, num_layers=3)
        gather = gather_enabled(gather_distributed)
        self.criterion = VICRegLoss(
            lambda_param=lambda_param, mu_param=mu_param, nu_param=nu_param, gather_distributed=gather
        )
