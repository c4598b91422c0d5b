"""Classification training transforms on the device, in batches (kornia), and the CSV's images in
core's decoded-image store.

:func:`build_device_transform` reads its steps off :func:`hw1.classification.dataset.build_transform`
with the same ``image_size`` and ``augment`` (random-resized-crop scale and aspect, flip
probability, colour-jitter ranges, normalisation), so both pipelines follow one recipe. The
store holds every listed image resized to cover ``image_size`` and centre-cropped — exactly the
``none``/``flip`` recipes' Resize + CenterCrop, done once; for ``standard``/``strong`` the random
crop is then drawn from that centre square (the worker path draws it from the whole image, so
the margins of very wide or tall photos are not seen).
"""

from __future__ import annotations

import os

import kornia.augmentation as K
import torch
from torch import nn
from torchvision.transforms.v2 import functional as F

from hw1.classification.dataset import build_transform, read_csv_rows
from hw1.core.device_batches import apply_seeded
from hw1.core.errors import Hw1Error
from hw1.core.image_store import ImageStore, open_store
from hw1.core.images import relative_image_name


class DeviceImageTransform(nn.Module):
    """``t(images)``: float ``(B, 3, H, W)`` in [0, 1] -> augmented, normalised images, each sample
    with its own random parameters (torch's generator)."""

    def __init__(self, steps: list[nn.Module]) -> None:
        super().__init__()
        self.steps = nn.Sequential(*steps)

    @torch.no_grad()
    def forward(
        self, images: torch.Tensor, seed: int | None = None, rank: int = 0, world_size: int = 1
    ) -> torch.Tensor:
        """Augment and normalise a batch. With ``seed`` the parameters are drawn from it for the
        global batch of ``world_size`` processes and this ``rank`` applies its rows (N processes
        then augment exactly like one); without it from torch's global generator."""
        images = images.contiguous()
        return self.steps(images) if seed is None else apply_seeded(self.steps, images, seed, rank, world_size)


class _Normalize(nn.Module):
    """torchvision's normalisation on the batch: the same arithmetic as the worker path's
    ``v2.Normalize``, so un-augmented inputs are bit-identical in both pipelines."""

    def __init__(self, mean: list[float], std: list[float]) -> None:
        super().__init__()
        self.mean, self.std = list(mean), list(std)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(images, self.mean, self.std)


def build_device_transform(image_size: int, augment: str = "none") -> DeviceImageTransform:
    """The device version of ``build_transform(image_size, augment)`` for images already at
    ``image_size`` (from the store)."""
    steps: list[nn.Module] = []
    for step in build_transform(image_size, augment).transforms:
        kind = type(step).__name__
        if kind in ("ToImage", "ToDtype", "Resize", "CenterCrop"):
            continue  # the store already holds float-able uint8 images resized and centre-cropped
        if kind == "RandomResizedCrop":
            steps.append(K.RandomResizedCrop(tuple(step.size), scale=tuple(step.scale), ratio=tuple(step.ratio)))
        elif kind == "RandomHorizontalFlip":
            steps.append(K.RandomHorizontalFlip(p=step.p))
        elif kind == "ColorJitter":
            neutral = {"brightness": (1.0, 1.0), "contrast": (1.0, 1.0), "saturation": (1.0, 1.0), "hue": (0.0, 0.0)}
            ranges = [tuple(map(float, getattr(step, name) or unset)) for name, unset in neutral.items()]
            steps.append(K.ColorJitter(*ranges, p=1.0))
        elif kind == "Normalize":
            steps.append(_Normalize(step.mean, step.std))
        else:
            raise Hw1Error(
                f"classification augmentation step {kind} has no device version; use --data-pipeline workers"
            )
    return DeviceImageTransform(steps)


def open_csv_store(
    csv_path: str | os.PathLike[str],
    image_dir: str | os.PathLike[str],
    image_size: int,
    *,
    cache_dir: str | None = None,
    labels: bool = True,
    num_classes: int | None = None,
    report: bool = True,
) -> tuple[ImageStore, torch.Tensor]:
    """The store of the images an ``id,filename,label`` CSV lists under ``image_dir`` at
    ``image_size``, and the int64 labels of the stored rows (-1 with ``labels=False``); unreadable
    images are reported and skipped, with their rows."""
    rows = read_csv_rows(csv_path, labels=labels, num_classes=num_classes)
    items = [(os.path.join(image_dir, relative_image_name(r.filename, csv_path, r.row)),) for r in rows]
    store = open_store(items, image_size, source=csv_path, cache_dir=cache_dir, report=report)
    kept_labels = torch.tensor([rows[i].label for i in store.kept], dtype=torch.int64)
    return store, kept_labels
