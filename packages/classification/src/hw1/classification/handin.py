"""The hand-in checkpoint of a classification run: ``best.pt`` of ``hw1 cls train`` turned into the
weights alone (no optimizer, scheduler or config), in half precision where the predicted classes
stay the same, for ``hw1_1.sh``.

Tolerance: the compact model predicts the same class as the full model for at least
:data:`HANDIN_MIN_AGREEMENT` of the probe images (all of them by default; else the weights are kept
in fp32). The file is an ordinary ``hw1-classification/1`` checkpoint that ``hw1 cls predict`` loads.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import torch

from hw1.classification.checkpoint import build_recorded_classifier, load_classifier
from hw1.classification.dataset import build_transform
from hw1.core import open_image
from hw1.core.handin import HandinReport, export_compact_checkpoint, noise_probe, refuse_overwriting_source

#: Least fraction of probe images whose predicted class must not change when the weights go to fp16.
HANDIN_MIN_AGREEMENT = 1.0
#: Entries besides the weights kept in a hand-in checkpoint (what prediction reads, and the score).
KEPT_ENTRIES = ("format", "model", "num_classes", "normalization", "image_size", "epoch", "val_acc", "best_acc")


def _probe_batch(ckpt: dict[str, Any], images: Sequence[str | os.PathLike[str]], count: int, seed: int) -> torch.Tensor:
    size = int(ckpt["image_size"])
    norm = ckpt["normalization"]
    if images:
        transform = build_transform(size, "none", mean=norm["mean"], std=norm["std"])
        return torch.stack([transform(open_image(p)) for p in images])
    return noise_probe(count, size, norm, seed)


def export_classifier_handin(
    checkpoint: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    half: bool = True,
    probe_images: Sequence[str | os.PathLike[str]] = (),
    probe_count: int = 16,
    min_agreement: float = HANDIN_MIN_AGREEMENT,
    seed: int = 0,
) -> HandinReport:
    """Write the hand-in checkpoint of the classifier checkpoint ``checkpoint`` to ``out_path``.

    The predicted classes of the compact and the full model are compared (CPU, fp32 compute) on
    ``probe_images`` (e.g. some validation images) or ``probe_count`` seeded noise images.
    """
    refuse_overwriting_source(checkpoint, out_path)
    model, ckpt = load_classifier(checkpoint)
    probe = _probe_batch(ckpt, probe_images, probe_count, seed)
    return export_compact_checkpoint(
        checkpoint,
        out_path,
        ckpt=ckpt,
        kept=KEPT_ENTRIES,
        model=model,
        rebuild=lambda compact: build_recorded_classifier(compact["model"]),
        probe=probe,
        half=half,
        min_agreement=min_agreement,
    )
