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

import torch
from PIL import Image

from hw1.core.device_batches import DeviceBatchSampler, resolve_data_pipeline, step_seed
from hw1.core.distributed import DistributedContext, barrier
from hw1.core.image_store import ImageStore, store_bytes
from hw1.core.run import seed_epoch
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


def choose_pipeline(
    requested: str, train_dir: str | os.PathLike[str], image_size: int | None, device: torch.device
) -> str:
    """``device`` or ``workers`` for ``--data-pipeline requested`` (``auto``: the decoded training
    pairs must fit :func:`hw1.core.device_batches.memory_budget_bytes`)."""
    if requested != "auto":
        return resolve_data_pipeline(requested, 0, device)
    count = len(list_pairs(train_dir))
    needed = store_bytes(count, store_size(train_dir, image_size), SegmentationPairDecoder())
    return resolve_data_pipeline("auto", needed, device)


class DeviceSegBatches:
    """Batches ``(images, masks, None)`` on the device, shaped like the worker loader's (normalised
    float images, int64 masks), with a length; :meth:`epoch` chooses the epoch to iterate."""

    def __init__(
        self,
        store: ImageStore,
        transform: DeviceJointTransform,
        batch_size: int,
        ctx: DistributedContext,
        *,
        seed: int,
        count: int | None,
        drop_last: bool,
    ) -> None:
        self.store, self.transform, self.seed = store, transform.to(ctx.device), int(seed)
        self.rank, self.world_size, self.current_epoch = ctx.rank, ctx.world_size, 1
        self.sampler = DeviceBatchSampler(
            store,
            batch_size,
            ctx.device,
            seed=seed,
            rank=ctx.rank,
            world_size=ctx.world_size,
            count=count,
            drop_last=drop_last,
        )

    def __len__(self) -> int:
        return self.sampler.steps_per_epoch

    def epoch(self, epoch: int) -> DeviceSegBatches:
        """Iterate over the batches of ``epoch`` from now on (returns ``self``). Like the worker loader,
        it re-seeds the global RNGs from ``(seed, epoch, rank)``, so dropout draws are the same after a resume."""
        seed_epoch(self.seed, epoch, self.rank)
        self.current_epoch = epoch
        return self

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor, None]]:
        for step, batch in enumerate(self.sampler.epoch(self.current_epoch)):
            seed = step_seed(self.seed, self.current_epoch, step)
            images, masks = self.transform(batch["image"], batch["mask"], seed, self.rank, self.world_size)
            yield images, masks, None


def build_device_seg_batches(
    train_dir: str | os.PathLike[str],
    *,
    image_size: int | None,
    crop_size: int | None,
    normalization: Mapping[str, Sequence[float]],
    batch_size: int,
    ctx: DistributedContext,
    seed: int,
    max_train: int | None,
    cache_dir: str | None,
) -> DeviceSegBatches:
    """The device pipeline of ``hw1 seg train``: rank 0 builds (or checks) the store, then the
    other ranks open it; the worker path's ``max_train`` prefix and last-batch rule apply."""
    size = store_size(train_dir, image_size)
    store = open_pair_store(train_dir, size, cache_dir=cache_dir) if ctx.is_main else None
    barrier()
    if store is None:
        store = open_pair_store(train_dir, size, cache_dir=cache_dir, report=False)
    count = len(store) if max_train is None else min(max_train, len(store))
    transform = build_device_train_transform(crop_size, normalization)
    drop_last = count // ctx.world_size > batch_size  # the worker path's rule
    return DeviceSegBatches(store, transform, batch_size, ctx, seed=seed, count=count, drop_last=drop_last)
