"""Compact hand-in checkpoints: the weights of a trained model and nothing else (no optimizer,
scheduler or config), in half precision where that leaves the predictions unchanged within a stated
tolerance, checked on probe inputs before the file is written.

The package that knows the model (classification, segmentation) says which checkpoint entries to
keep and how to rebuild a model from the compact dict; the procedure, the check (predicted labels:
the argmax over dim 1) and the report are written once, here. A compact checkpoint loads like the
full one: its fp16 tensors are cast back to the model's fp32 by ``load_state_dict``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from hw1.core.checkpoint import save_checkpoint
from hw1.core.errors import Hw1CheckpointError

#: Largest finite float16 value; a tensor with larger magnitudes stays float32.
FLOAT16_MAX = 65504.0


@dataclass
class HandinReport:
    """What :func:`export_compact_checkpoint` wrote and how close its predictions are to the source's."""

    source: Path
    out_path: Path
    source_bytes: int
    size_bytes: int
    precision: str  # "fp16" (parameters in half precision) or "fp32"
    agreement: float  # fraction of probe predictions (pixels or images) equal to the full model's
    min_agreement: float
    max_abs_diff: float  # largest |output difference| on the probe inputs
    max_abs_output: float  # largest |output| of the full model on them (the scale of that difference)
    note: str = ""

    def summary(self) -> str:
        """One line for the CLI: size before/after, precision, the agreement and its tolerance."""
        line = (
            f"wrote {self.out_path} ({format_size(self.size_bytes)}, {self.precision} weights; "
            f"{self.source.name} was {format_size(self.source_bytes)}): predictions agree with it on "
            f"{100 * self.agreement:.2f}% of probe outputs (tolerance >= {100 * self.min_agreement:.2f}%), "
            f"largest output difference {self.max_abs_diff:.2g} "
            f"({100 * self.max_abs_diff / max(self.max_abs_output, 1e-12):.2g}% of the largest output)"
        )
        return f"{line}; {self.note}" if self.note else line


def format_size(num_bytes: int) -> str:
    """``123.4 MB`` style size (decimal units, as upload sites show them)."""
    if num_bytes < 1000:
        return f"{num_bytes} B"
    size = num_bytes / 1000
    for unit in ("kB", "MB"):
        if size < 1000:
            return f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def half_precision_state_dict(
    state_dict: dict[str, Any], *, keep_fp32: Iterable[str] = ()
) -> tuple[dict[str, Any], int]:
    """A copy of ``state_dict`` with its float32 tensors in float16, except the names in ``keep_fp32``
    (e.g. BatchNorm running statistics, whose tiny variances fp16 would flush) and tensors with
    values beyond float16's range. Returns the new dict and how many tensors were halved."""
    keep = set(keep_fp32)
    out: dict[str, Any] = {}
    halved = 0
    for name, value in state_dict.items():
        if (
            isinstance(value, torch.Tensor)
            and value.dtype == torch.float32
            and name not in keep
            and (value.numel() == 0 or float(value.abs().max()) <= FLOAT16_MAX)
        ):
            out[name] = value.detach().to(torch.float16).contiguous()
            halved += 1
        else:
            out[name] = value.detach().contiguous() if isinstance(value, torch.Tensor) else value
    return out, halved


def normalized_probe(rgb: torch.Tensor, normalization: dict[str, Sequence[float]]) -> torch.Tensor:
    """Probe images ``(N, 3, H, W)`` in [0, 1] normalised with a checkpoint's ``normalization``."""
    mean = torch.tensor(normalization["mean"]).view(1, 3, 1, 1)
    std = torch.tensor(normalization["std"]).view(1, 3, 1, 1)
    return (rgb - mean) / std


def noise_probe(count: int, side: int, normalization: dict[str, Sequence[float]], seed: int) -> torch.Tensor:
    """``count`` seeded uniform-noise images of ``side``² pixels, normalised: the probe inputs when the
    user gives no images."""
    rgb = torch.rand(count, 3, side, side, generator=torch.Generator().manual_seed(seed))
    return normalized_probe(rgb, normalization)


def refuse_overwriting_source(source: str | os.PathLike[str], out_path: str | os.PathLike[str]) -> None:
    """Raise :class:`Hw1CheckpointError` when the hand-in checkpoint ``out_path`` is its ``source``
    (call it before loading anything)."""
    if Path(out_path).resolve() == Path(source).resolve():
        raise Hw1CheckpointError(f"{out_path}: the hand-in checkpoint must not overwrite its source; pick another path")


def compact_checkpoint(
    ckpt: dict[str, Any], model: nn.Module, kept: Sequence[str], *, half: bool = True
) -> dict[str, Any]:
    """The hand-in dict of a full checkpoint ``ckpt`` of ``model``: the entries named in ``kept`` (those
    present) and the state_dict, its parameters in fp16 when ``half`` (buffers such as BatchNorm
    statistics stay fp32), tagged ``"handin": {"precision": ...}``."""
    state = ckpt["state_dict"]
    if half:
        state, _ = half_precision_state_dict(state, keep_fp32=[name for name, _ in model.named_buffers()])
    kept_entries = {key: ckpt[key] for key in kept if key in ckpt}
    return {**kept_entries, "state_dict": state, "handin": {"precision": "fp16" if half else "fp32"}}


@torch.no_grad()
def export_compact_checkpoint(
    source: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    ckpt: dict[str, Any],
    kept: Sequence[str],
    model: nn.Module,
    rebuild: Callable[[dict[str, Any]], nn.Module],
    probe: torch.Tensor,
    half: bool = True,
    min_agreement: float = 0.999,
) -> HandinReport:
    """Write the compact checkpoint of ``ckpt`` (:func:`compact_checkpoint` keeping ``kept``) to
    ``out_path`` after checking it.

    ``model`` is the full-precision model of ``source`` (eval mode); ``rebuild(compact)`` builds the
    (untrained) model a compact dict describes, which then gets the compact weights; ``probe`` is a
    batch of model inputs, whose labels are the argmax of the outputs over dim 1. When half
    precision changes more than ``1 - min_agreement`` of the probe labels, the checkpoint
    is written in fp32 instead (still weights only) and the report says so.
    """
    model.eval()
    reference = model(probe).float()
    note = ""
    for use_half in (True, False) if half else (False,):
        compact = compact_checkpoint(ckpt, model, kept, half=use_half)
        rebuilt = rebuild(compact)
        rebuilt.load_state_dict(compact["state_dict"], strict=True)  # fp16 -> the model's fp32
        outputs = rebuilt.eval()(probe).float()
        agreement = float((outputs.argmax(1) == reference.argmax(1)).float().mean())
        max_diff = float((outputs - reference).abs().max()) if outputs.numel() else 0.0
        if agreement >= min_agreement or not use_half:
            break
        note = f"fp16 weights changed {100 * (1 - agreement):.2f}% of the probe predictions, so fp32 was kept"
    saved = save_checkpoint(compact, out_path)
    halved = any(isinstance(v, torch.Tensor) and v.dtype == torch.float16 for v in compact["state_dict"].values())
    return HandinReport(
        source=Path(source),
        out_path=saved,
        source_bytes=Path(source).stat().st_size,
        size_bytes=saved.stat().st_size,
        precision="fp16" if halved else "fp32",
        agreement=agreement,
        min_agreement=min_agreement,
        max_abs_diff=max_diff,
        max_abs_output=float(reference.abs().max()) if reference.numel() else 0.0,
        note=note,
    )
