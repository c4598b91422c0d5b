"""Figure 6: classification and segmentation training steps/s with the default fast path
(channels_last, ``--precision auto``) against plain fp32 eager with contiguous tensors, plus bf16
autocast for reference (``auto`` picks it only where the CPU has native bf16)."""

from __future__ import annotations

import torch
from harness import Figure, best_time
from torch import nn

from hw1.core import autocast, create_backbone, resolve_precision
from hw1.segmentation.models import create_model


def _step_time(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, precision: str, channels_last: bool, steps: int
) -> float:
    device = torch.device("cpu")
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)

    def step() -> None:
        with autocast(device, precision):
            out = model(x)
            loss = nn.functional.cross_entropy(out.float(), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    step()  # warm-up (oneDNN primitive creation)
    t, _ = best_time(lambda: [step() for _ in range(steps)], 1)
    return steps / t


def run(quick: bool) -> list[Figure]:
    steps = 1 if quick else 5
    batch = 8 if quick else 32
    auto = resolve_precision("auto", torch.device("cpu"))
    figures = []
    cases = {
        f"classification step, resnet50 128px batch {batch}": (
            lambda: nn.Sequential(create_backbone("resnet50"), nn.Linear(2048, 65)),
            torch.randn(batch, 3, 128, 128),
            torch.randint(0, 65, (batch,)),
        ),
        "segmentation step, smp Unet-resnet18 256px batch 4": (
            lambda: create_model("smp:Unet:resnet18", weights="none", num_classes=7),
            torch.randn(4, 3, 256, 256),
            torch.randint(0, 7, (4, 256, 256)),
        ),
    }
    for name, (make, x, y) in cases.items():
        torch.manual_seed(0)
        plain = _step_time(make(), x, y, "fp32", False, steps)
        fast = _step_time(make(), x, y, auto, True, steps)
        bf16 = _step_time(make(), x, y, "bf16", True, steps)
        figures.append(
            Figure(
                name=name,
                unit="steps/s",
                value=fast,
                baseline=plain,
                baseline_name="fp32 eager, contiguous",
                notes=f"fast path = channels_last + precision auto ({auto}); "
                f"bf16 autocast: {bf16 / plain:.2f}x of plain",
            )
        )
    return figures
