"""Segment Anything (SAM) automatic masks for satellite images, and SAM-refined land-cover maps.

Needs the optional extra ``hw1-segmentation[sam]`` (``segment-anything``). One idea per module:
:mod:`.model` builds SAM and loads official checkpoints safely, :mod:`.generator` runs the automatic
mask generator, :mod:`.records` writes and reads the mask JSON, :mod:`.batch` runs a list of images,
:mod:`.refine` snaps a land-cover map to SAM's regions. Drawing overlays is left to the caller
(``hw1 seg sam`` uses hw1-viz): this package returns masks and records.
"""

from typing import TYPE_CHECKING

from hw1.core.lazy_exports import lazy_exports

# Every name loads (with torch) on first use from the module its TYPE_CHECKING import below names, so
# importing this package, and `hw1.segmentation` listing these names, stays light.
__getattr__, __dir__ = lazy_exports(globals())

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time, names loaded on first use
    from hw1.segmentation.sam.batch import OnImage, SamReport, segment_images
    from hw1.segmentation.sam.config import SamConfig
    from hw1.segmentation.sam.generator import build_mask_generator, generate_sam_masks
    from hw1.segmentation.sam.model import (
        SAM_ARCHITECTURES,
        SAM_CHECKPOINT_FILES,
        Hw1SamUnavailableError,
        SamArchitecture,
        build_sam,
        load_sam,
        register_sam_architecture,
        resolve_sam_architecture,
    )
    from hw1.segmentation.sam.records import SAM_JSON_FORMAT, masks_from_records, read_sam_json, write_sam_json
    from hw1.segmentation.sam.refine import refine_with_sam

__all__ = [
    "SAM_ARCHITECTURES",
    "SAM_CHECKPOINT_FILES",
    "SAM_JSON_FORMAT",
    "Hw1SamUnavailableError",
    "OnImage",
    "SamArchitecture",
    "SamConfig",
    "SamReport",
    "build_mask_generator",
    "build_sam",
    "generate_sam_masks",
    "load_sam",
    "masks_from_records",
    "read_sam_json",
    "refine_with_sam",
    "register_sam_architecture",
    "resolve_sam_architecture",
    "segment_images",
    "write_sam_json",
]
