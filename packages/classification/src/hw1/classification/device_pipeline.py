"""The ``--data-pipeline device`` input of classifier training: the training CSV's images decoded
once into core's image store, batches gathered by index onto the training device in the loop's own
sample order, augmented there (:mod:`hw1.classification.device_transforms`).

The augmentation of step k is drawn from ``(seed, epoch, k)`` for the global batch and each rank
applies its samples' rows, so N processes and a resumed run train like one uninterrupted process.
Used for fine-tuning from images; cached-feature probing (settings D/E) needs no image pipeline.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

from hw1.classification.config import FinetuneConfig
from hw1.classification.dataset import read_csv_rows
from hw1.classification.device_transforms import DeviceImageTransform, build_device_transform, open_csv_store
from hw1.core.device_batches import DeviceBatchSampler, resolve_data_pipeline, step_seed
from hw1.core.distributed import DistributedContext, main_process_first
from hw1.core.errors import Hw1DataError
from hw1.core.image_store import ImageStore, store_bytes


class DeviceClassBatches:
    """``epoch(order, epoch)``: ``(images, labels, indices)`` batches on the device for the CSV rows
    ``order`` (this rank's part of the loop's permutation)."""

    def __init__(
        self,
        store: ImageStore,
        labels: torch.Tensor,
        transform: DeviceImageTransform,
        batch_size: int,
        ctx: DistributedContext,
        *,
        seed: int,
    ) -> None:
        self.store, self.transform, self.seed = store, transform.to(ctx.device), int(seed)
        self.labels = labels.to(ctx.device)
        self.rank, self.world_size, self.device = ctx.rank, ctx.world_size, ctx.device
        self.sampler = DeviceBatchSampler(store, batch_size, ctx.device, seed=seed, fields=["image"])

    def epoch(self, order: Sequence[int], epoch: int) -> _Epoch:
        """The batches of ``order`` in ``epoch`` (an iterable with ``len``)."""
        return _Epoch(self, list(order), epoch)


class _Epoch:
    def __init__(self, batches: DeviceClassBatches, order: list[int], epoch: int) -> None:
        self.batches, self.order, self.epoch = batches, order, epoch

    def __len__(self) -> int:
        return -(-len(self.order) // self.batches.sampler.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        # Creating a DataLoader iterator takes one draw from the global generator (its workers' base
        # seed), eagerly, each time one is created; doing the same keeps
        # dropout masks equal to the worker path's.
        torch.empty((), dtype=torch.int64).random_()
        return self._batches()

    def _batches(self) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        b = self.batches
        size = b.sampler.batch_size
        for step, batch in enumerate(b.sampler.ordered(self.order)):
            index = torch.as_tensor(self.order[step * size : (step + 1) * size], dtype=torch.int64)
            images = b.transform(batch["image"], step_seed(b.seed, self.epoch, step), b.rank, b.world_size)
            yield images, b.labels[index.to(b.device)], index


def build_device_class_batches(config: FinetuneConfig, ctx: DistributedContext) -> DeviceClassBatches | None:
    """The device pipeline of ``hw1 cls train`` when ``config.data_pipeline`` resolves to ``device``
    (``auto``: the decoded training images must fit :func:`hw1.core.device_batches.memory_budget_bytes`),
    else None. Rank 0 builds (or checks) the store, then the other ranks open it. Every listed image
    must be readable (as for the worker path, which fails on the first bad one): otherwise
    :class:`Hw1DataError` names it."""
    size = config.image_size
    count = len(read_csv_rows(config.train_csv, labels=True)) if config.data_pipeline == "auto" else 0
    if resolve_data_pipeline(config.data_pipeline, store_bytes(count, (size, size)), ctx.device) != "device":
        return None

    store, labels = main_process_first(
        lambda report: open_csv_store(
            config.train_csv,
            config.train_images,
            size,
            cache_dir=config.cache_dir,
            num_classes=config.num_classes,
            report=report,
        )
    )
    if store.skipped:
        raise Hw1DataError(
            f"{store.skipped[0]} (listed in {config.train_csv}; {len(store.skipped)} unreadable in all); "
            "replace the file or remove its row"
        )
    transform = build_device_transform(size, config.augment)
    return DeviceClassBatches(store, labels, transform, config.batch_size, ctx, seed=config.seed)
