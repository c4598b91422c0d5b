"""The stage panel: how predictions of chosen images change over training.

Rows are images (the study uses validation 0013, 0062, 0104), columns the image, its ground
truth and the predictions of each training stage (early, middle, final). Masks are drawn in the
palette colours; a legend lists the classes that appear anywhere in the panel.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from hw1.viz.errors import VizInputError
from hw1.viz.figure import new_figure, save_figure
from hw1.viz.overlay import check_image, check_labels, check_palette, class_legend_handles


def stage_panel(
    images: Sequence[np.ndarray],
    ground_truths: Sequence[np.ndarray | None],
    stage_predictions: Mapping[str, Sequence[np.ndarray]],
    palette: np.ndarray | Sequence[Sequence[int]],
    out_path: str | os.PathLike[str],
    *,
    row_titles: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    cell_inches: float = 2.4,
) -> Path:
    """Draw a grid with one row per image: image | ground truth | one column per stage.

    ``images``: ``(H, W, 3) uint8`` arrays; ``ground_truths``: ``(H, W)`` class ids or ``None``
    (that cell then says "no ground truth"); ``stage_predictions``: stage name -> one ``(H, W)``
    class-id map per image, in column order (e.g. ``{"early": …, "middle": …, "final": …}``).
    ``row_titles`` label the rows (e.g. the image ids). Returns the PNG path.
    """
    pal = check_palette(palette)
    n = len(images)
    if n == 0:
        raise VizInputError("no images for the stage panel")
    if len(ground_truths) != n:
        raise VizInputError(f"{n} images but {len(ground_truths)} ground truths")
    for stage, preds in stage_predictions.items():
        if len(preds) != n:
            raise VizInputError(f"stage {stage!r} has {len(preds)} predictions for {n} images")
    if row_titles is not None and len(row_titles) != n:
        raise VizInputError(f"{n} images but {len(row_titles)} row titles")
    columns = ["image", "ground truth", *stage_predictions.keys()]
    fig = new_figure(cell_inches * len(columns) + 1.6, cell_inches * n + 0.3)
    axes = fig.subplots(n, len(columns), squeeze=False)
    present: list[np.ndarray] = []
    for r in range(n):
        img = check_image(images[r], f"image {r}")
        cells: list[np.ndarray | None] = [img]
        gt = ground_truths[r]
        if gt is not None:
            gt = check_labels(gt, img.shape[:2], len(pal), f"ground truth {r}")
            present.append(np.unique(gt))
            cells.append(pal[gt])
        else:
            cells.append(None)
        for stage, preds in stage_predictions.items():
            pred = check_labels(preds[r], img.shape[:2], len(pal), f"{stage} prediction {r}")
            present.append(np.unique(pred))
            cells.append(pal[pred])
        for c, cell in enumerate(cells):
            ax = axes[r, c]
            ax.set(xticks=[], yticks=[])
            if cell is None:
                ax.text(0.5, 0.5, "no ground truth", ha="center", va="center", fontsize=8)
            else:
                ax.imshow(cell, interpolation="nearest")
            if r == 0:
                ax.set_title(columns[c], fontsize=10)
            if c == 0 and row_titles is not None:
                ax.set_ylabel(str(row_titles[r]), fontsize=10)
    classes = np.unique(np.concatenate(present)) if present else np.zeros(0, dtype=int)
    if classes.size:
        fig.legend(
            handles=class_legend_handles(classes, pal, class_names),
            loc="outside right upper",
            fontsize=8,
            frameon=False,
        )
    return save_figure(fig, out_path)
