"""Snapping a land-cover class map to SAM's regions (numpy only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hw1.core import Hw1DataError
from hw1.segmentation.palette import NUM_CLASSES


def refine_with_sam(labels: np.ndarray, sam_masks: Sequence[np.ndarray], *, min_agreement: float = 0.0) -> np.ndarray:
    """Snap a land-cover map to SAM's regions: each SAM mask takes the majority class of
    ``labels`` inside it. Masks are applied from the largest to the smallest, so a small region
    inside a large one keeps its own vote; pixels no mask covers keep their label.

    ``min_agreement`` (0-1) leaves a mask's pixels unchanged when its majority class covers less
    than that share of it (an ambiguous region). Returns a new ``(H, W) uint8`` array.
    """
    lab = np.asarray(labels)
    if lab.ndim != 2:
        raise Hw1DataError(f"labels must be an (H, W) class-id map, got shape {lab.shape}")
    out = lab.astype(np.uint8, copy=True)
    masks = [np.asarray(m, dtype=bool) for m in sam_masks]
    for i, m in enumerate(masks):
        if m.shape != lab.shape:
            raise Hw1DataError(f"SAM mask {i} is {m.shape} but the labels are {lab.shape}")
    for m in sorted(masks, key=lambda m: -int(m.sum())):
        votes = np.bincount(lab[m].astype(np.int64).ravel(), minlength=NUM_CLASSES)
        total = int(votes.sum())
        if total == 0:
            continue
        winner = int(votes.argmax())
        if votes[winner] / total >= min_agreement:
            out[m] = winner
    return out
