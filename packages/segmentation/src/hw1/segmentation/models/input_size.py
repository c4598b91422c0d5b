"""Making a network that needs divisible sizes accept any input size: pad, run, crop back."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def pad_to_multiple(x: torch.Tensor, multiple: int) -> tuple[torch.Tensor, int, int]:
    """Zero-pad ``x`` (N, C, H, W) at the bottom/right so H and W are positive multiples of
    ``multiple``; returns the padded tensor and the original ``(H, W)``. Zero is the dataset mean
    after normalisation, the least surprising filler."""
    h, w = x.shape[-2:]
    ph = max(multiple, -(-h // multiple) * multiple) - h
    pw = max(multiple, -(-w // multiple) * multiple) - w
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph))
    return x, h, w


def fit_to_size(logits: torch.Tensor, padded_hw: tuple[int, int], h: int, w: int) -> torch.Tensor:
    """Bring logits computed on a padded input back to ``(h, w)``: resize (bilinear) to the
    padded size if the network's output differs from it, then crop the padding off."""
    if tuple(logits.shape[-2:]) != tuple(padded_hw):
        logits = F.interpolate(logits, size=padded_hw, mode="bilinear", align_corners=False)
    return logits[..., :h, :w]
