"""The official ``mean_iou_evaluate.py`` algorithm (per-file decode into a float64 stack, per-class
sums), numpy + PIL only, runnable as a process: ``python official_miou.py GT_DIR PRED_DIR`` prints
what the official script prints. PIL stands in for imageio; it decodes the same PNG bytes."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image


def official_read_masks(folder: Path, size: int = 512) -> np.ndarray:
    """The official ``read_masks``: sorted files, a float64 stack, one class at a time."""
    files = sorted(p for p in Path(folder).iterdir() if p.suffix == ".png")
    masks = np.empty((len(files), size, size))
    for i, path in enumerate(files):
        mask = np.asarray(Image.open(path).convert("RGB"))
        mask = (mask >= 128).astype(int)
        mask = 4 * mask[:, :, 0] + 2 * mask[:, :, 1] + mask[:, :, 2]
        for code, cls in ((3, 0), (6, 1), (5, 2), (2, 3), (1, 4), (7, 5), (0, 6)):
            masks[i, mask == code] = cls
    return masks


def official_mean_iou(gt_dir: Path, pred_dir: Path) -> tuple[list[float], float]:
    """Per-class IoU of classes 0-5 and their mean, summed over the whole folder."""
    pred, labels = official_read_masks(pred_dir), official_read_masks(gt_dir)
    ious = []
    for i in range(6):
        tp_fp = np.sum(pred == i)
        tp_fn = np.sum(labels == i)
        tp = np.sum((pred == i) * (labels == i))
        ious.append(tp / (tp_fp + tp_fn - tp))
    return ious, float(sum(iou / 6 for iou in ious))


if __name__ == "__main__":
    per_class, mean = official_mean_iou(Path(sys.argv[1]), Path(sys.argv[2]))
    for c, iou in enumerate(per_class):
        print("class #%d : %1.5f" % (c, iou))  # noqa: UP031
    print("\nmean_iou: %f\n" % mean)  # noqa: UP031
