"""SAM over a list of images: masks to JSON per image, an optional callback (overlays), and the
optional land-cover refinement written as palette masks; a bad image is reported, not fatal."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hw1.core import Hw1Error, read_rgb, select_device
from hw1.core import progress as progress_bar
from hw1.segmentation.sam.config import SamConfig
from hw1.segmentation.sam.generator import build_mask_generator, generate_sam_masks
from hw1.segmentation.sam.model import load_sam
from hw1.segmentation.sam.records import masks_from_records, write_sam_json
from hw1.segmentation.sam.refine import refine_with_sam


@dataclass
class SamReport:
    """What :func:`segment_images` did: files written per image and images that failed."""

    written: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    mask_counts: dict[str, int] = field(default_factory=dict)
    refined: list[Path] = field(default_factory=list)


#: Called once per segmented image with (image path, RGB array, records, JSON path).
OnImage = Callable[[Path, np.ndarray, list[dict[str, Any]], Path], None]


def segment_images(
    config: SamConfig, images: Sequence[str | os.PathLike[str]], *, on_image: OnImage | None = None
) -> SamReport:
    """Run SAM's automatic mask generator on each image and write ``<stem>_sam.json`` into
    ``config.out_dir``; ``on_image`` (e.g. an overlay writer) runs after each JSON is written.

    With ``config.refine_with`` set, that land-cover model predicts each image, the prediction is
    snapped to the SAM masks (:func:`refine_with_sam`) and written as an RGB palette mask to
    ``out_dir/refined/xxxx_mask.png`` (``xxxx_sat.jpg`` naming, so ``hw1 seg evaluate`` can score
    the folder). An unreadable image (or a failing ``on_image``) is recorded in ``report.failed`` and
    the rest continue; nothing already written is removed.
    """
    model = load_sam(config.checkpoint, config.model_type, device=select_device(config.device))
    generator = build_mask_generator(model, config)
    out_dir = Path(config.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    predictor = None
    if config.refine_with:
        from hw1.segmentation.predict import Predictor

        predictor = Predictor(config.refine_with, device=config.device)
    report = SamReport()
    for image_path in progress_bar([Path(p) for p in images], desc="sam", unit="img"):
        try:
            rgb = read_rgb(image_path)
            records = generate_sam_masks(generator, rgb)
            json_path = write_sam_json(
                records,
                out_dir / f"{image_path.stem}_sam.json",
                image=image_path.name,
                size=rgb.shape[:2],
                config=config,
            )
            report.written.append(json_path)
            report.mask_counts[image_path.name] = len(records)
            if predictor is not None:
                report.refined.append(_write_refined(predictor, rgb, records, out_dir / "refined", image_path))
            if on_image is not None:
                on_image(image_path, rgb, records, json_path)
        except Hw1Error as exc:
            report.failed.append((image_path, str(exc)))
    return report


def _write_refined(
    predictor: Any, rgb: np.ndarray, records: list[dict[str, Any]], folder: Path, image_path: Path
) -> Path:
    from hw1.segmentation.codec import write_mask
    from hw1.segmentation.predict import mask_name

    labels = predictor.predict_array(np.array(rgb, dtype=np.uint8))  # writable copy for torch
    return write_mask(refine_with_sam(labels, masks_from_records(records)), folder / mask_name(image_path))
