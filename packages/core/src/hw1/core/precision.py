"""Mixed precision: which dtype to autocast to, the autocast context, and the GradScaler."""

from __future__ import annotations

import contextlib
import functools
import platform
from collections.abc import Iterator
from pathlib import Path

import torch

from hw1.core.errors import Hw1Error

PRECISION_CHOICES = ("auto", "fp32", "bf16", "fp16")


def resolve_precision(precision: str, device: torch.device) -> str:
    """Turn a requested precision into the one that will run on ``device``.

    ``auto`` means bf16 where the hardware computes it natively (Ampere+ CUDA; CPUs with
    AVX512-BF16 or AMX), fp16 on older CUDA, else fp32 — on a CPU without native bf16, oneDNN
    emulates it and autocast makes training 2–3× *slower*, so auto stays in fp32 there. ``fp16`` is only honoured on CUDA (with a GradScaler); asking for it elsewhere is an
    error rather than a silent slow path.
    """
    p = precision.lower()
    if p not in PRECISION_CHOICES:
        raise Hw1Error(f"unknown precision {precision!r}: use one of {', '.join(PRECISION_CHOICES)}")
    if p == "auto":
        if device.type == "cpu":
            return "bf16" if cpu_has_native_bf16() else "fp32"
        if device.type == "cuda":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return "fp32"
    if p == "fp16" and device.type != "cuda":
        raise Hw1Error(f"precision fp16 needs a CUDA device (got {device.type}): use bf16 or fp32")
    if p == "bf16" and device.type == "mps":
        raise Hw1Error("precision bf16 is not supported on mps: use fp32")
    return p


@functools.lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """Whether this CPU has bf16 arithmetic in hardware (x86 AVX512-BF16/AMX-BF16, read from
    /proc/cpuinfo on Linux; Apple silicon and other platforms: assumed not)."""
    if platform.system() != "Linux":
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="ignore")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def autocast_dtype(precision: str) -> torch.dtype | None:
    """The autocast dtype of a resolved precision, or ``None`` for fp32."""
    return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)


@contextlib.contextmanager
def autocast(device: torch.device, precision: str) -> Iterator[None]:
    """Autocast context for a resolved precision; a no-op for fp32."""
    dtype = autocast_dtype(precision)
    if dtype is None:
        yield
        return
    with torch.autocast(device_type=device.type, dtype=dtype):
        yield


def make_grad_scaler(device: torch.device, precision: str) -> torch.amp.GradScaler:
    """A GradScaler that is enabled only for fp16 on CUDA (bf16 needs none)."""
    return torch.amp.GradScaler(device.type, enabled=(precision == "fp16" and device.type == "cuda"))
