"""Figure 1: dataset-level mIoU of generated 512×512 mask pairs — ``hw1 seg evaluate``'s library
call against a straightforward implementation of the official algorithm (per-file decode into a
float64 stack, per-class sums), which must give identical numbers."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from harness import Figure, best_time
from PIL import Image

from hw1.segmentation import encode_mask
from hw1.segmentation.evaluate import evaluate_folders


def _smooth_labels(rng: np.random.Generator, size: int) -> np.ndarray:
    coarse = rng.integers(0, 7, (size // 64 + 1, size // 64 + 1))
    return np.kron(coarse, np.ones((64, 64), dtype=np.int64))[:size, :size].astype(np.uint8)


def write_pairs(folder: Path, n: int, size: int = 512, seed: int = 0) -> tuple[Path, Path]:
    """``n`` ground-truth masks and predictions that agree on ~70 % of the pixels."""
    rng = np.random.default_rng(seed)
    gt_dir, pred_dir = folder / "gt", folder / "pred"
    gt_dir.mkdir(parents=True, exist_ok=True)
    pred_dir.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        gt = _smooth_labels(rng, size)
        pred = np.where(rng.random((size, size)) < 0.3, _smooth_labels(rng, size), gt).astype(np.uint8)
        Image.fromarray(encode_mask(gt)).save(gt_dir / f"{i:04d}_mask.png", compress_level=1)
        Image.fromarray(encode_mask(pred)).save(pred_dir / f"{i:04d}_mask.png", compress_level=1)
    return gt_dir, pred_dir


def official_read_masks(folder: Path, size: int = 512) -> np.ndarray:
    """The official ``read_masks``: sorted files, a float64 stack, one class at a time (PIL in place
    of imageio, which decodes the same PNG bytes)."""
    files = sorted(p for p in folder.iterdir() if p.suffix == ".png")
    masks = np.empty((len(files), size, size))
    for i, path in enumerate(files):
        mask = np.asarray(Image.open(path).convert("RGB"))
        mask = (mask >= 128).astype(int)
        mask = 4 * mask[:, :, 0] + 2 * mask[:, :, 1] + mask[:, :, 2]
        for code, cls in ((3, 0), (6, 1), (5, 2), (2, 3), (1, 4), (7, 5), (0, 6)):
            masks[i, mask == code] = cls
    return masks


def official_mean_iou(gt_dir: Path, pred_dir: Path) -> tuple[list[float], float]:
    pred, labels = official_read_masks(pred_dir), official_read_masks(gt_dir)
    ious = []
    for i in range(6):
        tp_fp = np.sum(pred == i)
        tp_fn = np.sum(labels == i)
        tp = np.sum((pred == i) * (labels == i))
        ious.append(tp / (tp_fp + tp_fn - tp))
    return ious, float(sum(iou / 6 for iou in ious))


def run(quick: bool) -> list[Figure]:
    n = 64 if quick else 257
    with tempfile.TemporaryDirectory() as tmp:
        gt_dir, pred_dir = write_pairs(Path(tmp), n)
        repeats = 1 if quick else 3
        t_official, (ious_official, miou_official) = best_time(lambda: official_mean_iou(gt_dir, pred_dir), repeats)
        t_ours, ours = best_time(lambda: evaluate_folders(gt_dir, pred_dir), repeats, warmup=1)
    identical = bool(np.allclose(ours.per_class_iou, ious_official, rtol=0, atol=1e-12)
                     and abs(ours.mean_iou - miou_official) < 1e-12)
    if not identical:
        raise AssertionError(f"mIoU differs: ours {ours.mean_iou!r} vs official {miou_official!r}")
    return [Figure(
        name=f"seg evaluate: {n} mask pairs 512x512",
        unit="pairs/s", value=n / t_ours, baseline=n / t_official,
        baseline_name="official algorithm (float64 stack)", goal=8.0,
        notes=f"identical mIoU {ours.mean_iou:.6f}; ours {t_ours:.2f} s vs {t_official:.2f} s",
    )]
