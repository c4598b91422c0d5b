"""The segmentation run checkpoint (``"format": "hw1-segmentation/1"``) and rebuilding a model
from it alone.

A checkpoint is a plain dict (loadable with ``weights_only=True``)::

    {"format": "hw1-segmentation/1",
     "model": {"name": "fcn32s", "kwargs": {"num_classes": 7, "width": 0.25, ...}},
     "state_dict": {...}, "normalization": {"mean": [...], "std": [...]},
     "image_size": None | int,      # the size the network was trained at (predict resizes to it)
     "class_names": [...], "epoch": 3, "step": 120, "mean_iou_nansafe": 0.61, "config": {...},
     # last.pt only: "optimizer", "scheduler", "scaler", "best_mean_iou_nansafe", "best_epoch"}

The model is rebuilt with ``create_model(name, weights=None, **kwargs)`` and the state_dict loaded
strictly, so no pretrained download is ever needed to predict.
"""

from __future__ import annotations

import os
from typing import Any

import torch
from torch import nn

from hw1.core import IMAGENET_NORMALIZATION, Hw1CheckpointError, Hw1Error, load_format_checkpoint, unwrap_model
from hw1.core.errors import first_line
from hw1.segmentation.models import create_model
from hw1.segmentation.palette import CLASS_NAMES

CHECKPOINT_FORMAT = "hw1-segmentation/1"


def model_spec(name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The ``"model"`` entry of a checkpoint: enough to rebuild the network without weights."""
    return {"name": name, "kwargs": dict(kwargs)}


def plain_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """Detached, contiguous CPU copies of the model's tensors (no DDP/compile prefixes)."""
    return {k: v.detach().cpu().contiguous() for k, v in unwrap_model(model).state_dict().items()}


def model_checkpoint(
    model: nn.Module,
    name: str,
    kwargs: dict[str, Any],
    *,
    normalization: dict[str, list[float]] | None = None,
    image_size: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A checkpoint dict for ``model`` (built as ``create_model(name, **kwargs)``) that
    :func:`load_model_from_checkpoint` and :class:`~hw1.segmentation.predict.Predictor` accept;
    ``extra`` adds plain entries (epoch, mean_iou_nansafe, config …). Save it with ``hw1.core.save_checkpoint``."""
    norm = normalization or IMAGENET_NORMALIZATION
    return {
        "format": CHECKPOINT_FORMAT,
        "model": model_spec(name, kwargs),
        "state_dict": plain_state_dict(model),
        "normalization": {"mean": list(norm["mean"]), "std": list(norm["std"])},
        "image_size": image_size,
        "class_names": list(CLASS_NAMES),
        **extra,
    }


def read_segmentation_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load a segmentation checkpoint safely and check that it is one (format, model, weights)."""
    fix = "pass a file written by 'hw1 seg train' (best.pt, last.pt or stage_*.pt)"
    ckpt = load_format_checkpoint(path, CHECKPOINT_FORMAT, "an hw1 segmentation checkpoint", fix)
    spec = ckpt.get("model")
    if not isinstance(spec, dict) or "name" not in spec or not isinstance(ckpt.get("state_dict"), dict):
        raise Hw1CheckpointError(
            f"{path}: checkpoint lacks the model name/kwargs or its state_dict; re-train or re-export it"
        )
    return ckpt


def rebuild_model(spec: dict[str, Any], source: str | os.PathLike[str]) -> nn.Module:
    """The untrained network of a checkpoint's ``"model"`` entry (``weights=None``: nothing is
    downloaded); :class:`Hw1CheckpointError` naming ``source`` when it cannot be built."""
    try:
        return create_model(spec["name"], weights=None, **dict(spec.get("kwargs") or {}))
    except Hw1Error as exc:
        raise Hw1CheckpointError(f"{source}: cannot rebuild model {spec['name']!r}: {exc}") from exc


def load_model_from_checkpoint(
    path: str | os.PathLike[str], device: torch.device | str = "cpu"
) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the model a checkpoint describes (``weights=None``: nothing is downloaded), load its
    weights strictly, move it to ``device`` in eval mode; returns ``(model, checkpoint_dict)``.
    fp16 weights (a hand-in checkpoint of :mod:`hw1.segmentation.handin`) are cast to the model's fp32."""
    ckpt = read_segmentation_checkpoint(path)
    spec = ckpt["model"]
    model = rebuild_model(spec, path)
    try:
        model.load_state_dict(ckpt["state_dict"], strict=True)
    except RuntimeError as exc:
        raise Hw1CheckpointError(
            f"{path}: weights do not fit model {spec['name']!r} ({first_line(exc)[:200]}); "
            "the file is damaged or edited"
        ) from exc
    model.to(torch.device(device)).eval()
    return model, ckpt
