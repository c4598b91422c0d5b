"""torchrun / DDP set-up and tear-down, rank-0 helpers and metric all-reduce.

A training command calls :func:`init_distributed` once. Under ``torchrun`` (``WORLD_SIZE`` > 1 in
the environment) it joins the process group (nccl on CUDA, gloo on CPU); otherwise it returns a
single-process context, so the same code runs both ways.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
import torch.distributed as dist

from hw1.core.device import select_device

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


@dataclass(frozen=True)
class DistributedContext:
    """Where this process stands in a (possibly single-process) run."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def is_distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init_distributed(device: str = "auto") -> DistributedContext:
    """Initialise torch.distributed from torchrun's environment, or return a single-process
    context when not launched by torchrun. The device follows ``device`` (``auto`` picks CUDA
    when present) and, on CUDA, this process's ``LOCAL_RANK``; the backend is nccl on CUDA, else gloo."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    dev = select_device(device, local_rank=local_rank if world_size > 1 else None)
    if world_size > 1 and not in_process_group():
        if dev.type == "cuda":
            torch.cuda.set_device(dev)
        dist.init_process_group(backend="nccl" if dev.type == "cuda" else "gloo", rank=rank, world_size=world_size)
    return DistributedContext(rank=rank, world_size=world_size, local_rank=local_rank, device=dev)


def in_process_group() -> bool:
    """Whether this process has joined a torch.distributed process group."""
    return dist.is_available() and dist.is_initialized()


def cleanup_distributed() -> None:
    """Leave the process group, if one was joined."""
    if in_process_group():
        dist.destroy_process_group()


def get_world_size() -> int:
    """Number of processes in the run (1 when not distributed)."""
    return dist.get_world_size() if in_process_group() else 1


def is_main_process() -> bool:
    """True on rank 0 (or when not distributed) — the only process that writes files or shows progress."""
    return not in_process_group() or dist.get_rank() == 0


def rank_zero_only(fn: F) -> F:
    """Decorator: run ``fn`` on rank 0 only; other ranks get ``None``."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs) if is_main_process() else None

    return wrapper  # type: ignore[return-value]


def barrier() -> None:
    """Wait for every process (no-op when not distributed)."""
    if get_world_size() > 1:
        dist.barrier()


def main_process_first(make: Callable[[bool], T]) -> T:
    """``make(True)`` on rank 0, then ``make(False)`` on the other ranks once rank 0 is done: for a
    cache that rank 0 builds (and reports on) and the others then open, such as an image store."""
    made = make(True) if is_main_process() else None
    barrier()
    return made if made is not None else make(False)


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """Sum ``tensor`` over all processes, in place, and return it (identity when single-process).
    Use it for counts and confusion matrices, which must be summed, not averaged."""
    if get_world_size() > 1:
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def broadcast_buffers(model: torch.nn.Module, src: int = 0) -> torch.nn.Module:
    """Copy rank ``src``'s buffers (BatchNorm running statistics) to every process, in place.

    Call it before evaluating the bare model (not its DDP wrapper): after the last training step
    each rank's BatchNorm has updated its statistics from its own batch, so without it the ranks
    would score with slightly different models. Evaluating the bare model keeps evaluation free of
    DDP's per-forward collectives, which hang when one rank has fewer batches than another (a
    validation set smaller than the number of processes). No-op when single-process."""
    if get_world_size() > 1:
        for buffer in model.buffers():
            dist.broadcast(buffer, src)
    return model


def all_reduce_mean(tensor: torch.Tensor) -> torch.Tensor:
    """Average ``tensor`` over all processes, in place, and return it."""
    world = get_world_size()
    return all_reduce_sum(tensor).div_(world) if world > 1 else tensor


def reduce_metrics(values: dict[str, float], device: torch.device | None = None) -> dict[str, float]:
    """Average a dict of scalar metrics over all processes (one collective call for all keys)."""
    if get_world_size() == 1 or not values:
        return dict(values)
    keys = sorted(values)
    t = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64, device=device)
    all_reduce_mean(t)
    return {k: float(v) for k, v in zip(keys, t.tolist(), strict=True)}


def unwrap_model(model: torch.nn.Module) -> torch.nn.Module:
    """The bare model inside DDP and/or torch.compile wrappers (whose state_dict has no
    ``module.`` / ``_orig_mod.`` prefixes)."""
    ddp = torch.nn.parallel.DistributedDataParallel
    while isinstance(model, ddp) or hasattr(model, "_orig_mod"):
        model = model.module if isinstance(model, ddp) else model._orig_mod  # type: ignore[assignment]
    return model
