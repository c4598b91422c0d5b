"""Overlays of class-free region masks, such as Segment Anything's automatic masks.

Masks are drawn from the largest to the smallest, so small regions inside large ones stay
visible; each mask gets its own colour (:func:`hw1.viz.class_styles.distinct_colors`), a
translucent fill and an opaque thin outline.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hw1.viz.class_styles import distinct_colors
from hw1.viz.errors import VizInputError
from hw1.viz.overlay import check_image, class_edges, write_png


def sam_overlay(
    image: np.ndarray,
    masks: Sequence[np.ndarray] | np.ndarray,
    *,
    alpha: float = 0.45,
    edge_width: int = 2,
    seed: int = 0,
) -> np.ndarray:
    """Draw boolean ``masks`` (each ``(H, W)``) over ``image`` ``(H, W, 3) uint8`` and return
    ``(H, W, 3) uint8``: masks sorted by area (largest first), mask ``i`` in that order filled with
    ``(1 - alpha) * pixel + alpha * colour_i`` and outlined opaque ``edge_width`` pixels wide."""
    img = check_image(image)
    out = img.astype(np.float64)
    mask_list = [np.asarray(m).astype(bool) for m in masks]
    for i, m in enumerate(mask_list):
        if m.shape != img.shape[:2]:
            raise VizInputError(f"mask {i} is {m.shape} but the image is {img.shape[:2]}")
    colours = distinct_colors(len(mask_list), seed=seed).astype(np.float64)
    for colour, m in zip(colours, sorted(mask_list, key=lambda m: -int(m.sum())), strict=True):
        out[m] = (1 - alpha) * out[m] + alpha * colour
        out[class_edges(m.astype(np.uint8), edge_width) & m] = colour
    return np.clip(out, 0, 255).astype(np.uint8)


def save_sam_overlay(
    image: np.ndarray,
    masks: Sequence[np.ndarray] | np.ndarray,
    out_path: str | os.PathLike[str],
    *,
    alpha: float = 0.45,
    edge_width: int = 2,
    seed: int = 0,
) -> Path:
    """Write :func:`sam_overlay` as an RGB PNG the size of the image and return its path."""
    return write_png(sam_overlay(image, masks, alpha=alpha, edge_width=edge_width, seed=seed), out_path)
