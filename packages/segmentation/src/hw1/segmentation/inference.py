"""From normalised image batches to logits at the input size: resize to the training size and
back, sliding-window tiling for large images, flip test-time augmentation. Shared by validation
during training and by prediction, so both score a model the same way."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from hw1.core import autocast


def _forward(model: nn.Module, x: torch.Tensor, precision: str, channels_last: bool) -> torch.Tensor:
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    with autocast(x.device, precision):
        out = model(x)
    return out.float()


def _forward_tta(model: nn.Module, x: torch.Tensor, precision: str, channels_last: bool, tta: bool) -> torch.Tensor:
    logits = _forward(model, x, precision, channels_last)
    if not tta:
        return logits
    # Flips are exact symmetries of overhead imagery; averaging them smooths boundary noise.
    logits = logits + _forward(model, x.flip(-1), precision, channels_last).flip(-1)
    logits = logits + _forward(model, x.flip(-2), precision, channels_last).flip(-2)
    return logits / 3.0


def _tile_starts(length: int, window: int, stride: int) -> list[int]:
    # Every stride, and a last window flush with the far edge (the only one when the window covers it all).
    return sorted({*range(0, length - window, stride), max(0, length - window)})


def sliding_window_logits(
    model: nn.Module,
    images: torch.Tensor,
    window: int,
    *,
    overlap: float = 1 / 3,
    precision: str = "fp32",
    channels_last: bool = False,
    tta: bool = False,
) -> torch.Tensor:
    """Logits of ``images`` (N, 3, H, W) computed tile by tile (``window``×``window`` tiles,
    ``overlap`` fraction shared between neighbours) and averaged where tiles overlap: memory stays
    bounded for arbitrarily large images and the network sees its training scale."""
    n, _, h, w = images.shape
    stride = max(1, int(window * (1 - overlap)))
    out: torch.Tensor | None = None
    count = torch.zeros((1, 1, h, w), device=images.device)
    for top in _tile_starts(h, window, stride):
        for left in _tile_starts(w, window, stride):
            tile = images[..., top : top + window, left : left + window]
            logits = _forward_tta(model, tile, precision, channels_last, tta)
            if out is None:
                out = torch.zeros((n, logits.shape[1], h, w), device=images.device)
            out[..., top : top + tile.shape[-2], left : left + tile.shape[-1]] += logits
            count[..., top : top + tile.shape[-2], left : left + tile.shape[-1]] += 1
    assert out is not None
    return out / count


@torch.no_grad()
def predict_logits(
    model: nn.Module,
    images: torch.Tensor,
    *,
    size: int | None = None,
    window: int | None = None,
    tta: bool = False,
    precision: str = "fp32",
    channels_last: bool = False,
) -> torch.Tensor:
    """Float32 logits (N, C, H, W) at the size of ``images`` (normalised, on the model's device).

    ``window``: tile the image (see :func:`sliding_window_logits`). Otherwise ``size``: run the
    network on the batch resized to ``size``×``size`` (the scale it was trained at) and resize
    the logits back bilinearly; ``None`` runs at the native size. ``tta`` averages the logits
    with those of the horizontally and vertically flipped images."""
    h, w = images.shape[-2:]
    if window:
        return sliding_window_logits(model, images, window, precision=precision, channels_last=channels_last, tta=tta)
    x = images
    if size and (h, w) != (size, size):
        x = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    logits = _forward_tta(model, x, precision, channels_last, tta)
    if tuple(logits.shape[-2:]) != (h, w):
        logits = F.interpolate(logits, size=(h, w), mode="bilinear", align_corners=False)
    return logits
