"""Building SAM from segment_anything's modules and loading an official checkpoint into it safely.

Checkpoints are the official files (``sam_vit_h_4b8939.pth``, ``sam_vit_l_0b3195.pth``,
``sam_vit_b_01ec64.pth``), downloaded by the user. The model is built empty, the file is read with
``torch.load(weights_only=True)`` (through :func:`hw1.core.load_checkpoint`) and copied in with
``load_state_dict`` — segment_anything's own builder would unpickle the file unsafely. A file that
does not fit the chosen model type fails with :class:`~hw1.core.Hw1CheckpointError` naming the
type the file looks like.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from hw1.core import Hw1CheckpointError, Hw1Error, extract_state_dict, load_checkpoint
from hw1.core.normalization import IMAGENET_MEAN, IMAGENET_STD

if TYPE_CHECKING:  # segment_anything is an optional extra: imported only when SAM is used
    from segment_anything.modeling import Sam

#: File name of each official checkpoint, per model type (download them from the SAM repository).
SAM_CHECKPOINT_FILES = {
    "vit_h": "sam_vit_h_4b8939.pth",
    "vit_l": "sam_vit_l_0b3195.pth",
    "vit_b": "sam_vit_b_01ec64.pth",
}


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
        raise Hw1Error(f"unknown SAM model type {model_type!r}; use one of {', '.join(SAM_ARCHITECTURES)}") from None


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
        pixel_mean=[255 * m for m in IMAGENET_MEAN],  # SAM normalises 0-255 pixels
        pixel_std=[255 * s for s in IMAGENET_STD],
    )
    return sam.eval()


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
    # The file's image-encoder width (patch-embedding channels) and depth (number of blocks).
    proj = state.get("image_encoder.patch_embed.proj.weight")
    dim = int(proj.shape[0]) if isinstance(proj, torch.Tensor) and proj.ndim == 4 else None
    depth = len({k.split(".")[2] for k in state if k.startswith("image_encoder.blocks.")})
    name = model_type if isinstance(model_type, str) else "the given architecture"

    def mismatch(detail: str) -> Hw1CheckpointError:
        matches = [
            n
            for n, a in SAM_ARCHITECTURES.items()
            if a.encoder_embed_dim == dim and a.encoder_depth == depth and a != arch
        ]
        hint = (
            f"it looks like {matches[0]}: pass --model-type {matches[0]}"
            if matches
            else f"pass the --model-type it was trained as ({', '.join(SAM_ARCHITECTURES)})"
        )
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
