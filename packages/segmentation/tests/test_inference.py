"""Logits at the input size: resize-and-back, sliding window, flip TTA."""

from __future__ import annotations

import torch
from torch import nn

from hw1.segmentation.inference import predict_logits, sliding_window_logits


class PixelNet(nn.Module):
    """A per-pixel linear classifier: its output does not depend on the image size or tiling."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 7, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


def test_sliding_window_equals_full_image_for_a_pixelwise_model() -> None:
    model = PixelNet().eval()
    x = torch.randn(2, 3, 70, 53)
    full = predict_logits(model, x)
    tiled = sliding_window_logits(model, x, window=32)
    torch.testing.assert_close(tiled, full, atol=1e-5, rtol=1e-5)
    assert predict_logits(model, x, window=32).shape == (2, 7, 70, 53)


def test_resize_and_back_gives_the_input_size() -> None:
    model = PixelNet().eval()
    x = torch.randn(1, 3, 45, 77)
    out = predict_logits(model, x, size=32)
    assert out.shape == (1, 7, 45, 77) and out.dtype == torch.float32


def test_flip_tta_is_invariant_for_a_pixelwise_model() -> None:
    model = PixelNet().eval()
    x = torch.randn(1, 3, 20, 30)
    torch.testing.assert_close(predict_logits(model, x, tta=True), predict_logits(model, x), atol=1e-5, rtol=1e-5)


def test_bf16_logits_come_back_as_float32() -> None:
    model = PixelNet().eval()
    out = predict_logits(model, torch.randn(1, 3, 16, 16), precision="bf16", channels_last=True)
    assert out.dtype == torch.float32 and out.shape == (1, 7, 16, 16)
