"""MoCo v2 (Chen et al., 2020): a query encoder is contrasted against keys from a momentum
encoder and a queue of past keys (InfoNCE, temperature 0.2, queue 65,536 in the paper).

Projector num_features→2048→128 without batch norm; momentum 0.999, constant by default. The queue
is saved in checkpoints (lightly keeps it out of the state_dict), so a resumed run keeps its negatives.
"""

from __future__ import annotations

from typing import Any

import torch
from lightly.loss import NTXentLoss
from lightly.models.modules import MoCoProjectionHead
from torch import nn

from hw1.ssl.methods.base import MethodOutput, MomentumMethod, full_precision


class MoCoV2(MomentumMethod):
    """MoCo v2 with a symmetric loss (both views serve as queries, as in lightly's example)."""

    name = "moco"
    augmentation = "moco"

    def __init__(
        self,
        backbone: nn.Module,
        hidden_dim: int = 2048,
        output_dim: int = 128,
        temperature: float = 0.2,
        queue_size: int = 65536,
        momentum_start: float = 0.999,
        momentum_end: float = 0.999,
    ) -> None:
        super().__init__(backbone)
        self.projection_head = MoCoProjectionHead(self.num_features, hidden_dim, output_dim)
        self._make_target(momentum_start, momentum_end)
        # queue_size=0: negatives from the batch only (useful for tiny data and tests)
        bank = (queue_size, output_dim) if queue_size > 0 else 0
        self.criterion = NTXentLoss(temperature=temperature, memory_bank_size=bank)

    def forward(self, view0: torch.Tensor, view1: torch.Tensor) -> MethodOutput:
        q0 = self.projection_head(self.backbone(view0).flatten(1))
        q1 = self.projection_head(self.backbone(view1).flatten(1))
        k0, k1 = self._target(view0), self._target(view1)
        with full_precision(view0.device):
            loss = 0.5 * (self.criterion(q0.float(), k1.float()) + self.criterion(q1.float(), k0.float()))
        return MethodOutput(loss=loss, projection=q0)

    def get_extra_state(self) -> Any:
        bank = self.criterion.memory_bank
        return {"queue": bank.bank.detach().cpu().clone(), "queue_ptr": bank.bank_ptr.detach().cpu().clone()}

    def set_extra_state(self, state: Any) -> None:
        bank = self.criterion.memory_bank
        if (
            isinstance(state, dict)
            and "queue" in state
            and tuple(state["queue"].shape) == tuple(bank.bank.shape)
            and bank.bank.numel() > 0
        ):
            bank.bank.copy_(state["queue"])
            bank.bank_ptr.copy_(state["queue_ptr"])
