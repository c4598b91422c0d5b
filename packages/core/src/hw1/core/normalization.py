"""ImageNet normalisation, written once for every hw1 package.

Torchvision's ImageNet weights, lightly's transforms and the segmentation checkpoints all use these
channel statistics; checkpoints store them as ``IMAGENET_NORMALIZATION`` (plain lists, ``weights_only``-safe).
"""

from __future__ import annotations

IMAGENET_MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
IMAGENET_STD: tuple[float, float, float] = (0.229, 0.224, 0.225)
IMAGENET_NORMALIZATION: dict[str, list[float]] = {"mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD)}
