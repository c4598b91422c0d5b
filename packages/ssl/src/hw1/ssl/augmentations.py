"""Two-view augmentations with each method's paper defaults, built from lightly's transforms.

All of them are random resized crop, horizontal flip, colour jitter, random grayscale, Gaussian
blur (and solarisation for BYOL's second view and VICReg) on PIL images — cheap enough for CPU
DataLoader workers. The blur sigma is given in pixels at 224 px in the papers (0.1–2.0); it is
scaled with the chosen image size so a 64 px crop is not blurred to mush.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from lightly.transforms import (
    BYOLTransform,
    BYOLView1Transform,
    BYOLView2Transform,
    MoCoV2Transform,
    SimCLRTransform,
    SimSiamTransform,
    VICRegTransform,
)
from PIL import Image
from torchvision import transforms as T

from hw1.core.errors import Hw1Error
from hw1.core.normalization import IMAGENET_NORMALIZATION

#: Augmentation recipes by name; an SSL method names the one its paper uses (``SSLMethod.augmentation``).
AUGMENTATIONS = ("byol", "simclr", "moco", "simsiam", "vicreg")

#: Paper defaults that :func:`build_two_view_transform` exposes (None = the paper's value).
PAPER_MIN_SCALE = {"byol": 0.08, "simclr": 0.08, "moco": 0.2, "simsiam": 0.2, "vicreg": 0.08}
PAPER_CJ_STRENGTH = {"byol": 1.0, "simclr": 1.0, "moco": 1.0, "simsiam": 1.0, "vicreg": 0.5}

#: Normalisation of every view and of the kNN monitor's images (ImageNet statistics, as lightly's transforms).
NORMALIZATION = IMAGENET_NORMALIZATION

TwoViewTransform = Callable[[Image.Image], list[torch.Tensor]]


def build_two_view_transform(
    recipe: str,
    image_size: int = 128,
    *,
    min_scale: float | None = None,
    color_jitter_strength: float | None = None,
) -> TwoViewTransform:
    """The two-view transform of ``recipe`` (``byol``, ``simclr``, ``moco``, ``simsiam``,
    ``vicreg``) at ``image_size`` px: a callable PIL image -> [view0, view1] normalised tensors.

    ``min_scale`` (random-resized-crop minimum area) and ``color_jitter_strength`` (multiplies
    brightness/contrast/saturation/hue) override the paper values when given.
    """
    if recipe not in AUGMENTATIONS:
        raise Hw1Error(f"unknown augmentation {recipe!r}: use one of {', '.join(AUGMENTATIONS)}")
    if image_size < 8:
        raise Hw1Error(f"image size {image_size} is too small: use --image-size 32 or more")
    scale = image_size / 224.0
    kw: dict[str, Any] = {
        "input_size": image_size,
        "min_scale": PAPER_MIN_SCALE[recipe] if min_scale is None else float(min_scale),
        "cj_strength": PAPER_CJ_STRENGTH[recipe] if color_jitter_strength is None else float(color_jitter_strength),
        "sigmas": (0.1 * scale, 2.0 * scale),
    }
    if not 0.0 < kw["min_scale"] <= 1.0:
        raise Hw1Error(f"crop min scale {kw['min_scale']} must be in (0, 1]")
    if recipe == "byol":
        return BYOLTransform(view_1_transform=BYOLView1Transform(**kw), view_2_transform=BYOLView2Transform(**kw))
    cls = {"simclr": SimCLRTransform, "moco": MoCoV2Transform, "simsiam": SimSiamTransform, "vicreg": VICRegTransform}[
        recipe
    ]
    return cls(**kw)


def build_eval_transform(image_size: int = 128) -> Callable[[Image.Image], torch.Tensor]:
    """Deterministic transform for feature extraction (kNN monitor): resize the short side to
    ``image_size``, centre crop, ImageNet normalisation."""
    return T.Compose(
        [
            T.Resize(image_size),
            T.CenterCrop(image_size),
            T.ToTensor(),
            T.Normalize(mean=NORMALIZATION["mean"], std=NORMALIZATION["std"]),
        ]
    )
