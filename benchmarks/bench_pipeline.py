"""Issue 14 figures: what feeding a training step costs the host, device pipeline vs worker pipeline.

1. Host CPU time per training image (main process + DataLoader workers, ``resource.getrusage``
   of the process and of its finished children): the worker path (decode + lightly's two PIL views
   in 2 workers) against the device path (indices -> uint8 batch gathered from the decoded-image
   store; the augmentation runs on the training device). On a CPU-only machine the training device
   is the host itself, so the kornia augmentation's CPU time is also reported, as a second figure.
2. End-to-end ``pretrain`` epoch rate (device pipeline, the default) against the bare step rate of
   the same method, model and batch on pre-made views, on this CPU.
"""

from __future__ import annotations

import json
import os
import resource
import tempfile
from pathlib import Path

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


def _epoch_vs_step(folder: Path, cache: Path, quick: bool) -> tuple[float, float, dict]:
    from hw1.core.backbone import create_backbone
    from hw1.ssl import PretrainConfig, pretrain
    from hw1.ssl.methods import create_method

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
        pretrain(cfg)
        rows = [json.loads(line) for line in (Path(out) / "run" / "metrics.jsonl").read_text().splitlines()]
    train = [r for r in rows if r.get("split") == "train"]
    epoch_rate = max(r["images_per_second"] for r in train[1:] or train)  # the first epoch warms up

    torch.manual_seed(0)
    method = create_method("byol", create_backbone(backbone)).to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW([p for p in method.parameters() if p.requires_grad], lr=1e-3)
    v0 = torch.rand(batch, 3, size, size).contiguous(memory_format=torch.channels_last)
    v1 = torch.rand(batch, 3, size, size).contiguous(memory_format=torch.channels_last)

    def step() -> None:
        loss = method(v0, v1).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        method.update_target(0.99)

    step()
    steps = min(8, train[0]["step"])
    seconds, _ = best_time(lambda: [step() for _ in range(steps)], repeats=2)
    step_rate = steps * batch / seconds
    aug = build_device_two_view_augmentation("byol", size)
    images = torch.rand(batch, 3, size, size)
    aug_seconds, _ = best_time(lambda: aug(images, 1), repeats=3, warmup=1)
    return epoch_rate, step_rate, {"batch": batch, "size": size, "backbone": backbone, "aug_ms": aug_seconds * 1000}


def run(quick: bool) -> list[Figure]:
    n, size, batch = (256, 64, 64) if quick else (1024, 64, 64)
    with tempfile.TemporaryDirectory() as tmp:
        folder, cache = Path(tmp) / "imgs", Path(tmp) / "cache"
        folder.mkdir()
        _images(folder, n)
        workers = _worker_cpu_per_image(folder, size, batch)
        gather, with_aug, build = _device_cpu_per_image(folder, size, batch, cache)
        epoch_rate, step_rate, setup = _epoch_vs_step(folder, cache, quick)
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
            name=f"pretrain epoch rate vs bare step, {setup['backbone']} BYOL {setup['size']}px batch "
            f"{setup['batch']} (device pipeline, CPU, fp32)",
            unit="img/s",
            value=epoch_rate,
            baseline=step_rate,
            goal=0.9,
            baseline_name="the same step on pre-made views",
            notes=f"epoch {epoch_rate:.1f} img/s (best epoch after the first) vs step {step_rate:.1f} img/s "
            f"(best of 2); two kornia views of a batch take {setup['aug_ms']:.0f} ms on this CPU",
        ),
    ]
