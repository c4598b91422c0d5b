"""Mixed precision: which dtype to autocast to, the autocast context, and the GradScaler.

``auto`` on a CPU with native bf16 (AVX512-BF16/AMX) is decided by measurement, not by the flag:
bf16 autocast is faster there for a ResNet-50 at 128 px or a U-Net at 256 px, but several times
slower for a ResNet-18 at 32 px (oneDNN's bf16 kernels pay per-op conversions that small tensors
never win back). So a loop passes a :class:`PrecisionProbe` and :func:`resolve_precision` keeps the
faster of the two for it.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from hw1.core.choices import PRECISION_CHOICES
from hw1.core.distributed import get_world_size
from hw1.core.errors import Hw1Error

#: Wall-clock budget of one probe (after one warm-up step per precision).
PROBE_BUDGET_S = 5.0
#: Timed steps this far apart decide at once (a bf16 ResNet-18 BYOL step at 32 px takes 5× an fp32 one).
PROBE_CLEAR_RATIO = 2.0
#: Timed steps per precision when the budget allows.
PROBE_REPEATS = 3
#: Runs with fewer training steps are not probed (fp32).
PROBE_MIN_RUN_STEPS = 50
#: bf16 must be this much faster (step time ratio) to be chosen: near-ties keep fp32.
PROBE_BF16_MARGIN = 0.95
#: The probe's choices, by (key, device type, intra-op threads): probed once per process.
_PROBED: dict[Hashable, str] = {}


@dataclass
class PrecisionProbe:
    """One representative training step for ``auto``: ``loss()`` runs ``model`` forward on a batch of
    the run's input size and returns a scalar to back-propagate. ``key`` names what was probed (e.g.
    the model class and input shape) so later runs in the process reuse the choice. The probe leaves
    no trace: parameters, buffers (BatchNorm statistics, queues), gradients and the torch RNG are
    restored afterwards."""

    model: torch.nn.Module
    loss: Callable[[], torch.Tensor]
    key: Hashable
    run_steps: int | None = None
    """Training steps of the whole run: a run shorter than :data:`PROBE_MIN_RUN_STEPS` stays in fp32
    (the probe costs about three steps; a smoke test would spend most of its time probing)."""


def resolve_precision(
    precision: str, device: torch.device, *, probe: PrecisionProbe | None = None, resumed: str | None = None
) -> str:
    """Turn a requested precision into the one that will run on ``device``.

    ``auto``: on CUDA bf16 where supported (Ampere+), else fp16. On a CPU with native bf16
    (AVX512-BF16 or AMX) the faster of fp32 and bf16 for ``probe``'s model and input size, timed
    (see :func:`probe_precision`); without a probe, fp32 — never the several-times-slower choice
    bf16 is for small models. On other CPUs (bf16 emulated: 2–3× slower) and other devices, fp32.
    ``fp16`` is only honoured on CUDA (with a GradScaler); asking for it elsewhere is an error
    rather than a silent slow path. ``resumed``: the precision stored in the checkpoint a run resumes
    from; an ``auto`` run keeps it, so a resumed run computes as the uninterrupted one did.
    """
    p = precision.lower()
    if p not in PRECISION_CHOICES:
        raise Hw1Error(f"unknown precision {precision!r}: use one of {', '.join(PRECISION_CHOICES)}")
    if p == "auto" and resumed:
        return str(resumed)
    if p == "auto":
        if device.type == "cpu":
            short = probe is None or (probe.run_steps is not None and probe.run_steps < PROBE_MIN_RUN_STEPS)
            return "fp32" if short or not cpu_has_native_bf16() else probe_precision(probe, device)
        if device.type == "cuda":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return "fp32"
    if p == "fp16" and device.type != "cuda":
        raise Hw1Error(f"precision fp16 needs a CUDA device (got {device.type}): use bf16 or fp32")
    if p == "bf16" and device.type == "mps":
        raise Hw1Error("precision bf16 is not supported on mps: use fp32")
    return p


def probe_precision(probe: PrecisionProbe, device: torch.device) -> str:
    """``"bf16"`` when a bf16-autocast training step of ``probe`` is faster than an fp32 one on
    ``device``, else ``"fp32"``: one untimed fp32 warm-up step, then up to :data:`PROBE_REPEATS` rounds
    of one timed step each (stopping early when one is :data:`PROBE_CLEAR_RATIO` times the other or
    after :data:`PROBE_BUDGET_S`); the fastest step of each decides, bf16 only when :data:`PROBE_BF16_MARGIN` times
    faster. Steps are timed in process CPU time: on a shared machine wall time mostly measures the
    neighbours. Cached per ``(probe.key, device type, threads)`` for the process."""
    cache_key = (probe.key, device.type, torch.get_num_threads())
    if cache_key in _PROBED:
        return _PROBED[cache_key]
    model = probe.model
    saved = {k: v.detach().clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    best = {"fp32": float("inf"), "bf16": float("inf")}

    def step(choice: str) -> float:
        start = time.process_time()
        with autocast(device, choice):
            loss = probe.loss()
        loss.float().backward()
        for p in model.parameters():
            p.grad = None
        return time.process_time() - start

    try:
        # Untimed: the model's first step allocates memory and creates kernels. bf16's first timed
        # step still pays for its own kernels, which errs towards fp32, the choice that is never far off.
        step("fp32")
        started = time.perf_counter()
        for _ in range(PROBE_REPEATS):
            for choice in best:
                best[choice] = min(best[choice], step(choice))
            clear = max(best.values()) > PROBE_CLEAR_RATIO * min(best.values())
            if clear or time.perf_counter() - started > PROBE_BUDGET_S:
                break
    finally:
        model.load_state_dict(saved)
        torch.set_rng_state(rng)
        for p in model.parameters():
            p.grad = None
    _PROBED[cache_key] = _rank_zero_choice("bf16" if best["bf16"] < PROBE_BF16_MARGIN * best["fp32"] else "fp32")
    return _PROBED[cache_key]


def _rank_zero_choice(choice: str) -> str:
    """Under DDP every rank probes on its own; all must run rank 0's choice."""
    import torch.distributed as dist

    if get_world_size() == 1:
        return choice
    flag = torch.tensor([1 if choice == "bf16" else 0])
    dist.broadcast(flag, 0)
    return "bf16" if int(flag) else "fp32"


@functools.lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """Whether this CPU has bf16 arithmetic in hardware (x86 AVX512-BF16/AMX-BF16, read from
    /proc/cpuinfo on Linux; Apple silicon and other platforms, which have no such file: assumed not)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="ignore")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager[Any]:
    """Autocast context for a resolved precision; a no-op for fp32."""
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    return contextlib.nullcontext() if dtype is None else torch.autocast(device_type=device.type, dtype=dtype)


def make_grad_scaler(device: torch.device, precision: str) -> torch.amp.GradScaler:
    """A GradScaler that is enabled only for fp16 on CUDA (bf16 needs none)."""
    return torch.amp.GradScaler(device.type, enabled=(precision == "fp16" and device.type == "cuda"))
