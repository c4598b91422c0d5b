"""The ``--data-pipeline device`` input of segmentation training: pairs decoded once into core's
image store (image RGB, mask class indices), batches drawn by index onto the training device and
augmented there, image and mask together (:mod:`hw1.segmentation.device_transforms`).

Batches follow the worker path's order (DistributedSampler from ``(seed, epoch)``, the same
``max_train`` prefix and last-batch rule); the augmentation of step k is drawn from
``(seed, epoch, k)`` for the global batch, so N processes and a resumed run train exactly like one
uninterrupted process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import torch
from PIL import Image

from hw1.core.device_batches import DeviceBatchSampler, resolve_data_pipeline, step_seed
from hw1.core.distributed import DistributedContext, main_process_first
from hw1.core.image_store import store_bytes
from hw1.core.run import seed_epoch
from hw1.segmentation.config import SegTrainConfig
from hw1.segmentation.dataset import list_pairs
from hw1.segmentation.device_transforms import (
    DeviceJointTransform,
    SegmentationPairDecoder,
    build_device_train_transform,
    open_pair_store,
)


def store_size(train_dir: str | os.PathLike[str], image_size: int | None) -> tuple[int, int]:
    """The (height, width) pairs are stored at: ``image_size`` square, or the first image's size."""
    if image_size is not None:
        return (image_size, image_size)
    first = list_pairs(train_dir)[0][0]
    with Image.open(first) as img:
        return (img.height, img.width)


class DeviceSegBatches:
    """Batches ``(images, masks, None)`` on the device, shaped like the worker loader's (normalised
    float images, int64 masks), with a length; :meth:`epoch` chooses the epoch to iterate."""

    def __init__(self, sampler: DeviceBatchSampler, transform: DeviceJointTransform) -> None:
        self.sampler, self.transform, self.current_epoch = sampler, transform.to(sampler.device), 1

    def __len__(self) -> int:
        return self.sampler.steps_per_epoch

    def epoch(self, epoch: int) -> DeviceSegBatches:
        """Iterate over the batches of ``epoch`` from now on (returns ``self``). Like the worker loader,
        it re-seeds the global RNGs from ``(seed, epoch, rank)``, so dropout draws are the same after a resume."""
        seed_epoch(self.sampler.seed, epoch, self.sampler.rank)
        self.current_epoch = epoch
        return self

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor, None]]:
        s = self.sampler
        for step, batch in enumerate(s.epoch(self.current_epoch)):
            seed = step_seed(s.seed, self.current_epoch, step)
            images, masks = self.transform(batch["image"], batch["mask"], seed, s.rank, s.world_size)
            yield images, masks, None


def build_device_seg_batches(
    train_dir: Path, c: SegTrainConfig, ctx: DistributedContext, normalization: Mapping[str, Sequence[float]]
) -> DeviceSegBatches | None:
    """The device pipeline of ``hw1 seg train``, or None when ``c.data_pipeline`` resolves to ``workers``
    (``auto``: the decoded training pairs must fit :func:`hw1.core.device_batches.memory_budget_bytes`).
    Rank 0 builds (or checks) the store, then the other ranks open it; the worker path's ``max_train``
    prefix and last-batch rule apply."""
    needed = 0
    if c.data_pipeline == "auto":
        needed = store_bytes(len(list_pairs(train_dir)), store_size(train_dir, c.image_size), SegmentationPairDecoder())
    if resolve_data_pipeline(c.data_pipeline, needed, ctx.device) != "device":
        return None
    size = store_size(train_dir, c.image_size)
    store = main_process_first(lambda report: open_pair_store(train_dir, size, cache_dir=c.cache_dir, report=report))
    n = len(store) if c.max_train is None else min(c.max_train, len(store))
    drop = n // ctx.world_size > c.batch_size  # the worker path's last-batch rule
    sampler = DeviceBatchSampler(
        store, c.batch_size, ctx.device, seed=c.seed, rank=ctx.rank, world_size=ctx.world_size, count=n, drop_last=drop
    )
    return DeviceSegBatches(sampler, build_device_train_transform(c.crop_size, normalization))
