"""Device choice and the model-level speed switches (channels_last, torch.compile)."""

from __future__ import annotations

import torch
from torch import nn

from hw1.core.errors import Hw1Error

DEVICE_CHOICES = ("auto", "cuda", "mps", "cpu")


def select_device(preference: str = "auto", local_rank: int | None = None) -> torch.device:
    """Return the device to run on: ``cuda`` > ``mps`` > ``cpu`` for ``"auto"``.

    An explicit preference that is not available raises :class:`Hw1Error`. Under torchrun,
    ``local_rank`` picks the CUDA device of this process. Strings like ``"cuda:1"`` are accepted.
    """
    pref = preference.lower()
    base = pref.split(":")[0]
    if base not in DEVICE_CHOICES:
        raise Hw1Error(f"unknown device {preference!r}: use one of {', '.join(DEVICE_CHOICES)}")
    available = {"cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available(), "cpu": True}
    if base == "auto":
        base = next(kind for kind, ok in available.items() if ok)
    if not available[base]:
        raise Hw1Error(f"device {base!r} requested but {base.upper()} is not available: use --device cpu or auto")
    if base != "cuda":
        return torch.device(base)
    if ":" in pref:
        return torch.device(pref)
    return torch.device("cuda", local_rank if local_rank is not None else torch.cuda.current_device())


def prepare_model(
    model: nn.Module, device: torch.device, *, channels_last: bool = True, compile: bool = False
) -> nn.Module:
    """Move ``model`` to ``device``, optionally in ``channels_last`` layout and compiled.

    ``channels_last`` speeds up convolutions under autocast on CPU and CUDA (2–4× here with bf16);
    ``compile`` wraps the model with :func:`torch.compile`, which pays 10–50 s up front.
    """
    model = model.to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    if compile:
        model = torch.compile(model)  # type: ignore[assignment]
    return model


def to_device_batch(images: torch.Tensor, device: torch.device, channels_last: bool = True) -> torch.Tensor:
    """Move an image batch (N, C, H, W) to ``device`` in the layout the model was prepared with."""
    images = images.to(device, non_blocking=True)
    if channels_last and images.dim() == 4:
        images = images.contiguous(memory_format=torch.channels_last)
    return images
