"""Segment Anything (SAM) automatic masks for satellite images, and SAM-refined land-cover maps.

Needs the optional extra ``hw1-segmentation[sam]`` (``segment-anything``). Checkpoints are the
official files (``sam_vit_h_4b8939.pth``, ``sam_vit_l_0b3195.pth``, ``sam_vit_b_01ec64.pth``),
downloaded by the user. They are loaded safely: the model is built empty from
segment_anything's modules, the file is read with ``torch.load(weights_only=True)`` (through
:func:`hw1.core.load_checkpoint`) and copied in with ``load_state_dict`` — segment_anything's own
builder would unpickle the file unsafely. A file that does not fit the chosen model type fails
with :class:`~hw1.core.Hw1CheckpointError` naming the type the file looks like.

Masks are written as JSON with segment_anything's uncompressed RLE (``{"size": [h, w],
"counts": [...]}``, column-major, starting with a run of zeros; decode with
``segment_anything.utils.amg.rle_to_mask``), so no pycocotools is needed. Drawing overlays is left
to the caller (``hw1 seg sam`` uses hw1-viz): this module returns masks and records.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from hw1.core import (
    Hw1CheckpointError,
    Hw1DataError,
    Hw1Error,
    extract_state_dict,
    load_checkpoint,
    read_rgb,
    select_device,
)
from hw1.core import progress as progress_bar

if TYPE_CHECKING:  # segment_anything is an optional extra: imported only when SAM is used
    from segment_anything.automatic_mask_generator import SamAutomaticMaskGenerator
    from segment_anything.modeling import Sam

#: File name of each official checkpoint, per model type (download them from the SAM repository).
SAM_CHECKPOINT_FILES = {
    "vit_h": "sam_vit_h_4b8939.pth",
    "vit_l": "sam_vit_l_0b3195.pth",
    "vit_b": "sam_vit_b_01ec64.pth",
}

#: Format tag of the mask JSON files.
SAM_JSON_FORMAT = "hw1-segmentation-sam/1"


@dataclass(frozen=True)
class SamArchitecture:
    """Every number needed to build a SAM model from segment_anything's modules.

    Defaults are those of the released models (1024-pixel input, 16-pixel patches, 256-d prompt
    space, a 2-layer two-way decoder); the three released sizes differ in the image encoder only.
    """

    encoder_embed_dim: int
    encoder_depth: int
    encoder_num_heads: int
    encoder_global_attn_indexes: tuple[int, ...]
    image_size: int = 1024
    patch_size: int = 16
    window_size: int = 14
    prompt_embed_dim: int = 256
    mask_in_chans: int = 16
    decoder_depth: int = 2
    decoder_mlp_dim: int = 2048
    decoder_num_heads: int = 8
    iou_head_hidden_dim: int = 256


#: Model types by name; :func:`register_sam_architecture` adds more (e.g. a tiny test model).
SAM_ARCHITECTURES: dict[str, SamArchitecture] = {
    "vit_h": SamArchitecture(1280, 32, 16, (7, 15, 23, 31)),
    "vit_l": SamArchitecture(1024, 24, 16, (5, 11, 17, 23)),
    "vit_b": SamArchitecture(768, 12, 12, (2, 5, 8, 11)),
}


class Hw1SamUnavailableError(Hw1Error):
    """segment-anything is not installed."""


def _require_segment_anything() -> None:
    try:
        import segment_anything  # noqa: F401
    except ImportError as exc:
        raise Hw1SamUnavailableError(
            "SAM needs the optional extra: pip install 'hw1-segmentation[sam]' (segment-anything)"
        ) from exc


def register_sam_architecture(name: str, architecture: SamArchitecture) -> None:
    """Make ``name`` a valid model type (``--model-type``) building ``architecture``."""
    SAM_ARCHITECTURES[name] = architecture


def resolve_sam_architecture(model_type: str | SamArchitecture) -> SamArchitecture:
    """The architecture of a model-type name; :class:`Hw1Error` listing the known names otherwise."""
    if isinstance(model_type, SamArchitecture):
        return model_type
    try:
        return SAM_ARCHITECTURES[model_type]
    except KeyError:
        raise Hw1Error(
            f"unknown SAM model type {model_type!r}; use one of {', '.join(SAM_ARCHITECTURES)}"
        ) from None


def build_sam(model_type: str | SamArchitecture) -> Sam:
    """A randomly initialised SAM of ``model_type`` (a name or a :class:`SamArchitecture`), in
    eval mode — the same model ``segment_anything.sam_model_registry[type]()`` builds, without
    touching any checkpoint."""
    _require_segment_anything()
    from segment_anything.modeling import ImageEncoderViT, MaskDecoder, PromptEncoder, Sam, TwoWayTransformer

    a = resolve_sam_architecture(model_type)
    embedding_size = a.image_size // a.patch_size
    sam = Sam(
        image_encoder=ImageEncoderViT(
            depth=a.encoder_depth,
            embed_dim=a.encoder_embed_dim,
            img_size=a.image_size,
            mlp_ratio=4,
            norm_layer=partial(torch.nn.LayerNorm, eps=1e-6),
            num_heads=a.encoder_num_heads,
            patch_size=a.patch_size,
            qkv_bias=True,
            use_rel_pos=True,
            global_attn_indexes=list(a.encoder_global_attn_indexes),
            window_size=a.window_size,
            out_chans=a.prompt_embed_dim,
        ),
        prompt_encoder=PromptEncoder(
            embed_dim=a.prompt_embed_dim,
            image_embedding_size=(embedding_size, embedding_size),
            input_image_size=(a.image_size, a.image_size),
            mask_in_chans=a.mask_in_chans,
        ),
        mask_decoder=MaskDecoder(
            num_multimask_outputs=3,
            transformer=TwoWayTransformer(
                depth=a.decoder_depth,
                embedding_dim=a.prompt_embed_dim,
                mlp_dim=a.decoder_mlp_dim,
                num_heads=a.decoder_num_heads,
            ),
            transformer_dim=a.prompt_embed_dim,
            iou_head_depth=3,
            iou_head_hidden_dim=a.iou_head_hidden_dim,
        ),
        pixel_mean=[123.675, 116.28, 103.53],
        pixel_std=[58.395, 57.12, 57.375],
    )
    return sam.eval()


def _describe_sam_state(state: dict[str, torch.Tensor]) -> tuple[int | None, int]:
    """(image-encoder embed dim, number of encoder blocks) of a SAM state_dict."""
    proj = state.get("image_encoder.patch_embed.proj.weight")
    dim = int(proj.shape[0]) if isinstance(proj, torch.Tensor) and proj.ndim == 4 else None
    blocks = {k.split(".")[2] for k in state if k.startswith("image_encoder.blocks.")}
    return dim, len(blocks)


def load_sam(
    checkpoint: str | os.PathLike[str],
    model_type: str | SamArchitecture = "vit_h",
    *,
    device: str | torch.device = "cpu",
) -> Sam:
    """Build SAM of ``model_type`` and load ``checkpoint`` into it safely (``weights_only=True``).

    Raises :class:`Hw1CheckpointError` when the file is missing or unsafe, is not a SAM
    checkpoint, or was made for another model type (the message names the type whose encoder
    width and depth it has, e.g. "pass --model-type vit_b").
    """
    _require_segment_anything()
    path = Path(checkpoint)
    obj = load_checkpoint(path)  # missing/unsafe/corrupt -> Hw1CheckpointError naming the file
    state = extract_state_dict(obj, source=str(path))
    if not any(k.startswith("image_encoder.") for k in state) or not any(k.startswith("mask_decoder.") for k in state):
        raise Hw1CheckpointError(
            f"{path}: not a Segment Anything checkpoint (no image_encoder./mask_decoder. weights); "
            f"pass an official SAM file such as {SAM_CHECKPOINT_FILES['vit_b']}"
        )
    arch = resolve_sam_architecture(model_type)
    dim, depth = _describe_sam_state(state)
    name = model_type if isinstance(model_type, str) else "the given architecture"

    def mismatch(detail: str) -> Hw1CheckpointError:
        matches = [n for n, a in SAM_ARCHITECTURES.items()
                   if a.encoder_embed_dim == dim and a.encoder_depth == depth and a != arch]
        hint = (f"it looks like {matches[0]}: pass --model-type {matches[0]}" if matches
                else f"pass the --model-type it was trained as ({', '.join(SAM_ARCHITECTURES)})")
        return Hw1CheckpointError(
            f"{path}: checkpoint (image encoder width {dim}, {depth} blocks) does not fit SAM model type "
            f"{name} (width {arch.encoder_embed_dim}, {arch.encoder_depth} blocks){detail}; {hint}"
        )

    # Checked before building: a wrong type would otherwise allocate a whole ViT-H first.
    if (dim, depth) != (arch.encoder_embed_dim, arch.encoder_depth):
        raise mismatch("")
    model = build_sam(arch)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        # torch's first line is a generic header; the second names the first bad key.
        lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
        raise mismatch(f" ({(lines[1] if len(lines) > 1 else lines[0])[:160]})" if lines else "") from exc
    return model.to(device).eval()


@dataclass
class SamConfig:
    """Options of ``hw1 seg sam``: the checkpoint and model type, and the automatic mask
    generator's parameters (defaults are segment_anything's, chosen for ViT-H). ``refine_with``:
    a land-cover checkpoint (``hw1 seg train``) whose prediction is snapped to the SAM regions
    (:func:`refine_with_sam`) and written to ``out_dir/refined/xxxx_mask.png``."""

    checkpoint: str
    model_type: str = "vit_h"
    out_dir: str = "sam_out"
    points_per_side: int = 32
    points_per_batch: int = 64
    pred_iou_thresh: float = 0.88
    stability_score_thresh: float = 0.95
    stability_score_offset: float = 1.0
    box_nms_thresh: float = 0.7
    crop_n_layers: int = 0
    crop_nms_thresh: float = 0.7
    crop_n_points_downscale_factor: int = 1
    min_mask_region_area: int = 0
    device: str = "auto"
    refine_with: str | None = None

    def generator_kwargs(self) -> dict[str, Any]:
        """The arguments :class:`SamAutomaticMaskGenerator` takes from this config."""
        names = ("points_per_side", "points_per_batch", "pred_iou_thresh", "stability_score_thresh",
                 "stability_score_offset", "box_nms_thresh", "crop_n_layers", "crop_nms_thresh",
                 "crop_n_points_downscale_factor", "min_mask_region_area")
        return {n: getattr(self, n) for n in names}


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
    config: SamConfig | None = None,
) -> Path:
    """Write the masks of one image as JSON: ``{"format", "image", "height", "width", "model_type",
    "generator": {parameters}, "masks": [records]}`` (written to a temp file, then renamed)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "format": SAM_JSON_FORMAT,
        "image": image,
        "height": int(size[0]),
        "width": int(size[1]),
        "model_type": config.model_type if config else None,
        "generator": config.generator_kwargs() if config else None,
        "masks": list(records),
    }
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    os.replace(tmp, out)
    return out


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
    config: SamConfig,
    images: Sequence[str | os.PathLike[str]],
    *,
    on_image: OnImage | None = None,
    model: Sam | None = None,
) -> SamReport:
    """Run SAM's automatic mask generator on each image and write ``<stem>_sam.json`` into
    ``config.out_dir``; ``on_image`` (e.g. an overlay writer) runs after each JSON is written.

    With ``config.refine_with`` set, that land-cover model predicts each image, the prediction is
    snapped to the SAM masks (:func:`refine_with_sam`) and written as an RGB palette mask to
    ``out_dir/refined/xxxx_mask.png`` (``xxxx_sat.jpg`` naming, so ``hw1 seg evaluate`` can score
    the folder). The model is loaded from ``config.checkpoint`` unless ``model`` is given. An unreadable image
    (or a failing ``on_image``) is recorded in ``report.failed`` and the rest continue; nothing
    already written is removed.
    """
    if model is None:
        device = select_device(config.device)
        model = load_sam(config.checkpoint, config.model_type, device=device)
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
            json_path = write_sam_json(records, out_dir / f"{image_path.stem}_sam.json", image=image_path.name,
                                       size=rgb.shape[:2], config=config)
            report.written.append(json_path)
            report.mask_counts[image_path.name] = len(records)
            if predictor is not None:
                report.refined.append(_write_refined(predictor, rgb, records, out_dir / "refined", image_path))
            if on_image is not None:
                on_image(image_path, rgb, records, json_path)
        except Hw1Error as exc:
            report.failed.append((image_path, str(exc)))
    return report


def _write_refined(predictor: Any, rgb: np.ndarray, records: list[dict[str, Any]], folder: Path,
                   image_path: Path) -> Path:
    from hw1.segmentation.codec import write_mask
    from hw1.segmentation.predict import mask_name

    labels = predictor.predict_array(np.array(rgb, dtype=np.uint8))  # writable copy for torch
    refined = refine_with_sam(labels, masks_from_records(records))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / mask_name(image_path)
    write_mask(refined, path)
    return path


def refine_with_sam(
    labels: np.ndarray,
    sam_masks: Sequence[np.ndarray],
    *,
    num_classes: int = 7,
    min_agreement: float = 0.0,
) -> np.ndarray:
    """Snap a land-cover map to SAM's regions: each SAM mask takes the majority class of
    ``labels`` inside it. Masks are applied from the largest to the smallest, so a small region
    inside a large one keeps its own vote; pixels no mask covers keep their label.

    ``min_agreement`` (0-1) leaves a mask's pixels unchanged when its majority class covers less
    than that share of it (an ambiguous region). Returns a new ``(H, W) uint8`` array.
    """
    lab = np.asarray(labels)
    if lab.ndim != 2:
        raise Hw1DataError(f"labels must be an (H, W) class-id map, got shape {lab.shape}")
    out = lab.astype(np.uint8, copy=True)
    masks = [np.asarray(m, dtype=bool) for m in sam_masks]
    for i, m in enumerate(masks):
        if m.shape != lab.shape:
            raise Hw1DataError(f"SAM mask {i} is {m.shape} but the labels are {lab.shape}")
    for m in sorted(masks, key=lambda m: -int(m.sum())):
        votes = np.bincount(lab[m].astype(np.int64).ravel(), minlength=num_classes)
        total = int(votes.sum())
        if total == 0:
            continue
        winner = int(votes.argmax())
        if votes[winner] / total >= min_agreement:
            out[m] = winner
    return out

