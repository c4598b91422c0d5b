"""Issue 14 item 4: ``--precision auto`` is never slower. For each model of ``hw1 demo`` (profile
tiny) at its batch and input size, one training step is timed in fp32 and in bf16 autocast; the
figure is the step rate of what ``auto`` picks (hw1.core's timed probe, through the same
``PrecisionProbe`` the training loops build) against the faster of the two. Goal ≥ 0.95.

Steps are timed in process CPU time (all threads), as the probe does: on the shared 2-core machine
the suite runs on, wall time of a one-second step mostly measures other processes.

On a CPU without native bf16 (or on CUDA) ``auto`` does not probe; the figure then compares its
fixed choice with the faster one all the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
from harness import Figure, best_time
from torch import nn

from hw1.core import autocast, create_backbone
from hw1.core.precision import PrecisionProbe, cpu_has_native_bf16, resolve_precision

CPU = torch.device("cpu")


def _cases(
    quick: bool,
) -> dict[str, tuple[Callable[[], nn.Module], Callable[[nn.Module, torch.Tensor], torch.Tensor], tuple[int, ...]]]:
    """name: (build the model, its training loss on a batch, batch shape) — the tiny profile's runs."""
    from hw1.segmentation.models import create_model
    from hw1.ssl.methods import create_method

    def byol() -> nn.Module:
        return create_method("byol", create_backbone("resnet18"))

    def classifier() -> nn.Module:
        from hw1.classification import build_classifier

        return build_classifier(create_backbone("resnet18"), 65, head="mlp", hidden=512, dropout=0.3)

    def fcn() -> nn.Module:
        return create_model(
            "fcn32s", weights="none", num_classes=7, width=0.125, fc_channels=128, batch_norm=True, dropout=0.1
        )

    def unet() -> nn.Module:
        return create_model(
            "smp:Unet:resnet18", weights="none", num_classes=7, encoder_depth=3, decoder_channels=[32, 16, 16]
        )

    def two_views(m: nn.Module, x: torch.Tensor) -> torch.Tensor:
        return m(x, x.flip(-1)).loss

    def logits(m: nn.Module, x: torch.Tensor) -> torch.Tensor:
        return m(x).float().logsumexp(1).mean()

    scale = 2 if quick else 1
    return {
        "ssl BYOL resnet18": (byol, two_views, (64 // scale, 3, 64, 64)),
        "cls resnet18 + mlp head": (classifier, logits, (64 // scale, 3, 64, 64)),
        "seg A fcn32s (width 1/8)": (fcn, logits, (4, 3, 192, 192)),
        "seg B smp Unet-resnet18": (unet, logits, (8 // scale, 3, 96, 96)),
    }


def _rate(
    model: nn.Module,
    loss_of: Callable[[nn.Module, torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    precision: str,
    steps: int,
) -> float:
    """Training steps per CPU second (forward, backward, SGD step): the best of ``steps`` after a warm-up."""
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)

    def step() -> None:
        with autocast(CPU, precision):
            loss = loss_of(model, x)
        opt.zero_grad(set_to_none=True)
        loss.float().backward()
        opt.step()

    best, _ = best_time(step, steps, warmup=1, clock=time.process_time)
    return 1.0 / best


def run(quick: bool) -> list[Figure]:
    steps = 1 if quick else 3
    figures = []
    for name, (make, loss_of, shape) in _cases(quick).items():
        torch.manual_seed(0)
        model = make().to(memory_format=torch.channels_last)
        x = torch.rand(shape).contiguous(memory_format=torch.channels_last)
        probe = PrecisionProbe(model=model, loss=lambda m=model, f=loss_of, x=x: f(m, x), key=("bench", name, shape))
        t0 = time.perf_counter()
        auto = resolve_precision("auto", CPU, probe=probe)
        probe_s = time.perf_counter() - t0
        rates = {p: _rate(model, loss_of, x, p, steps) for p in ("fp32", "bf16")}
        faster = max(rates, key=rates.__getitem__)
        figures.append(
            Figure(
                name=f"precision auto, {name} {'x'.join(map(str, shape))}",
                unit="steps/CPU-s",
                value=rates[auto],
                baseline=rates[faster],
                baseline_name=f"faster of fp32/bf16: {faster}",
                goal=0.95,
                notes=f"auto picked {auto} (probe {probe_s:.1f} s, native bf16: {cpu_has_native_bf16()}); "
                f"fp32 {rates['fp32']:.3g}, bf16 {rates['bf16']:.3g} steps/CPU-s",
            )
        )
    return figures


if __name__ == "__main__":
    for figure in run(quick=True):
        print(f"{figure.name}: {figure.ratio:.2f}x — {figure.notes}")
