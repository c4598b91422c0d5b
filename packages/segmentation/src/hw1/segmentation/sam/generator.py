"""The automatic mask generator: its options (:class:`SamConfig`, the ``hw1 seg sam`` options) and
running it on one image into JSON-ready mask records (uncompressed RLE, largest mask first)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from hw1.core import Hw1DataError, Hw1Error
from hw1.segmentation.sam.model import _require_segment_anything

if TYPE_CHECKING:
    from segment_anything.automatic_mask_generator import SamAutomaticMaskGenerator
    from segment_anything.modeling import Sam


@dataclass
class SamConfig:
    """Options of ``hw1 seg sam``: the checkpoint and model type, and the automatic mask
    generator's parameters (defaults are segment_anything's, chosen for ViT-H). ``refine_with``:
    a land-cover checkpoint (``hw1 seg train``) whose prediction is snapped to the SAM regions
    (:func:`refine_with_sam`) and written to ``out_dir/refined/xxxx_mask.png``."""

    checkpoint: str
    """Official SAM weights, e.g. sam_vit_h_4b8939.pth / sam_vit_l_0b3195.pth / sam_vit_b_01ec64.pth."""
    model_type: str = "vit_h"
    """vit_h, vit_l or vit_b: the architecture the checkpoint was trained as."""
    out_dir: str = "sam_out"
    """Folder for <stem>_sam.json (masks as RLE) and <stem>_sam.png (overlay)."""
    points_per_side: int = 32
    """Prompt grid: N×N points per image (per crop layer)."""
    points_per_batch: int = 64
    """Points run through the decoder at once (memory vs speed)."""
    pred_iou_thresh: float = 0.88
    """Keep masks whose predicted IoU exceeds this (0 disables)."""
    stability_score_thresh: float = 0.95
    """Keep masks at least this stable (0 disables)."""
    stability_score_offset: float = 1.0
    """Logit offset of the stability score's two thresholds."""
    box_nms_thresh: float = 0.7
    """Box IoU above which duplicate masks are dropped."""
    crop_n_layers: int = 0
    """Also run on 2^i × 2^i crops for i = 1..N (small objects)."""
    crop_nms_thresh: float = 0.7
    """Box IoU above which duplicate masks of different crops are dropped."""
    crop_n_points_downscale_factor: int = 1
    """Points per side in crop layer i are scaled down by this factor^i."""
    min_mask_region_area: int = 0
    """Remove holes/islands smaller than this many pixels (needs OpenCV)."""
    device: str = "auto"
    """auto (cuda when present, else cpu), cpu, cuda or cuda:N."""
    refine_with: str | None = None
    """A land-cover checkpoint (hw1 seg train): its prediction, snapped to the SAM regions by majority
    vote, is written to out_dir/refined/xxxx_mask.png."""

    def generator_kwargs(self) -> dict[str, Any]:
        """The arguments :class:`SamAutomaticMaskGenerator` takes from this config."""
        own = ("checkpoint", "model_type", "out_dir", "device", "refine_with")  # the run's, not the generator's
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in own}


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
