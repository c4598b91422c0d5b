"""The ``--data-pipeline device`` input of pre-training: images decoded once into core's image store,
batches drawn by index onto the training device and augmented there (two views, kornia).

:func:`choose_pipeline` applies the ``auto`` rule (the store at ``image_size`` must fit
:func:`hw1.core.device_batches.memory_budget_bytes`); :class:`DeviceTwoViewBatches` yields
``(view0, view1)`` batches in the order the worker pipeline's DistributedSampler would.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import torch

from hw1.core.device_batches import DeviceBatchSampler, resolve_data_pipeline, step_seed
from hw1.core.distributed import DistributedContext
from hw1.core.errors import Hw1DataError
from hw1.core.image_store import ImageStore, store_bytes
from hw1.core.images import list_images
from hw1.ssl.device_augmentations import DeviceTwoViewAugmentation


def choose_pipeline(requested: str, images: str | os.PathLike[str], image_size: int, device: torch.device) -> str:
    """``device`` or ``workers`` for ``--data-pipeline requested`` on the folder ``images``: ``auto``
    takes ``device`` when the decoded folder (every image at ``image_size``², uint8 RGB) fits the budget."""
    if requested != "auto":
        return resolve_data_pipeline(requested, 0, device)
    try:
        count = len(list_images(images, recursive=True))
    except Hw1DataError:
        return "workers"  # the worker path reports the missing folder in its usual words
    return resolve_data_pipeline("auto", store_bytes(count, (image_size, image_size)), device)


class DeviceTwoViewBatches:
    """Per-epoch iterables of ``(view0, view1)`` on ``device``: batches from ``store`` (same order as
    the worker pipeline), augmented by ``augmentation`` with parameters drawn per global batch from
    ``(seed, epoch, step)``: N processes train exactly like one, and a resumed run like an
    uninterrupted one."""

    def __init__(
        self,
        store: ImageStore,
        augmentation: DeviceTwoViewAugmentation,
        batch_size: int,
        ctx: DistributedContext,
        *,
        seed: int,
    ) -> None:
        self.store, self.seed, self.rank, self.world_size = store, int(seed), ctx.rank, ctx.world_size
        self.augmentation = augmentation.to(ctx.device)
        self.sampler = DeviceBatchSampler(
            store, batch_size, ctx.device, seed=seed, rank=ctx.rank, world_size=ctx.world_size, fields=["image"]
        )

    def __len__(self) -> int:
        return self.sampler.steps_per_epoch

    def epoch(self, epoch: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """The augmented two-view batches of ``epoch``; the draws of step k are a function of
        (seed, epoch, k) and identical on every rank (each applies its samples' rows)."""
        for step, batch in enumerate(self.sampler.epoch(epoch)):
            yield self.augmentation(batch["image"], step_seed(self.seed, epoch, step), self.rank, self.world_size)
