"""``SamConfig``: the options of ``hw1 seg sam``, torch-free so that its ``--help`` imports no torch."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


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
