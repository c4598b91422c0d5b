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
from harness import Figure, best_time
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


def _epoch_vs_step(folder: Path, cache: Path, quick: bool) -> dict[str, float]:
    """The pretrain epoch rate (best epoch after the first), the bare step rate on pre-made views,
    a plain PyTorch loop's epoch rate (store gather + the same kornia views + the step + one
    checkpoint per epoch, nothing else) and where the epoch's time goes."""
    from hw1.core import save_checkpoint
    from hw1.ssl import PretrainConfig, pretrain

    batch, size, epochs = 64, 32, (2 if quick else 3)
    backbone = "resnet18"
    with tempfile.TemporaryDirectory() as out:
        cfg = PretrainConfig(
            images=str(folder),
            out_dir=str(Path(out) / "run"),
            backbone=backbone,
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
        t0 = time.perf_counter()
        pretrain(cfg)
        total = time.perf_counter() - t0
        rows = [json.loads(line) for line in (Path(out) / "run" / "metrics.jsonl").read_text().splitlines()]
        train = [r for r in rows if r.get("split") == "train"]
        epoch_rate = max(r["images_per_second"] for r in train[1:] or train)  # the first epoch warms up
        outside = total - sum(r["epoch_seconds"] for r in train)  # start-up, checkpoint snapshots, last write

        step, state = _plain_step(backbone, batch, size)
        v0 = torch.rand(batch, 3, size, size).contiguous(memory_format=torch.channels_last)
        v1 = torch.rand(batch, 3, size, size).contiguous(memory_format=torch.channels_last)
        step(v0, v1)
        steps = train[0]["step"]
        seconds, _ = best_time(lambda: [step(v0, v1) for _ in range(min(8, steps))], repeats=2)
        step_rate = min(8, steps) * batch / seconds

        store = open_folder_store(folder, size, cache_dir=cache, report=False)
        sampler = DeviceBatchSampler(store, batch, "cpu", seed=0, resident=False)
        aug = build_device_two_view_augmentation("byol", size)

        def to_views(images: torch.Tensor, k: int) -> list[torch.Tensor]:
            return [v.contiguous(memory_format=torch.channels_last) for v in aug(images, k)]

        def plain_epoch() -> None:
            for k, b in enumerate(sampler.epoch(k_epoch[0])):
                step(*to_views(b["image"], k))
            save_checkpoint({name: obj.state_dict() for name, obj in state.items()}, Path(out) / "plain.pt")
            k_epoch[0] += 1

        k_epoch = [0]
        plain_seconds, _ = best_time(plain_epoch, repeats=2)
        plain_rate = steps * batch / plain_seconds
        images = next(iter(sampler.epoch(0)))["image"]
        aug_seconds, _ = best_time(lambda: to_views(images, 1), repeats=3, warmup=1)
        payload = {name: obj.state_dict() for name, obj in state.items()}
        save_seconds, _ = best_time(lambda: save_checkpoint(payload, Path(out) / "plain.pt"), repeats=1)
    return {
        "batch": batch,
        "size": size,
        "epoch_rate": epoch_rate,
        "step_rate": step_rate,
        "plain_rate": plain_rate,
        "steps": steps,
        "aug_ms": aug_seconds * 1000,
        "save_s": save_seconds,
        "outside_s": outside,
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
    return [
        Figure(
            name=f"host CPU per training image, device pipeline vs workers (BYOL {size}px, batch {batch})",
            unit="ms",
            value=gather * ms,
            baseline=workers * ms,
            higher_is_better=False,
            goal=10.0,
            baseline_name="2 DataLoader workers: decode + lightly two views",
            notes=f"device path: store gather {gather * ms:.3f} ms/img (augmentation on the training device); "
            f"one-time store build {build * ms:.2f} ms/img",
        ),
        Figure(
            name=f"CPU per image incl. kornia augmentation when the training device is this CPU ({size}px)",
            unit="ms",
            value=with_aug * ms,
            baseline=workers * ms,
            higher_is_better=False,
            goal=None,
            baseline_name="2 DataLoader workers: decode + lightly two views",
            notes=f"{os.cpu_count()} CPUs; on a GPU this work leaves the host",
        ),
        Figure(
            name=f"pretrain epoch rate vs bare step, resnet18 BYOL {e['size']}px batch {e['batch']} "
            "(device pipeline, CPU, fp32)",
            unit="img/s",
            value=e["epoch_rate"],
            baseline=e["step_rate"],
            goal=0.9,
            baseline_name="the same step on pre-made views",
            notes=f"epoch {e['epoch_rate']:.1f} img/s (best of epochs 2-{e['epochs']}, {e['steps']} steps each) vs "
            f"step {e['step_rate']:.1f} img/s; per step on this CPU the two kornia views take {e['aug_ms']:.0f} ms "
            f"and each epoch's checkpoint ({e['save_s']:.2f} s to write) runs beside the next epoch; start-up "
            f"and between-epoch work, outside the epoch rate: {e['outside_s']:.1f} s",
        ),
        Figure(
            name=f"pretrain epoch rate vs a plain PyTorch loop, resnet18 BYOL {e['size']}px batch {e['batch']} (CPU)",
            unit="img/s",
            value=e["epoch_rate"],
            baseline=e["plain_rate"],
            goal=None,
            baseline_name="store gather + the same kornia views + step, one checkpoint per epoch",
            notes=f"epoch {e['epoch_rate']:.1f} img/s vs plain {e['plain_rate']:.1f} img/s: what the loop "
            "adds (LossMeter, progress bar, LR schedule, EMA momentum, feature spread)",
        ),
    ]
