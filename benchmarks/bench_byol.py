"""Figure 3: BYOL pre-training step throughput, ResNet-50 at 128 px, same batch — hw1-ssl's BYOL
(lightly heads, channels_last, precision auto) against byol-pytorch's ``BYOL`` learner at its
defaults (which augments the batch inside its forward); and the data loader's rate against the
step rate (loading must never be the bottleneck)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from harness import Figure, best_time, versus
from PIL import Image
from torch.utils.data import DataLoader

from hw1.core import autocast, create_backbone, resolve_precision
from hw1.ssl.augmentations import build_two_view_transform
from hw1.ssl.dataset import UnlabeledImageFolder
from hw1.ssl.methods import create_method


def _ours_rate(batch: int, size: int, steps: int) -> float:
    device = torch.device("cpu")
    precision = resolve_precision("auto", device)
    method = create_method("byol", create_backbone("resnet50")).to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW([p for p in method.parameters() if p.requires_grad], lr=1e-4)
    v0 = torch.randn(batch, 3, size, size).contiguous(memory_format=torch.channels_last)
    v1 = torch.randn(batch, 3, size, size).contiguous(memory_format=torch.channels_last)

    def step() -> None:
        with autocast(device, precision):
            loss = method(v0, v1).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        method.update_target(0.99)

    step()
    t, _ = best_time(lambda: [step() for _ in range(steps)], 1)
    return steps * batch / t


def _byol_pytorch_rate(batch: int, size: int, steps: int) -> float:
    import torchvision
    from byol_pytorch import BYOL

    learner = BYOL(torchvision.models.resnet50(weights=None), image_size=size, hidden_layer="avgpool")
    opt = torch.optim.Adam(learner.parameters(), lr=3e-4)
    images = torch.rand(batch, 3, size, size)

    def step() -> None:
        loss = learner(images)
        opt.zero_grad()
        loss.backward()
        opt.step()
        learner.update_moving_average()

    step()
    t, _ = best_time(lambda: [step() for _ in range(steps)], 1)
    return steps * batch / t


def _loader_rate(n: int, batch: int, size: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        rng = np.random.default_rng(0)
        for i in range(n):
            Image.fromarray(rng.integers(0, 255, (84, 84, 3), dtype=np.uint8)).save(Path(tmp) / f"{i:05d}.jpg")
        ds = UnlabeledImageFolder(tmp, build_two_view_transform("byol", size), verify=False, report=False)
        loader = DataLoader(ds, batch_size=batch, num_workers=2, drop_last=True)
        t0 = time.perf_counter()
        seen = sum(len(views[0]) for views in loader)
        return seen / (time.perf_counter() - t0)


#: ``--study-sizes``: the study's 128 px with the largest batch whose two timed steps (ours and
#: byol-pytorch's, ~15 s each at 4 img/s) fit this 2-core CPU; the study's batch 256 is a GPU's.
STUDY_BATCH = 64


def run(quick: bool, study: bool = False) -> list[Figure]:
    batch, size, steps = (8, 128, 1) if quick else (32, 128, 4)
    if study:
        batch, steps = STUDY_BATCH, 2
    ours = _ours_rate(batch, size, steps)
    theirs = _byol_pytorch_rate(batch, size, steps)
    loader = _loader_rate(batch * (8 if quick else 20), batch, size)
    return [
        versus(
            f"BYOL step, ResNet-50 {size}px batch {batch}",
            ours,
            theirs,
            "byol-pytorch BYOL learner (defaults)",
            unit="img/s",
            goal=1.5,
            note=f"precision auto = {resolve_precision('auto', torch.device('cpu'))}",
        ),
        versus(
            "BYOL data loader vs training step (2 workers)",
            loader,
            ours,
            "our training step rate",
            unit="img/s",
            goal=2.0,
            note="loader: two views per image",
        ),
    ]
