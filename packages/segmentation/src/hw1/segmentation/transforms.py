"""Joint image/mask augmentations for training and the plain evaluation transform (albumentations).

Geometric steps (flips, 90° rotations, random scale-and-crop, optional resize) move image and mask
together; masks are always resampled with nearest neighbour so class ids stay pure. Colour jitter
touches the image only. Both transforms end with the normalisation the model was trained with
(ImageNet mean/std by default), so they return a float32 ``(H, W, 3)`` image and a uint8 mask, which
:class:`~hw1.segmentation.dataset.SegmentationPairs` turns into tensors.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

# albumentations asks PyPI for a newer version on import; never do that from a library.
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import albumentations as A  # noqa: E402
import cv2  # noqa: E402
import numpy as np  # noqa: E402

from hw1.segmentation.dataset import IMAGENET_NORMALIZATION  # noqa: E402


class IndependentlySeededCompose(A.Compose):
    """An albumentations ``Compose`` whose ``set_random_seed(seed)`` gives every step its own seed
    derived from ``seed``. ``A.Compose`` hands all steps the *same* seed, so steps that draw one
    number per call draw identical streams: the horizontal and the vertical flip then always
    agree and a mirrored image never occurs (only the four rotations of the eight)."""

    def set_random_seed(self, seed: int | None) -> None:
        super().set_random_seed(seed)
        if seed is None:
            return  # unseeded: every step already draws fresh OS entropy
        seeds = np.random.SeedSequence(seed).generate_state(len(self.transforms))
        for step, step_seed in zip(self.transforms, seeds, strict=True):
            step.set_random_seed(int(step_seed))


def _normalize(normalization: Mapping[str, Sequence[float]]) -> A.Normalize:
    return A.Normalize(mean=tuple(normalization["mean"]), std=tuple(normalization["std"]), max_pixel_value=255.0)


def build_train_transform(
    size: int | None = None,
    normalization: Mapping[str, Sequence[float]] = IMAGENET_NORMALIZATION,
    *,
    resize: int | None = None,
    scale: tuple[float, float] = (0.5, 1.0),
    color_jitter: float = 0.25,
    seed: int | None = None,
) -> A.Compose:
    """The training augmentation: optional ``resize`` to a square first (tiny/fast runs), a random
    crop covering ``scale`` of the image resized to ``size`` x ``size`` (skipped when ``size`` is
    None), horizontal/vertical flips, 90° rotations, colour jitter of strength ``color_jitter`` (0
    disables it), then normalisation. ``seed`` makes the random draws reproducible."""
    steps: list[A.BasicTransform] = []
    if resize is not None:
        steps.append(A.Resize(resize, resize, interpolation=cv2.INTER_AREA, mask_interpolation=cv2.INTER_NEAREST))
    if size is not None:
        steps.append(
            A.RandomResizedCrop(
                size=(size, size),
                scale=scale,
                ratio=(3 / 4, 4 / 3),
                interpolation=cv2.INTER_LINEAR,
                mask_interpolation=cv2.INTER_NEAREST,
            )
        )
    steps += [A.HorizontalFlip(p=0.5), A.VerticalFlip(p=0.5), A.RandomRotate90(p=1.0)]
    if color_jitter > 0:
        steps.append(
            A.ColorJitter(
                brightness=color_jitter,
                contrast=color_jitter,
                saturation=color_jitter,
                hue=min(0.5, color_jitter / 8),
                p=0.8,
            )
        )
    steps.append(_normalize(normalization))
    return IndependentlySeededCompose(steps, seed=seed)


def build_eval_transform(
    normalization: Mapping[str, Sequence[float]] = IMAGENET_NORMALIZATION, *, resize: int | None = None
) -> A.Compose:
    """The evaluation transform: optional ``resize`` to a square (masks nearest-neighbour), then
    normalisation. Deterministic."""
    steps: list[A.BasicTransform] = []
    if resize is not None:
        steps.append(A.Resize(resize, resize, interpolation=cv2.INTER_AREA, mask_interpolation=cv2.INTER_NEAREST))
    steps.append(_normalize(normalization))
    return A.Compose(steps)
