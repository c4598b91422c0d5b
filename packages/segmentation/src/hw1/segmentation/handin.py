"""The hand-in checkpoint of a segmentation run: ``best.pt`` of ``hw1 seg train`` (weights, optimizer,
scheduler, config: 538 MB for FCN32s) turned into the weights alone, in half precision where the
predicted masks stay the same, so it uploads and downloads quickly for ``hw1_2.sh``.

Tolerance: the compact model's predicted class equals the full model's on at least
:data:`HANDIN_MIN_AGREEMENT` of the probe pixels (else the weights are kept in fp32). The file is an
ordinary ``hw1-segmentation/1`` checkpoint that ``hw1 seg predict`` and :class:`Predictor` load.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from hw1.core import IMAGENET_NORMALIZATION, read_rgb
from hw1.core.handin import (
    HandinReport,
    export_compact_checkpoint,
    noise_probe,
    normalized_probe,
    refuse_overwriting_source,
)
from hw1.segmentation.checkpoint import load_model_from_checkpoint, rebuild_model

#: Least fraction of probe pixels whose class must not change when the weights go to fp16.
HANDIN_MIN_AGREEMENT = 0.999
#: Entries besides the weights kept in a hand-in checkpoint (what prediction and reports read).
KEPT_ENTRIES = (
    "format",
    "model",
    "normalization",
    "image_size",
    "class_names",
    "epoch",
    "step",
    "mean_iou_nansafe",
    "miou",
)


def _probe_batch(
    ckpt: dict[str, Any], images: Sequence[str | os.PathLike[str]], count: int, size: int | None, seed: int
) -> torch.Tensor:
    """Normalised probe inputs: the given images (resized to ``size``) or seeded noise images."""
    side = int(size or ckpt.get("image_size") or 256)
    norm = ckpt.get("normalization") or IMAGENET_NORMALIZATION  # what Predictor falls back to
    if images:
        from PIL import Image

        arrays = [np.asarray(Image.fromarray(read_rgb(p)).resize((side, side), Image.BILINEAR)) for p in images]
        rgb = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).float() / 255.0
        return normalized_probe(rgb, norm)
    return noise_probe(count, side, norm, seed)


def export_segmentation_handin(
    checkpoint: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    half: bool = True,
    probe_images: Sequence[str | os.PathLike[str]] = (),
    probe_count: int = 2,
    probe_size: int | None = None,
    min_agreement: float = HANDIN_MIN_AGREEMENT,
    seed: int = 0,
) -> HandinReport:
    """Write the hand-in checkpoint of the segmentation checkpoint ``checkpoint`` to ``out_path``.

    The predictions of the compact and the full model are compared (on CPU, fp32 compute) on
    ``probe_images`` (e.g. a few validation ``xxxx_sat.jpg``) or on ``probe_count`` seeded noise
    images, at ``probe_size`` (default: the training size in the checkpoint, else 256).
    """
    refuse_overwriting_source(checkpoint, out_path)
    model, ckpt = load_model_from_checkpoint(checkpoint, device="cpu")
    probe = _probe_batch(ckpt, probe_images, probe_count, probe_size, seed)
    return export_compact_checkpoint(
        checkpoint,
        out_path,
        ckpt=ckpt,
        kept=KEPT_ENTRIES,
        model=model,
        rebuild=lambda compact: rebuild_model(compact["model"], checkpoint),
        probe=probe,
        half=half,
        min_agreement=min_agreement,
    )
