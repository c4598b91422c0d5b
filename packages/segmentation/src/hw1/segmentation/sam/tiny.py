"""A randomly initialised SAM small enough for a CPU: the SAM pipeline's tests and smoke runs use it
instead of an official multi-hundred-megabyte checkpoint."""

from __future__ import annotations

from pathlib import Path

import torch

from hw1.core import save_checkpoint
from hw1.segmentation.sam.model import SamArchitecture, build_sam, register_sam_architecture

#: 64-pixel input, 2 encoder blocks, 1 decoder layer: builds and runs in about a second on a CPU.
TINY_SAM = SamArchitecture(
    encoder_embed_dim=32,
    encoder_depth=2,
    encoder_num_heads=2,
    encoder_global_attn_indexes=(1,),
    image_size=64,
    window_size=2,
    prompt_embed_dim=32,
    mask_in_chans=4,
    decoder_depth=1,
    decoder_mlp_dim=64,
    decoder_num_heads=2,
    iou_head_hidden_dim=32,
)


def save_tiny_sam(path: str | Path, model_type: str, *, seed: int = 0) -> Path:
    """Register :data:`TINY_SAM` as ``model_type`` and save a model built with ``seed`` to ``path``.

    The registration is global: the caller removes it (``SAM_ARCHITECTURES.pop(model_type)``) when done.
    """
    register_sam_architecture(model_type, TINY_SAM)
    torch.manual_seed(seed)
    return save_checkpoint(build_sam(model_type).state_dict(), path)
