"""The satellite pair dataset: ``xxxx_sat.jpg`` images with ``xxxx_mask.png`` masks (p2_data layout).

:func:`list_pairs` pairs the files of a ``train/`` or ``validation/`` folder by id and refuses
incomplete folders with a message naming the files. :class:`SegmentationPairs` reads a pair, decodes
the mask with the official codec, applies a joint image/mask transform (see
:mod:`hw1.segmentation.transforms`) and returns a normalised ``(3, H, W)`` float tensor, an
``(H, W)`` int64 class-id tensor and the id. The normalisation in use is exposed as
``dataset.normalization`` so a trainer can store it in its checkpoint and a predictor reuse it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from hw1.core import IMAGENET_NORMALIZATION, Hw1DataError, read_rgb
from hw1.segmentation.codec import RED_CHOICES, read_mask
from hw1.segmentation.evaluate import _names

#: Accepted endings of satellite images and of masks.
SAT_SUFFIXES: tuple[str, ...] = ("_sat.jpg", "_sat.jpeg", "_sat.png")
MASK_SUFFIX = "_mask.png"


def _sat_id(name: str) -> str | None:
    return next((name[: -len(suffix)] for suffix in SAT_SUFFIXES if name.lower().endswith(suffix)), None)


def list_pairs(folder: str | os.PathLike[str]) -> list[tuple[Path, Path, str]]:
    """Sorted ``(sat_path, mask_path, id)`` of every ``xxxx_sat.jpg`` + ``xxxx_mask.png`` pair in
    ``folder``.

    Raises :class:`Hw1DataError` when the folder is missing or holds no satellite image, when a
    satellite image has no mask or a mask no satellite image (the message lists them).
    """
    root = Path(folder)
    if not root.is_dir():
        raise Hw1DataError(f"{root}: folder not found; point to a p2_data split such as p2_data/train")
    sats: dict[str, Path] = {}
    masks: dict[str, Path] = {}
    for path in root.iterdir():
        if not path.is_file() or path.name.startswith("."):
            continue
        sat_id = _sat_id(path.name)
        if sat_id is not None:
            sats[sat_id] = path
        elif path.name.endswith(MASK_SUFFIX):
            masks[path.name[: -len(MASK_SUFFIX)]] = path
    if not sats:
        raise Hw1DataError(
            f"{root}: no xxxx_sat.jpg images found; point to a folder of satellite/mask pairs (p2_data layout)"
        )
    for found, other, what, fix in (
        (sats, masks, "satellite image(s) have no xxxx_mask.png", "add the masks or remove the images"),
        (masks, sats, "mask(s) have no xxxx_sat.jpg", "add the images or remove the masks"),
    ):
        lonely = sorted(found[i].name for i in found.keys() - other.keys())
        if lonely:
            raise Hw1DataError(f"{root}: {len(lonely)} {what}: {_names(lonely)}; {fix}")
    return [(sats[i], masks[i], i) for i in sorted(sats)]


def image_to_tensor(image: np.ndarray, normalization: Mapping[str, Sequence[float]]) -> torch.Tensor:
    """A ``(3, H, W) float32`` tensor from an ``(H, W, 3)`` image: uint8 is scaled to 0..1 and
    normalised with ``normalization["mean"]`` / ``["std"]``; a float image is taken as already
    normalised (what an albumentations ``Normalize`` step produces)."""
    if image.dtype == np.uint8:
        mean = np.asarray(normalization["mean"], dtype=np.float32)
        std = np.asarray(normalization["std"], dtype=np.float32)
        image = (image.astype(np.float32) * (1.0 / 255.0) - mean) / std
    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1), dtype=np.float32))


class SegmentationPairs(Dataset):
    """Satellite/mask pairs of one folder as ``(image (3, H, W) float32, mask (H, W) int64, id)``.

    ``transform`` is a joint transform called as ``transform(image=rgb_uint8, mask=labels_uint8)``
    returning a dict with ``"image"`` and ``"mask"`` (an albumentations ``Compose`` such as
    :func:`~hw1.segmentation.transforms.build_train_transform`); an image it leaves as uint8 is
    normalised here with ``normalization``. ``red`` is the codec's choice for the red hole.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        transform: Callable[..., dict[str, Any]] | None = None,
        *,
        normalization: Mapping[str, Sequence[float]] = IMAGENET_NORMALIZATION,
        red: str = "error",
    ) -> None:
        if red not in RED_CHOICES:
            raise ValueError(f"red must be one of {RED_CHOICES}, got {red!r}")
        self.folder = Path(folder)
        self.pairs = list_pairs(self.folder)
        self.transform = transform
        self.normalization = {"mean": list(normalization["mean"]), "std": list(normalization["std"])}
        self.red = red
        self.sample_seed: int | None = None
        """When set, item ``i`` draws its augmentation from a seed of ``(sample_seed, i)`` alone: the
        same in every process, worker and batch position (the training loop sets it each epoch, so
        a DDP run augments as a single process does). None: per-worker streams."""
        self._seeded_worker: tuple[int, int] | None = None

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def ids(self) -> list[str]:
        """The ids (``"0013"`` …) in dataset order."""
        return [pair_id for _, _, pair_id in self.pairs]

    def load(self, index: int) -> tuple[np.ndarray, np.ndarray, str]:
        """The raw pair ``(rgb (H, W, 3) uint8, labels (H, W) uint8, id)``, untransformed."""
        sat, mask_path, pair_id = self.pairs[index]
        image = read_rgb(sat)
        labels = read_mask(mask_path, red=self.red)
        if image.shape[:2] != labels.shape:
            raise Hw1DataError(
                f"{mask_path}: mask is {labels.shape[1]}x{labels.shape[0]} but {sat.name} is "
                f"{image.shape[1]}x{image.shape[0]}; a mask must have its image's size"
            )
        return image, labels, pair_id

    def _reseed_transform_in_worker(self) -> None:
        # An albumentations Compose carries its own RNG, copied unchanged into every DataLoader
        # worker and again each epoch: without a reseed all workers (and epochs) would draw the
        # same augmentations. The worker seed differs per worker and per epoch and follows the
        # DataLoader's generator, so runs stay reproducible.
        info = torch.utils.data.get_worker_info()
        if info is None or not hasattr(self.transform, "set_random_seed"):
            return
        key = (os.getpid(), int(info.seed))
        if self._seeded_worker != key:
            self.transform.set_random_seed(int(info.seed) % 2**32)
            self._seeded_worker = key

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, str]:
        image, labels, pair_id = self.load(index)
        if self.transform is not None:
            if self.sample_seed is not None and hasattr(self.transform, "set_random_seed"):
                seed = np.random.SeedSequence([self.sample_seed, index]).generate_state(1)[0]
                self.transform.set_random_seed(int(seed))
            else:
                self._reseed_transform_in_worker()
            out = self.transform(image=image, mask=labels)
            image, labels = out["image"], out["mask"]
        image_t = (
            image.float() if isinstance(image, torch.Tensor) else image_to_tensor(np.asarray(image), self.normalization)
        )
        labels_t = labels if isinstance(labels, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(labels))
        return image_t, labels_t.long(), pair_id
