"""Confusion matrix and per-class IoU, drawn from a ``(K, K)`` count matrix.

Rows are ground truth, columns predictions (the convention of hw1-segmentation's
``ConfusionMatrix``). The left panel is row-normalised (each row sums to 1: the share of a true
class predicted as each class) with the raw counts' recall on the diagonal; the right panel shows
``IoU_c = TP / (P + G - TP)`` per class and the mean over ``miou_classes`` (by default all
classes; the satellite study uses 0-5, leaving Unknown out).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hw1.viz.errors import VizInputError
from hw1.viz.figure import new_figure, save_figure


def check_confusion(matrix: np.ndarray) -> np.ndarray:
    """``matrix`` as a square non-negative float array; :class:`VizInputError` otherwise."""
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] == 0:
        raise VizInputError(f"confusion matrix must be square (K, K), got shape {m.shape}")
    if not np.all(np.isfinite(m)) or m.min() < 0:
        raise VizInputError("confusion matrix must hold non-negative finite counts")
    return m


def iou_from_confusion(matrix: np.ndarray) -> np.ndarray:
    """Per-class IoU ``TP / (P + G - TP)`` (rows = ground truth); NaN for a class absent from
    both ground truth and prediction (0/0)."""
    m = check_confusion(matrix)
    tp = np.diag(m)
    denom = m.sum(axis=0) + m.sum(axis=1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, tp / np.where(denom > 0, denom, 1), np.nan)


def plot_confusion(
    matrix: np.ndarray,
    out_path: str | os.PathLike[str],
    *,
    class_names: Sequence[str] | None = None,
    miou_classes: Sequence[int] | None = None,
    title: str | None = None,
) -> Path:
    """Write a two-panel PNG: the row-normalised confusion matrix (values printed when there are
    at most 20 classes) and per-class IoU bars with the mean IoU over ``miou_classes`` as a line."""
    m = check_confusion(matrix)
    k = m.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    if len(names) != k:
        raise VizInputError(f"{k} classes in the matrix but {len(names)} class names")
    rows = m.sum(axis=1, keepdims=True)
    norm = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
    iou = iou_from_confusion(m)
    mean_over = list(range(k)) if miou_classes is None else [int(c) for c in miou_classes]
    miou = float(np.mean(iou[mean_over]))  # NaN when a class in the mean has no IoU

    side = max(4.0, 0.45 * k + 2.0)
    fig = new_figure(side * 2 + 0.5, side)
    ax_cm, ax_iou = fig.subplots(1, 2)
    im = ax_cm.imshow(norm, cmap="Blues", vmin=0.0, vmax=1.0)
    ax_cm.set_xticks(range(k), names, rotation=45, ha="right", fontsize=8)
    ax_cm.set_yticks(range(k), names, fontsize=8)
    ax_cm.set_xlabel("predicted")
    ax_cm.set_ylabel("ground truth")
    ax_cm.set_title("confusion (row-normalised)", fontsize=10)
    if k <= 20:  # small enough to print every cell's value
        for i, j in itertools.product(range(k), range(k)):
            colour = "white" if norm[i, j] > 0.5 else "black"
            ax_cm.text(j, i, f"{norm[i, j]:.2f}", ha="center", va="center", fontsize=7, color=colour)
    fig.colorbar(im, ax=ax_cm, shrink=0.8)

    shown = np.nan_to_num(iou, nan=0.0)
    colours = ["C0" if c in mean_over else "0.6" for c in range(k)]
    ax_iou.bar(range(k), shown, color=colours)
    for c in range(k):
        ax_iou.text(c, shown[c] + 0.01, f"{iou[c]:.3f}", ha="center", va="bottom", fontsize=7)
    label = f"mIoU over {len(mean_over)} classes = {miou:.4f}"
    ax_iou.axhline(0.0 if np.isnan(miou) else miou, color="C3", linestyle="--", label=label)
    ax_iou.set_xticks(range(k), names, rotation=45, ha="right", fontsize=8)
    ax_iou.set_ylim(0, 1.05)
    ax_iou.set_ylabel("IoU")
    ax_iou.set_title("per-class IoU", fontsize=10)
    ax_iou.legend(fontsize=8, loc="upper right")
    if title:
        fig.suptitle(title, fontsize=11)
    return save_figure(fig, out_path)
