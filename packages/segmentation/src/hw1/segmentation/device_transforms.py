"""Joint image + mask training augmentation on the device, in batches (kornia), and the decoder that
puts satellite pairs into core's decoded-image store (image RGB, mask as class indices).

:func:`build_device_train_transform` reads its parameters off the albumentations transform of
:func:`hw1.segmentation.transforms.build_train_transform` called with the same arguments (crop
scale and aspect, flip and rotation probabilities, colour-jitter ranges and probability,
normalisation), so the two pipelines cannot drift apart. Geometric steps run through one kornia
``AugmentationSequential`` with ``data_keys=["input", "mask"]``: image bilinear, mask nearest, same
per-sample parameters. Colour jitter touches the image only. The optional square ``resize`` of the
worker path happens once, when the store is built (:class:`SegmentationPairDecoder`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import kornia.augmentation as K
import numpy as np
import torch
from PIL import Image
from torch import nn

from hw1.core.device_batches import seeded_draw, shard_parameters
from hw1.core.errors import Hw1Error
from hw1.core.image_store import ImageStore, Item, open_store
from hw1.core.images import open_image
from hw1.segmentation.codec import read_mask
from hw1.segmentation.dataset import IMAGENET_NORMALIZATION, list_pairs


@dataclass(frozen=True)
class SegmentationPairDecoder:
    """Store decoder for ``(xxxx_sat.jpg, xxxx_mask.png)`` items: the image as RGB (area-resampled
    when the store size differs), the mask decoded to class indices by the official codec
    (nearest-neighbour when resized)."""

    name: str = "seg-pair/1"
    fields: dict[str, int] = field(default_factory=lambda: {"image": 3, "mask": 0})

    def __call__(self, files: Item, size: tuple[int, int]) -> dict[str, np.ndarray]:
        image = open_image(files[0])
        labels = read_mask(files[1])
        h, w = size
        if image.size != (w, h):
            image = image.resize((w, h), Image.BOX)
        if labels.shape != (h, w):
            labels = np.asarray(Image.fromarray(labels.astype(np.uint8)).resize((w, h), Image.NEAREST))
        return {"image": np.asarray(image, dtype=np.uint8), "mask": labels.astype(np.uint8)}


class DeviceJointTransform(nn.Module):
    """``t(images, masks)`` -> ``(normalised images, masks)``: float ``(B, 3, H, W)`` in [0, 1] and
    int64 ``(B, H, W)`` class indices, both augmented with the same per-sample geometry."""

    def __init__(
        self, geometric: Sequence[nn.Module], jitter: nn.Module | None, normalization: Mapping[str, Sequence[float]]
    ) -> None:
        super().__init__()
        self.geometric = K.AugmentationSequential(*geometric, data_keys=["input", "mask"])
        self.jitter = jitter
        self.normalize = K.Normalize(
            mean=torch.tensor(list(normalization["mean"])), std=torch.tensor(list(normalization["std"]))
        )

    @torch.no_grad()
    def forward(
        self, images: torch.Tensor, masks: torch.Tensor, seed: int | None = None, rank: int = 0, world_size: int = 1
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Augment a batch of images and their masks together. With ``seed`` the parameters are drawn
        from it for the global batch of ``world_size`` processes and this ``rank`` applies its rows
        (N processes then augment exactly like one); without it from torch's global generator."""
        images, masks = images.contiguous(), masks.unsqueeze(1).float()
        geometric = jitter = None  # unseeded: each module draws its own
        if seed is not None:
            n = images.shape[0] * world_size
            shape = torch.Size([n, *images.shape[1:]])

            def draw() -> tuple[Any, Any]:
                geometric = self.geometric.forward_parameters(shape)
                jitter = self.jitter.forward_parameters(self._output_shape(shape)) if self.jitter is not None else None
                return geometric, jitter

            geometric, jitter = (shard_parameters(p, n, rank, world_size) for p in seeded_draw(draw, seed))
        image, mask = self.geometric(images, masks, params=geometric)
        if self.jitter is not None:
            image = self.jitter(image, params=jitter)
        return self.normalize(image), mask.squeeze(1).round().long()

    def _output_shape(self, shape: torch.Size) -> torch.Size:
        crop = next((m for m in self.geometric.children() if isinstance(m, K.RandomResizedCrop)), None)
        return shape if crop is None else torch.Size([*shape[:2], *crop.flags["size"]])


def build_device_train_transform(
    size: int | None = None,
    normalization: Mapping[str, Sequence[float]] = IMAGENET_NORMALIZATION,
    *,
    color_jitter: float | None = None,
) -> DeviceJointTransform:
    """The device version of :func:`hw1.segmentation.transforms.build_train_transform` with the same
    arguments (``None`` keeps that function's default); images must already be at the store's size."""
    from hw1.segmentation.transforms import build_train_transform

    kwargs = {} if color_jitter is None else {"color_jitter": color_jitter}
    steps = build_train_transform(size, normalization, **kwargs).transforms
    geometric: list[nn.Module] = []
    jitter = None
    for step in steps:
        kind = type(step).__name__
        if kind == "RandomResizedCrop":
            geometric.append(K.RandomResizedCrop(tuple(step.size), scale=tuple(step.scale), ratio=tuple(step.ratio)))
        elif kind == "HorizontalFlip":
            geometric.append(K.RandomHorizontalFlip(p=step.p))
        elif kind == "VerticalFlip":
            geometric.append(K.RandomVerticalFlip(p=step.p))
        elif kind == "RandomRotate90":  # k in {-1, 0, 1, 2} uniformly = the four rotations
            geometric.append(K.RandomRotation90(times=(-1.5, 2.4999), p=step.p))
        elif kind == "ColorJitter":
            jitter = K.ColorJitter(
                tuple(step.brightness), tuple(step.contrast), tuple(step.saturation), tuple(step.hue), p=step.p
            )
        elif kind != "Normalize":
            raise Hw1Error(f"segmentation augmentation step {kind} has no device version; use --data-pipeline workers")
    return DeviceJointTransform(geometric, jitter, normalization)


def open_pair_store(
    folder: str | os.PathLike[str], size: int | tuple[int, int], *, cache_dir: str | None = None, report: bool = True
) -> ImageStore:
    """Core's decoded-image store of every pair in ``folder`` (see :func:`list_pairs`) at ``size``:
    fields ``image`` ``(N, H, W, 3)`` and ``mask`` ``(N, H, W)`` class indices. Unreadable pairs are
    reported and skipped; a changed folder is re-decoded."""
    pairs = [(sat, mask) for sat, mask, _ in list_pairs(folder)]
    return open_store(pairs, size, source=folder, decoder=SegmentationPairDecoder(), cache_dir=cache_dir, report=report)
