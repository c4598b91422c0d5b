"""The run checkpoint format ``hw1-classification/1``: rebuild a trained classifier, export its
backbone as a plain backbone file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hw1.classification.head import Classifier, ClassifierHead
from hw1.core import (
    Hw1CheckpointError,
    backbone_state_dict,
    create_backbone,
    load_format_checkpoint,
    save_checkpoint,
)
from hw1.core.errors import first_line

CHECKPOINT_FORMAT = "hw1-classification/1"


def classifier_checkpoint(
    model: Classifier, *, arch: str, normalization: dict, image_size: int, epoch: int, config: dict, **extra: Any
) -> dict[str, Any]:
    """The plain-data checkpoint dict of a classifier (``weights_only=True`` loadable)."""
    sd = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    return {
        "format": CHECKPOINT_FORMAT,
        "model": {"backbone": arch, "head": model.head.kwargs()},
        "num_classes": model.head.num_classes,
        "normalization": normalization,
        "image_size": image_size,
        "state_dict": sd,
        "epoch": epoch,
        "config": config,
        **extra,
    }


def build_recorded_classifier(record: dict[str, Any]) -> Classifier:
    """The untrained classifier a checkpoint's ``model`` entry (backbone name, head arguments) describes."""
    return Classifier(create_backbone(record["backbone"], weights=None), ClassifierHead(**record["head"]))


def load_classifier(path: str | os.PathLike[str]) -> tuple[Classifier, dict[str, Any]]:
    """Rebuild the classifier saved in an ``hw1-classification/1`` checkpoint (strict load);
    returns the model (eval mode, CPU) and the checkpoint dict. fp16 weights (a hand-in checkpoint
    of :mod:`hw1.classification.handin`) are cast to the model's fp32."""
    what, fix = "an hw1 classification checkpoint", "pass best.pt or last.pt of 'hw1 cls train'"
    ckpt = load_format_checkpoint(path, CHECKPOINT_FORMAT, what, fix)
    model = build_recorded_classifier(ckpt["model"])
    try:
        model.load_state_dict(ckpt["state_dict"], strict=True)
    except RuntimeError as exc:
        raise Hw1CheckpointError(f"{path}: weights do not fit the recorded model ({first_line(exc)[:200]})") from exc
    model.eval()
    return model, ckpt


def export_backbone(checkpoint: str | os.PathLike[str], out_path: str | os.PathLike[str]) -> Path:
    """Write the backbone of a trained classifier as a plain torchvision-style backbone file (no
    ``fc``), loadable by :func:`hw1.classification.backbones.load_backbone` and by hw1-core."""
    model, _ = load_classifier(checkpoint)
    return save_checkpoint(backbone_state_dict(model.backbone), out_path)
