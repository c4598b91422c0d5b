"""The two-view augmentations of every SSL recipe, run per sample on whole batches on the device (kornia).

The parameters are not written here: :func:`view_recipes` builds the lightly transform of the
recipe with :func:`hw1.ssl.augmentations.build_two_view_transform` (so a recipe changed there
changes here too) and reads each step's parameters off it — crop scale and aspect range, flip
probabilities, colour-jitter ranges and probability, grayscale probability, blur probability and
sigma range (already scaled to the image size), solarisation probability and threshold, and the
normalisation. :class:`DeviceTwoViewAugmentation` then applies the same steps, in the same order,
with kornia's batched augmentations: every sample of the batch draws its own parameters, just as
every PIL image does in a DataLoader worker.

Known differences from the PIL path, none of which changes a parameter distribution: kornia's
colour jitter draws one order of the four adjustments per batch (torchvision: per image); the
Gaussian blur uses a fixed kernel of ``2·ceil(3·sigma_max)+1`` taps (PIL: box approximations).
Random draws use torch's global generator, which the training loop re-seeds every epoch.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import kornia.augmentation as K
import torch
from torch import nn

from hw1.core.device_batches import apply_seeded
from hw1.core.errors import Hw1Error
from hw1.ssl.augmentations import build_two_view_transform


@dataclass(frozen=True)
class ViewRecipe:
    """Every random parameter of one view, as read off the lightly transform (defaults: the step is
    absent). ``steps`` is the order of the steps after crop and flips (``jitter``, ``gray``, ``blur``,
    ``solarize``)."""

    size: tuple[int, int]
    scale: tuple[float, float]
    ratio: tuple[float, float]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    steps: tuple[str, ...]
    hflip_p: float = 0.0
    vflip_p: float = 0.0
    rotate_p: float = 0.0
    rotate_degrees: float = 90.0
    jitter_p: float = 0.0
    brightness: tuple[float, float] = (1.0, 1.0)
    contrast: tuple[float, float] = (1.0, 1.0)
    saturation: tuple[float, float] = (1.0, 1.0)
    hue: tuple[float, float] = (0.0, 0.0)
    gray_p: float = 0.0
    blur_p: float = 0.0
    blur_sigmas: tuple[float, float] = (0.1, 2.0)
    solarize_p: float = 0.0
    solarize_threshold: float = 128 / 255
    """Threshold in [0, 1] (PIL's 0–255 threshold / 255)."""


def _pair(value: object, neutral: float) -> tuple[float, float]:
    if value is None:
        return (neutral, neutral)
    lo, hi = value  # type: ignore[misc]
    return (float(lo), float(hi))


def _read_view(compose: object) -> ViewRecipe:
    """Read the parameters of one lightly view transform (a torchvision ``Compose``)."""
    p: dict[str, object] = {}
    steps: list[str] = []
    for t in getattr(compose, "transforms", []):
        kind = type(t).__name__
        if kind == "RandomResizedCrop":
            p.update(
                size=tuple(int(s) for s in t.size), scale=tuple(map(float, t.scale)), ratio=tuple(map(float, t.ratio))
            )
        elif kind == "RandomHorizontalFlip":
            p["hflip_p"] = float(t.p)
        elif kind == "RandomVerticalFlip":
            p["vflip_p"] = float(t.p)
        elif kind == "RandomRotate":
            p.update(rotate_p=float(t.prob), rotate_degrees=float(t.angle))
        elif kind == "RandomApply" and len(t.transforms) == 1 and type(t.transforms[0]).__name__ == "ColorJitter":
            cj = t.transforms[0]
            p.update(
                jitter_p=float(t.p),
                brightness=_pair(cj.brightness, 1.0),
                contrast=_pair(cj.contrast, 1.0),
                saturation=_pair(cj.saturation, 1.0),
                hue=_pair(cj.hue, 0.0),
            )
            steps.append("jitter")
        elif kind == "RandomGrayscale":
            p["gray_p"] = float(t.p)
            steps.append("gray")
        elif kind == "GaussianBlur":
            p.update(blur_p=float(t.prob), blur_sigmas=tuple(map(float, t.sigmas)))
            steps.append("blur")
        elif kind == "RandomSolarization":
            p.update(solarize_p=float(t.prob), solarize_threshold=float(t.threshold) / 255.0)
            steps.append("solarize")
        elif kind == "Normalize":
            p.update(mean=tuple(map(float, t.mean)), std=tuple(map(float, t.std)))
        elif kind != "ToTensor":
            raise Hw1Error(f"augmentation step {kind} has no device version; use --data-pipeline workers")
    if "size" not in p or "mean" not in p:
        raise Hw1Error("the recipe's view has no random resized crop or normalisation; use --data-pipeline workers")
    return ViewRecipe(steps=tuple(steps), **p)  # type: ignore[arg-type]


def view_recipes(
    recipe: str, image_size: int = 128, *, min_scale: float | None = None, color_jitter_strength: float | None = None
) -> tuple[ViewRecipe, ViewRecipe]:
    """The two :class:`ViewRecipe` of ``recipe`` (``byol``, ``simclr``, ``moco``, ``simsiam``,
    ``vicreg``), read off the lightly transform that the worker pipeline uses with the same arguments."""
    transform = build_two_view_transform(
        recipe, image_size, min_scale=min_scale, color_jitter_strength=color_jitter_strength
    )
    views = [getattr(v, "transform", v) for v in transform.transforms]
    if len(views) != 2:
        raise Hw1Error(f"recipe {recipe!r} has {len(views)} views; the device pipeline supports two")
    return _read_view(views[0]), _read_view(views[1])


def build_view(view: ViewRecipe) -> nn.Sequential:
    """A kornia pipeline for one view: float ``(B, 3, H, W)`` in [0, 1] -> normalised ``(B, 3, h, w)``.
    Its modules are named after the steps (``crop``, ``hflip``, ``jitter``, ``gray``, ``blur`` …)."""
    mods: dict[str, nn.Module] = {"crop": K.RandomResizedCrop(view.size, scale=view.scale, ratio=view.ratio)}
    mods["hflip"] = K.RandomHorizontalFlip(p=view.hflip_p)
    if view.vflip_p > 0:
        mods["vflip"] = K.RandomVerticalFlip(p=view.vflip_p)
    if view.rotate_p > 0:
        mods["rotate"] = K.RandomRotation(degrees=(view.rotate_degrees, view.rotate_degrees), p=view.rotate_p)
    for step in view.steps:
        if step == "jitter":
            mods[step] = K.ColorJitter(view.brightness, view.contrast, view.saturation, view.hue, p=view.jitter_p)
        elif step == "gray":
            mods[step] = K.RandomGrayscale(p=view.gray_p)
        elif step == "blur" and view.blur_p > 0:
            taps = 2 * math.ceil(3 * view.blur_sigmas[1]) + 1
            taps = min(taps, (min(view.size) - 1) | 1)
            mods[step] = K.RandomGaussianBlur(taps, view.blur_sigmas, p=view.blur_p)
        elif step == "solarize" and view.solarize_p > 0:
            t = view.solarize_threshold
            mods[step] = K.RandomSolarize(thresholds=(t, t), additions=0.0, p=view.solarize_p)
    mods["normalize"] = K.Normalize(mean=torch.tensor(view.mean), std=torch.tensor(view.std))
    return nn.Sequential(OrderedDict(mods))


class DeviceTwoViewAugmentation(nn.Module):
    """``aug(images)`` -> ``(view0, view1)``: the two views of a batch of float images in [0, 1]
    (``(B, 3, H, W)``, on any device), each sample with its own random parameters.

    With ``seed`` the parameters are drawn from that seed for the whole global batch of
    ``world_size`` processes and this ``rank`` applies its rows (:func:`hw1.core.device_batches.apply_seeded`):
    N processes then augment every image exactly as one process does. Without it they come from
    torch's global generator."""

    def __init__(self, views: tuple[ViewRecipe, ViewRecipe]) -> None:
        super().__init__()
        self.recipes = views
        self.view0 = build_view(views[0])
        self.view1 = build_view(views[1])

    @torch.no_grad()
    def forward(
        self, images: torch.Tensor, seed: int | None = None, rank: int = 0, world_size: int = 1
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Two augmented, normalised views of ``images``."""
        images = images.contiguous()
        if seed is None:
            return self.view0(images), self.view1(images)
        return (
            apply_seeded(self.view0, images, seed, rank, world_size),
            apply_seeded(self.view1, images, seed + 1, rank, world_size),
        )


def build_device_two_view_augmentation(
    recipe: str, image_size: int = 128, *, min_scale: float | None = None, color_jitter_strength: float | None = None
) -> DeviceTwoViewAugmentation:
    """The device version of :func:`hw1.ssl.augmentations.build_two_view_transform` with the same arguments."""
    return DeviceTwoViewAugmentation(
        view_recipes(recipe, image_size, min_scale=min_scale, color_jitter_strength=color_jitter_strength)
    )
