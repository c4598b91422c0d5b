"""The automatic mask generator: built from a :class:`~hw1.segmentation.sam.config.SamConfig` and run
on one image into JSON-ready mask records (uncompressed RLE, largest mask first)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from hw1.core import Hw1DataError, Hw1Error
from hw1.segmentation.sam.config import SamConfig
from hw1.segmentation.sam.model import _require_segment_anything

if TYPE_CHECKING:
    from segment_anything.automatic_mask_generator import SamAutomaticMaskGenerator
    from segment_anything.modeling import Sam


def build_mask_generator(model: Sam, config: SamConfig) -> SamAutomaticMaskGenerator:
    """segment_anything's :class:`SamAutomaticMaskGenerator` over ``model`` with the parameters
    of ``config``, returning uncompressed RLE (compact JSON, no pycocotools)."""
    _require_segment_anything()
    from segment_anything import SamAutomaticMaskGenerator

    if config.points_per_side < 1 or config.points_per_batch < 1 or config.crop_n_layers < 0:
        raise Hw1Error("points per side and per batch must be >= 1 and crop layers >= 0")
    if config.min_mask_region_area > 0:
        try:
            import cv2  # noqa: F401  segment_anything needs OpenCV to remove small regions
        except ImportError as exc:
            raise Hw1Error("--min-mask-region-area > 0 needs OpenCV: pip install opencv-python-headless") from exc
    return SamAutomaticMaskGenerator(model, output_mode="uncompressed_rle", **config.generator_kwargs())


def _plain(value: Any) -> Any:
    """numpy/torch scalars and arrays -> JSON-ready Python values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def generate_sam_masks(generator: SamAutomaticMaskGenerator, image: np.ndarray) -> list[dict[str, Any]]:
    """Run the automatic mask generator on ``image`` ``(H, W, 3) uint8`` RGB and return its mask
    records sorted by area (largest first), JSON-ready: ``segmentation`` (uncompressed RLE),
    ``area``, ``bbox`` (x, y, w, h), ``predicted_iou``, ``stability_score``, ``point_coords``,
    ``crop_box``."""
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise Hw1DataError(f"SAM needs an (H, W, 3) uint8 RGB image, got {img.shape} {img.dtype}")
    with torch.inference_mode():
        records = generator.generate(img)
    records = [_plain(r) for r in records]
    records.sort(key=lambda r: -int(r["area"]))
    return records
