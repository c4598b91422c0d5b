"""SAM mask records on disk: one JSON file per image holding segment_anything's uncompressed RLE
(``{"size": [h, w], "counts": [...]}``, column-major, starting with a run of zeros; no pycocotools
needed), and decoding records back to boolean masks."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hw1.core import Hw1DataError
from hw1.core.atomic_files import write_text_atomic
from hw1.segmentation.sam.model import _require_segment_anything

if TYPE_CHECKING:
    from hw1.segmentation.sam.config import SamConfig

#: Format tag of the mask JSON files.
SAM_JSON_FORMAT = "hw1-segmentation-sam/1"


def masks_from_records(records: Iterable[dict[str, Any]]) -> list[np.ndarray]:
    """Boolean ``(H, W)`` masks of SAM records (uncompressed RLE decoded with segment_anything's
    ``rle_to_mask``), in record order."""
    _require_segment_anything()
    from segment_anything.utils.amg import rle_to_mask

    return [rle_to_mask(r["segmentation"]).astype(bool) for r in records]


def write_sam_json(
    records: Sequence[dict[str, Any]],
    path: str | os.PathLike[str],
    *,
    image: str,
    size: tuple[int, int],
    config: SamConfig,
) -> Path:
    """Write the masks of one image as JSON: ``{"format", "image", "height", "width", "model_type",
    "generator": {parameters}, "masks": [records]}`` (written to a temp file, then renamed)."""
    doc = {
        "format": SAM_JSON_FORMAT,
        "image": image,
        "height": int(size[0]),
        "width": int(size[1]),
        "model_type": config.model_type,
        "generator": config.generator_kwargs(),
        "masks": list(records),
    }
    return write_text_atomic(path, json.dumps(doc))  # makes the folder


def read_sam_json(path: str | os.PathLike[str]) -> tuple[dict[str, Any], list[np.ndarray]]:
    """Read a mask JSON written by :func:`write_sam_json`: (the document, its boolean masks)."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
        masks = masks_from_records(doc["masks"])
    except FileNotFoundError:
        raise Hw1DataError(f"{p}: SAM mask file not found; check the path") from None
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise Hw1DataError(f"{p}: not a SAM mask JSON written by 'hw1 seg sam' ({exc})") from exc
    return doc, masks
