"""Batches drawn by index from an :class:`~hw1.core.image_store.ImageStore` straight onto the device.

The order of an epoch is the one a ``DistributedSampler(shuffle=True, drop_last=True, seed=seed)``
plus a ``DataLoader(drop_last=True)`` gives: one permutation seeded by ``seed + epoch``, trimmed to
a multiple of the number of processes and sharded by rank, cut into whole batches. So the device
pipeline sees the same images in the same batches as the worker pipeline, and its state is a
function of ``(seed, epoch, step)`` alone: a resumed run continues exactly.

When the store fits the memory budget it is kept resident on the device (one uint8 copy; a batch
is an ``index_select`` there, no host work at all); otherwise each batch is gathered from the
memory-mapped store into pinned host memory by a background thread and copied ``non_blocking``.
Pixels stay uint8 until they are on the device, where images become float in [0, 1], NCHW.

:func:`resolve_data_pipeline` is the ``--data-pipeline auto|device|workers`` rule.
"""

from __future__ import annotations

import os
import queue
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
import torch

from hw1.core.errors import Hw1Error
from hw1.core.image_store import ImageStore

T = TypeVar("T")

#: Values of ``--data-pipeline``.
DATA_PIPELINES = ("auto", "device", "workers")

GIB = 1024**3


def memory_budget_bytes(device: torch.device) -> int:
    """The memory the ``auto`` rule lets a decoded store take: on CUDA 25% of the device's free
    memory; elsewhere min(8 GiB, 25% of the host's RAM)."""
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free * 0.25)
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        ram = 16 * GIB
    return int(min(8 * GIB, ram * 0.25))


def resolve_data_pipeline(requested: str, store_nbytes: int, device: torch.device) -> str:
    """``device`` or ``workers`` for ``--data-pipeline requested``: ``auto`` picks ``device`` when a
    store of ``store_nbytes`` fits :func:`memory_budget_bytes`, else ``workers``."""
    if requested not in DATA_PIPELINES:
        raise Hw1Error(f"unknown data pipeline {requested!r}: use one of {', '.join(DATA_PIPELINES)}")
    if requested != "auto":
        return requested
    return "device" if store_nbytes <= memory_budget_bytes(device) else "workers"


def epoch_batches(
    count: int, batch_size: int, *, seed: int, epoch: int, rank: int = 0, world_size: int = 1, drop_last: bool = True
) -> list[torch.Tensor]:
    """The item indices of each batch of one process in one epoch, in the order of
    ``DistributedSampler(shuffle=True, drop_last=True, seed=seed)`` + ``DataLoader(drop_last=drop_last)``."""
    g = torch.Generator()
    g.manual_seed(seed + epoch)
    order = torch.randperm(count, generator=g)
    total = (count // world_size) * world_size
    mine = order[:total][rank:total:world_size]
    batches = list(mine.split(batch_size))
    if drop_last and batches and len(batches[-1]) < batch_size:
        batches.pop()
    return batches


class DeviceBatchSampler:
    """Iterate an epoch of ``{field: tensor}`` batches from ``store`` on ``device``.

    Image fields (3 channels) come as float ``(B, 3, H, W)`` in [0, 1]; single-channel fields
    (masks of class indices) as int64 ``(B, H, W)``. ``resident=None`` keeps the store on the
    device when it fits :func:`memory_budget_bytes`. ``count`` uses only the first ``count`` items;
    ``drop_last=False`` keeps a last, smaller batch.
    """

    def __init__(
        self,
        store: ImageStore,
        batch_size: int,
        device: torch.device | str,
        *,
        seed: int,
        rank: int = 0,
        world_size: int = 1,
        fields: Sequence[str] | None = None,
        resident: bool | None = None,
        count: int | None = None,
        drop_last: bool = True,
    ) -> None:
        self.store = store
        self.batch_size = int(batch_size)
        self.device = torch.device(device)
        self.seed, self.rank, self.world_size = int(seed), int(rank), int(world_size)
        self.fields = list(fields) if fields is not None else list(store.arrays)
        self.count = len(store) if count is None else min(int(count), len(store))
        self.drop_last = bool(drop_last)
        self.resident = bool(store.nbytes <= memory_budget_bytes(self.device) if resident is None else resident)
        self._on_device: dict[str, torch.Tensor] = {}  # on CPU, .to() returns the memmap's tensor itself (no copy)
        with warnings.catch_warnings():  # the read-only memmap is never written through
            warnings.simplefilter("ignore", UserWarning)
            for name in self.fields if self.resident else ():
                self._on_device[name] = torch.from_numpy(np.asarray(store.arrays[name])).to(self.device)

    @property
    def steps_per_epoch(self) -> int:
        """Whole batches per epoch for this process."""
        per_rank = self.count // self.world_size
        return per_rank // self.batch_size if self.drop_last else -(-per_rank // self.batch_size)

    def epoch(self, epoch: int, start_step: int = 0) -> Iterator[dict[str, torch.Tensor]]:
        """The batches of ``epoch`` from step ``start_step`` on (a pure function of seed, epoch, step)."""
        batches = epoch_batches(
            self.count,
            self.batch_size,
            seed=self.seed,
            epoch=epoch,
            rank=self.rank,
            world_size=self.world_size,
            drop_last=self.drop_last,
        )[start_step:]
        yield from self._iterate(batches)

    def ordered(self, indices: Sequence[int]) -> Iterator[dict[str, torch.Tensor]]:
        """Batches of ``batch_size`` (the last may be smaller) of the items ``indices``, in that order:
        for loops that draw their own sample order."""
        yield from self._iterate(list(torch.as_tensor(list(indices), dtype=torch.int64).split(self.batch_size)))

    def _iterate(self, batches: list[torch.Tensor]) -> Iterator[dict[str, torch.Tensor]]:
        if self.resident:
            for idx in batches:
                idx = idx.to(self.device)
                yield {name: self._finish(arr.index_select(0, idx)) for name, arr in self._on_device.items()}
            return
        yield from self._streamed(batches)

    def _streamed(self, batches: list[torch.Tensor]) -> Iterator[dict[str, torch.Tensor]]:
        """Gather each batch in a background thread (pinned memory on CUDA) one batch ahead."""
        pin = self.device.type == "cuda"
        ready: queue.Queue[dict[str, torch.Tensor] | BaseException | None] = queue.Queue(maxsize=2)
        stop = threading.Event()

        def gather() -> None:
            try:
                for idx in (b.numpy() for b in batches):
                    if stop.is_set():
                        return
                    host = {}
                    for name in self.fields:
                        arr = self.store.arrays[name]
                        buf = torch.empty((len(idx), *arr.shape[1:]), dtype=torch.uint8, pin_memory=pin)
                        np.take(arr, idx, axis=0, out=buf.numpy())
                        host[name] = buf
                    ready.put(host)
                ready.put(None)
            except BaseException as exc:  # handed to the consumer, raised there
                ready.put(exc)

        thread = threading.Thread(target=gather, name="hw1-device-batches", daemon=True)
        thread.start()
        try:
            while (item := ready.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield {name: self._finish(buf.to(self.device, non_blocking=pin)) for name, buf in item.items()}
        finally:
            stop.set()
            while thread.is_alive():
                try:
                    ready.get(timeout=0.05)
                except queue.Empty:
                    pass
            thread.join()

    @staticmethod
    def _finish(batch: torch.Tensor) -> torch.Tensor:
        if batch.dim() == 4:  # NHWC uint8 image -> NCHW float in [0, 1], rounded as torchvision's ToDtype does
            return batch.permute(0, 3, 1, 2).float().mul_(1.0 / 255)
        return batch.long()


def step_seed(seed: int, epoch: int, step: int) -> int:
    """The seed of the augmentation draws of one global batch: a function of (seed, epoch, step)
    only, the same on every rank, so N processes augment exactly like one (and a resumed run like
    an uninterrupted one)."""
    return (seed * 1_000_003 + epoch * 7919 + step * 104_729 + 15_485_863) % 2**31


def seeded_draw(draw: Callable[[], T], seed: int) -> T:
    """``draw()`` under CPU torch RNG seeded with ``seed``, leaving the global RNG stream untouched."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return draw()


def apply_seeded(steps: Sequence[Any], images: torch.Tensor, seed: int, rank: int, world_size: int) -> torch.Tensor:
    """``images`` (this rank's part of a global batch) through ``steps`` in order, the random steps
    (kornia augmentations: those with ``forward_parameters``) with parameters drawn from ``seed`` for
    the whole global batch of ``world_size`` processes, of which this ``rank`` applies its rows
    (:func:`shard_parameters`): N processes then augment every image exactly as one process does. A
    step with a ``size`` flag (a crop) gives the steps after it inputs of that size."""
    n = images.shape[0] * world_size
    shape, random = torch.Size([n, *images.shape[1:]]), []  # the random steps with their input shapes
    for step in steps:
        if hasattr(step, "forward_parameters"):
            random.append((step, shape))
        if (size := getattr(step, "flags", {}).get("size")) is not None:
            shape = torch.Size([*shape[:2], *size])
    params = iter(seeded_draw(lambda: [m.forward_parameters(sh) for m, sh in random], seed))
    for step in steps:
        if hasattr(step, "forward_parameters"):
            images = step(images, params=shard_parameters(next(params), n, rank, world_size))
        else:
            images = step(images)
    return images


#: Per-batch (not per-sample) entries of kornia parameter dicts, never sharded.
_UNSHARDED = ("forward_input_shape", "order")


def shard_parameters(params: Any, global_batch: int, rank: int, world_size: int) -> Any:
    """This rank's part of augmentation parameters drawn for the whole global batch: per-sample
    tensors (first dimension ``global_batch``) keep rows ``rank::world_size`` — the positions of
    this rank's samples in the global batch (see :func:`epoch_batches`); a ``forward_input_shape``
    gets the local batch size. Dicts, lists and ``(name, data)`` named tuples (kornia's
    ``ParamItem``) are walked."""
    if world_size == 1:
        return params
    if isinstance(params, torch.Tensor):
        return params[rank::world_size] if params.dim() and params.shape[0] == global_batch else params
    if isinstance(params, dict):
        out = {
            k: (v if k in _UNSHARDED else shard_parameters(v, global_batch, rank, world_size))
            for k, v in params.items()
        }
        shape = out.get("forward_input_shape")
        if isinstance(shape, torch.Tensor) and shape.dim() == 1 and len(shape) and int(shape[0]) == global_batch:
            out["forward_input_shape"] = torch.cat([shape[:1] // world_size, shape[1:]])
        return out
    if isinstance(params, list):
        return [shard_parameters(v, global_batch, rank, world_size) for v in params]
    if isinstance(params, tuple) and hasattr(params, "_replace") and hasattr(params, "data"):
        return params._replace(data=shard_parameters(params.data, global_batch, rank, world_size))
    return params
