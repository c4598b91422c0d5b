"""Learning-rate schedules shared by the training loops: linear warmup then cosine or poly decay.

They are callable objects (not lambdas), so :class:`torch.optim.lr_scheduler.LambdaLR` can put
them in its ``state_dict`` and a resumed run continues on the same curve. A warm-up as long as the
run is a :class:`WarmupTooLongWarning`: the learning rate would never reach its peak (seen in short
runs that keep a long run's warm-up, e.g. BYOL's 10 epochs in a 10-epoch run).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import torch

from hw1.core.errors import Hw1Error

SCHEDULE_CHOICES = ("cosine", "poly", "constant")


class WarmupTooLongWarning(UserWarning):
    """The LR warm-up is at least as long as the whole run, so the peak learning rate is never used."""


@dataclass
class WarmupDecay:
    """LR multiplier at optimizer step ``step``: linear warmup from ~0 to 1 over ``warmup_steps``,
    then ``cosine`` (to ``min_ratio``), ``poly`` (power ``power``) or ``constant``."""

    total_steps: int
    warmup_steps: int = 0
    kind: str = "cosine"
    min_ratio: float = 0.0
    power: float = 0.9

    def __call__(self, step: int) -> float:
        if self.warmup_steps > 0 and step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        decay_steps = max(1, self.total_steps - self.warmup_steps)
        t = min(1.0, max(0.0, (step - self.warmup_steps) / decay_steps))
        if self.kind == "cosine":
            return self.min_ratio + (1.0 - self.min_ratio) * 0.5 * (1.0 + math.cos(math.pi * t))
        if self.kind == "poly":
            return self.min_ratio + (1.0 - self.min_ratio) * (1.0 - t) ** self.power
        return 1.0


def build_lr_scheduler(
    optimizer: torch.optim.Optimizer,
    *,
    total_steps: int,
    warmup_steps: int = 0,
    kind: str = "cosine",
    min_ratio: float = 0.0,
) -> torch.optim.lr_scheduler.LambdaLR:
    """A per-step LambdaLR with :class:`WarmupDecay`; call ``scheduler.step()`` after each
    optimizer step. A warm-up not shorter than the run is a :class:`WarmupTooLongWarning`."""
    if kind not in SCHEDULE_CHOICES:
        raise Hw1Error(f"unknown LR schedule {kind!r}: use one of {', '.join(SCHEDULE_CHOICES)}")
    if warmup_steps > 0 and warmup_steps >= total_steps:
        warnings.warn(
            f"the LR warm-up ({warmup_steps} steps) is not shorter than the run ({total_steps} steps), so the "
            "learning rate never reaches its peak: use a warm-up of about 10% of the epochs or less "
            "(--warmup-epochs)",
            WarmupTooLongWarning,
            stacklevel=2,
        )
    fn = WarmupDecay(total_steps=total_steps, warmup_steps=warmup_steps, kind=kind, min_ratio=min_ratio)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, fn)
