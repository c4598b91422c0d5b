"""Issue 14 figures: what feeding a training step costs the host, device pipeline vs worker pipeline.

1. Host CPU time per training image (main process + DataLoader workers, ``resource.getrusage``
   of the process and of its finished children): the worker path (decode + lightly's two PIL views
   in 2 workers) against the device path (indices -> uint8 batch gathered from the decoded-image
   store; the augmentation runs on the training device). On a CPU-only machine the training device
   is the host itself, so the kornia augmentation's CPU time is also reported, as a second figure.
2. End-to-end ``pretrain`` epoch rate (device pipeline, the default) against the bare step rate of
   the same method, model and batch on pre-made views, on this CPU; the notes say what the epoch
   spends beyond the step (the kornia views and the per-epoch checkpoint, which on a CPU share the
   host with the step) and the start-up, which the epoch rate does not count.
3. The same epoch rate against a plain PyTorch loop that gathers, makes the same views, steps and
   writes one checkpoint per epoch: what the loop itself adds.
"""

from __future__ import annotations

import json
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from harness import Figure, best_time, versus
from PIL import Image
from torch.utils.data import DataLoader, RandomSampler

from hw1.core.device_batches import DeviceBatchSampler
from hw1.core.image_store import open_folder_store
from hw1.ssl.augmentations import build_two_view_transform
from hw1.ssl.dataset import UnlabeledImageFolder
from hw1.ssl.device_augmentations import build_device_two_view_augmentation


def _cpu_seconds() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _images(folder: Path, n: int, side: int = 84) -> None:
    rng = np.random.default_rng(0)
    for i in range(n):
        arr = rng.integers(0, 255, (side // 4, side // 4, 3), dtype=np.uint8).repeat(4, 0).repeat(4, 1)
        Image.fromarray(arr).save(folder / f"{i:05d}.jpg", quality=90)


def _worker_cpu_per_image(folder: Path, size: int, batch: int) -> float:
    ds = UnlabeledImageFolder(folder, build_two_view_transform("byol", size), verify=False, report=False)
    loader = DataLoader(ds, batch_size=batch, sampler=RandomSampler(ds), num_workers=2, drop_last=True)
    c0 = _cpu_seconds()
    seen = sum(len(views[0]) for views in loader)  # workers end (and are counted) when the epoch ends
    return (_cpu_seconds() - c0) / seen


def _device_cpu_per_image(folder: Path, size: int, batch: int, cache: Path) -> tuple[float, float, float]:
    """(gather-only CPU s/img, gather + augmentation CPU s/img, store build CPU s/img)."""
    c0 = _cpu_seconds()
    store = open_folder_store(folder, size, cache_dir=cache, report=False)
    build = (_cpu_seconds() - c0) / len(store)
    sampler = DeviceBatchSampler(store, batch, "cpu", seed=0, resident=False)
    c0 = _cpu_seconds()
    seen = sum(len(b["image"]) for b in sampler.epoch(0))
    gather = (_cpu_seconds() - c0) / seen
    aug = build_device_two_view_augmentation("byol", size)
    c0 = _cpu_seconds()
    seen = sum(len(aug(b["image"])[0]) for b in sampler.epoch(1))
    return gather, (_cpu_seconds() - c0) / seen, build


def _plain_step(backbone: str, batch: int, size: int) -> tuple[Any, Any]:
    """A BYOL model and optimizer with one step function (fp32, channels_last): the bare step."""
    from hw1.core.backbone import create_backbone
    from hw1.ssl.methods import create_method

    torch.manual_seed(0)
    method = create_method("byol", create_backbone(backbone)).to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW([p for p in method.parameters() if p.requires_grad], lr=1e-3)

    def step(v0: torch.Tensor, v1: torch.Tensor) -> None:
        loss = method(v0, v1).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        method.update_target(0.99)

    return step, {"method": method, "opt": opt}


def _pretrain_cpu(folder: Path, cache: Path, out: Path, epochs: int, batch: int, size: int) -> tuple[float, float]:
    """CPU seconds (all threads) and wall seconds of a whole ``pretrain`` run of ``epochs`` epochs."""
    from hw1.ssl import PretrainConfig, pretrain

    cfg = PretrainConfig(
        images=str(folder),
        out_dir=str(out),
        backbone="resnet18",
        epochs=epochs,
        batch_size=batch,
        image_size=size,
        precision="fp32",
        warmup_epochs=0,
        device="cpu",
        data_pipeline="device",
        cache_dir=str(cache),
        channels_last=True,
    )
    c0, t0 = time.process_time(), time.perf_counter()
    pretrain(cfg)
    return time.process_time() - c0, time.perf_counter() - t0


def _epoch_vs_step(folder: Path, cache: Path, quick: bool) -> dict[str, float]:
    """Images per CPU second of a ``pretrain`` epoch, of the bare step on pre-made views and of a
    plain PyTorch loop (store gather + the same kornia views + the step + one checkpoint per epoch,
    nothing else), and where the epoch's time goes.

    CPU time (``time.process_time``: every thread of the process, so the background checkpoint
    write counts) measures the work; wall time on the shared 2-core machine mostly measures the
    other jobs. A pretrain epoch's CPU time is the difference between a run of ``epochs`` epochs
    and a run of one (after an untimed one-epoch run), so start-up (store open and check, model
    build) cancels out."""
    from hw1.core import save_checkpoint

    batch, size, epochs = 64, 32, (2 if quick else 3)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        store = open_folder_store(folder, size, cache_dir=cache, report=False)  # built here, not in a run
        _pretrain_cpu(folder, cache, out / "warm", 1, batch, size)  # one-time costs (first backward, pools)
        all_cpu, _ = _pretrain_cpu(folder, cache, out / "all", epochs, batch, size)
        one_cpu, one_wall = _pretrain_cpu(folder, cache, out / "one", 1, batch, size)
        rows = [json.loads(line) for line in (out / "one" / "metrics.jsonl").read_text().splitlines()]
        train = [r for r in rows if r.get("split") == "train"]
        steps = train[0]["step"]
        epoch_cpu = (all_cpu - one_cpu) / (epochs - 1)
        startup_wall = one_wall - train[0]["epoch_seconds"]  # start-up and the last checkpoint write

        step, state = _plain_step("resnet18", batch, size)
        v0 = torch.rand(batch, 3, size, size).contiguous(memory_format=torch.channels_last)
        v1 = torch.rand(batch, 3, size, size).contiguous(memory_format=torch.channels_last)
        n = min(8, steps)
        step_cpu, _ = best_time(lambda: [step(v0, v1) for _ in range(n)], 2, warmup=1, clock=time.process_time)

        sampler = DeviceBatchSampler(store, batch, "cpu", seed=0, resident=False)
        aug = build_device_two_view_augmentation("byol", size)

        def to_views(images: torch.Tensor, k: int) -> list[torch.Tensor]:
            return [v.contiguous(memory_format=torch.channels_last) for v in aug(images, k)]

        def plain_epoch() -> None:
            for k, b in enumerate(sampler.epoch(0)):
                step(*to_views(b["image"], k))
            save_checkpoint({name: obj.state_dict() for name, obj in state.items()}, out / "plain.pt")

        plain_cpu, _ = best_time(plain_epoch, 2, clock=time.process_time)
        images = next(iter(sampler.epoch(0)))["image"]
        aug_cpu, _ = best_time(lambda: to_views(images, 1), 3, warmup=1, clock=time.process_time)
        payload = {name: obj.state_dict() for name, obj in state.items()}
        save_cpu, _ = best_time(lambda: save_checkpoint(payload, out / "plain.pt"), 1, clock=time.process_time)
    return {
        "batch": batch,
        "size": size,
        "epoch_rate": steps * batch / epoch_cpu,
        "step_rate": n * batch / step_cpu,
        "plain_rate": steps * batch / plain_cpu,
        "steps": steps,
        "aug_share": aug_cpu * steps / epoch_cpu,
        "save_share": save_cpu / epoch_cpu,
        "startup_s": startup_wall,
        "epochs": epochs,
    }


def run(quick: bool) -> list[Figure]:
    # full: 32 steps per epoch (the study's have 150): one checkpoint per epoch is not over-weighted
    n, size, batch = (256, 64, 64) if quick else (2048, 64, 64)
    with tempfile.TemporaryDirectory() as tmp:
        folder, cache = Path(tmp) / "imgs", Path(tmp) / "cache"
        folder.mkdir()
        _images(folder, n)
        workers = _worker_cpu_per_image(folder, size, batch)
        gather, with_aug, build = _device_cpu_per_image(folder, size, batch, cache)
        e = _epoch_vs_step(folder, cache, quick)
    ms = 1000.0
    workers_name = "2 DataLoader workers: decode + lightly two views"
    epoch_name = f"resnet18 BYOL {e['size']}px batch {e['batch']} (device pipeline, CPU, fp32)"
    return [
        versus(
            f"host CPU per training image, device pipeline vs workers (BYOL {size}px, batch {batch})",
            gather * ms,
            workers * ms,
            workers_name,
            unit="ms",
            goal=10.0,
            higher_is_better=False,
            note=f"device path: store gather (augmentation on the training device); one-time store build "
            f"{build * ms:.2f} ms/img",
        ),
        versus(
            f"CPU per image incl. kornia augmentation when the training device is this CPU ({size}px)",
            with_aug * ms,
            workers * ms,
            workers_name,
            unit="ms",
            goal=None,
            higher_is_better=False,
            note=f"{os.cpu_count()} CPUs; on a GPU this work leaves the host",
        ),
        versus(
            f"pretrain epoch rate vs bare step, {epoch_name}",
            e["epoch_rate"],
            e["step_rate"],
            "the same step on pre-made views",
            unit="img/CPU-s",
            goal=0.9,
            note=f"images per CPU second, epochs 2-{e['epochs']} of {e['steps']} steps; of the epoch's CPU time "
            f"the two kornia views take {e['aug_share']:.0%} and the checkpoint (written beside the next epoch) "
            f"{e['save_share']:.0%}; start-up and the last write, outside the epoch rate: {e['startup_s']:.1f} s wall",
        ),
        versus(
            f"pretrain epoch rate vs a plain PyTorch loop, {epoch_name}",
            e["epoch_rate"],
            e["plain_rate"],
            "store gather + the same kornia views + step, one checkpoint per epoch",
            unit="img/CPU-s",
            goal=None,
            note="what the loop adds: LossMeter, progress bar, LR schedule, EMA momentum, feature spread",
        ),
    ]
