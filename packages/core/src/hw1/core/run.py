"""The rules every hw1 training loop shares, as functions and small dataclasses (not a Trainer): the
process group (join and leave only your own), the run folder (``--resume`` needs ``last.pt``, a fresh
run never overwrites one, ``config.json``, ``metrics.jsonl`` kept to the resumed epochs), one epoch-seed
formula, the optimizer with no-decay groups, the precision, the DDP-wrapped model, the optimizer/scheduler/scaler state
that ``last.pt`` restores, the loss summed on the device, checkpoints written in the background and the
result every loop returns."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from hw1.core.atomic_files import write_text_atomic
from hw1.core.checkpoint import save_checkpoint
from hw1.core.choices import OPTIMIZER_CHOICES
from hw1.core.device import to_device_batch
from hw1.core.distributed import DistributedContext, cleanup_distributed, in_process_group, init_distributed
from hw1.core.errors import Hw1CheckpointError, Hw1Error
from hw1.core.metrics import MetricsLogger
from hw1.core.precision import PrecisionProbe, make_grad_scaler, resolve_precision
from hw1.core.run_options import RunOptions
from hw1.core.schedules import build_lr_scheduler

#: Name of the resumable checkpoint in every run folder.
LAST_CHECKPOINT = "last.pt"
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"


@contextmanager
def distributed_run(device: str = "auto") -> Iterator[DistributedContext]:
    """Context of one training run: joins torchrun's process group when launched by torchrun and
    none is initialised yet, and on exit leaves it only if it joined it here — a process group the
    caller created stays usable after the run."""
    joined = not in_process_group()
    ctx = init_distributed(device)
    try:
        yield ctx
    finally:
        if joined:
            cleanup_distributed()


@dataclass(frozen=True)
class RunFolder:
    """A run folder opened by :func:`open_run_folder`; ``resuming`` when ``last.pt`` is to be loaded."""

    path: Path
    resuming: bool
    opened: float = field(default_factory=time.time)
    """When the run began (``time.time()``); :meth:`result`'s ``seconds`` count from here."""

    @property
    def last(self) -> Path:
        """The resumable checkpoint ``last.pt``."""
        return self.path / LAST_CHECKPOINT

    def write_config(self, config: Any) -> Path:
        """Write ``config.json`` (a dataclass or a mapping) into the folder, creating it; returns its path."""
        data = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(config)
        return write_text_atomic(self.path / CONFIG_FILE, json.dumps(data, indent=2, default=str) + "\n")

    def start(self, config: Any, epoch: int, *, enabled: bool) -> MetricsLogger:
        """Write ``config.json`` and return the ``metrics.jsonl`` logger. A resumed run drops the records
        after ``epoch`` (its checkpoint's: logged, then killed before the save); a fresh run starts an empty
        log rather than appending to an old folder's. Only ``enabled`` (rank 0) writes."""
        logger = MetricsLogger(self.path / METRICS_FILE, enabled=enabled)
        if enabled:
            self.write_config(config)
            if self.resuming:
                logger.truncate_after(epoch)
            else:  # the old log is not this run's: not read (it may be of any shape), removed
                logger.path.unlink(missing_ok=True)
        return logger

    def result(self, *, epoch: int, step: int, metrics: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """What the loop returns: the :class:`RunResult` dict of this folder, timed from :attr:`opened`."""
        return RunResult(str(self.path), epoch, step, time.time() - self.opened, metrics, extra).to_dict()


def open_run_folder(out_dir: str | os.PathLike[str], *, resume: bool, option: str = "--out-dir") -> RunFolder:
    """Check the resume rules for ``out_dir``: with ``resume`` its ``last.pt`` must exist
    (:class:`Hw1CheckpointError` otherwise); without, a folder already holding a ``last.pt`` is
    refused (:class:`Hw1Error`) rather than overwritten. ``option`` names the CLI option in messages."""
    path = Path(out_dir)
    last = path / LAST_CHECKPOINT
    if resume and not last.is_file():
        raise Hw1CheckpointError(
            f"{last}: nothing to resume (no {LAST_CHECKPOINT}); run without --resume to start, or check {option}"
        )
    if not resume and last.exists():
        raise Hw1Error(
            f"{path}: already holds a run ({LAST_CHECKPOINT}); pass --resume to continue it or choose another {option}"
        )
    return RunFolder(path=path, resuming=resume)


def upgrade_config(stored: Mapping[str, Any], renamed: Mapping[str, str]) -> dict[str, Any]:
    """A config dict read from an older checkpoint with its renamed keys (``old -> new``) mapped to
    today's names; a key already present under its new name wins."""
    out = dict(stored)
    for old, new in renamed.items():
        if old in out:
            value = out.pop(old)
            out.setdefault(new, value)
    return out


def epoch_seed(seed: int, epoch: int, rank: int = 0) -> int:
    """The seed of epoch ``epoch`` on rank ``rank``: one formula for every loop's per-epoch streams, so a
    run resumed from ``last.pt`` draws what an uninterrupted one would."""
    return (seed * 1_000_003 + epoch * 7919 + rank * 104_729) % 2**31


def seed_epoch(seed: int, epoch: int, rank: int = 0, generator: torch.Generator | None = None) -> int:
    """Re-seed Python, numpy and torch (and ``generator``, e.g. a DataLoader's, whose draws seed
    its workers) with :func:`epoch_seed`; returns the seed."""
    s = epoch_seed(seed, epoch, rank)
    random.seed(s)
    np.random.seed(s)
    torch.manual_seed(s)
    if generator is not None:
        generator.manual_seed(s)
    return s


def decay_groups(params: Iterable[nn.Parameter], weight_decay: float, **options: Any) -> list[dict[str, Any]]:
    """Two parameter groups of the trainable ``params``: weights (decayed) and biases/normalisation
    weights (``ndim <= 1``, no decay), as in SimCLR/BYOL and timm. ``options`` (e.g. ``lr``) go into
    both; empty groups are left out."""
    decay, no_decay = [], []
    for p in params:
        if p.requires_grad:
            (no_decay if p.ndim <= 1 else decay).append(p)
    groups = [
        {"params": decay, "weight_decay": weight_decay, **options},
        {"params": no_decay, "weight_decay": 0.0, **options},
    ]
    return [g for g in groups if g["params"]]


def build_optimizer(
    params: nn.Module | list[dict[str, Any]],
    name: str,
    *,
    lr: float,
    weight_decay: float = 0.0,
    momentum: float = 0.9,
    nesterov: bool = False,
) -> torch.optim.Optimizer:
    """Optimizer ``name`` (sgd, adam, adamw, lars) over a model's trainable parameters split by
    :func:`decay_groups`, or over ready groups (each made with :func:`decay_groups`). LARS is
    timm's (adaptation only where weight decay applies, as in lightly's and the BYOL paper's)."""
    key = name.lower()
    if key not in OPTIMIZER_CHOICES:
        raise Hw1Error(f"unknown optimizer {name!r}: use one of {', '.join(OPTIMIZER_CHOICES)}")
    groups = decay_groups(params.parameters(), weight_decay) if isinstance(params, nn.Module) else params
    if not groups:
        raise Hw1Error("nothing to optimise: the model has no trainable parameters")
    if key == "adam":
        return torch.optim.Adam(groups, lr=lr)
    if key == "adamw":
        return torch.optim.AdamW(groups, lr=lr)
    if key == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=momentum, nesterov=nesterov)
    from timm.optim import Lars

    return Lars(groups, lr=lr, momentum=momentum, nesterov=nesterov)


def distribute(
    model: nn.Module, ctx: DistributedContext, *, sync_batchnorm: bool = False, compile: bool = False
) -> nn.Module:
    """``model`` as the training steps call it: under torchrun wrapped in DistributedDataParallel (its
    BatchNorm layers made SyncBatchNorm in place with ``sync_batchnorm`` on CUDA; PyTorch's is GPU-only,
    so on CPU each process keeps its own statistics), then compiled with ``compile``. The parameters stay
    ``model``'s, so optimizers and checkpoints keep using ``model``."""
    net = model
    if ctx.is_distributed:
        cuda = ctx.device.type == "cuda"
        if sync_batchnorm and cuda:
            nn.SyncBatchNorm.convert_sync_batchnorm(model)
        net = nn.parallel.DistributedDataParallel(model, device_ids=[ctx.device.index] if cuda else None)
    return torch.compile(net) if compile else net  # type: ignore[return-value]


@dataclass
class TrainingState:
    """The optimizer, per-step LR scheduler and GradScaler of a run: one training step's order
    (:meth:`backward`, :meth:`step`) and what ``last.pt`` holds of them, besides the model's weights, for a
    resumed run to continue exactly (keys ``optimizer``, ``scheduler``, ``scaler``)."""

    optimizer: torch.optim.Optimizer
    scheduler: Any
    scaler: Any

    @classmethod
    def create(
        cls,
        optimizer: torch.optim.Optimizer,
        options: RunOptions,
        steps_per_epoch: int,
        device: torch.device,
        precision: str,
        *,
        schedule: str,
        min_ratio: float = 0.0,
    ) -> TrainingState:
        """The state of a run of ``options.epochs`` epochs: ``optimizer``, its per-step LR ``schedule`` with
        ``options.warmup_epochs`` of linear warm-up, and the GradScaler ``precision`` needs on ``device``."""
        warmup, total = int(round(options.warmup_epochs * steps_per_epoch)), options.epochs * steps_per_epoch
        scheduler = build_lr_scheduler(
            optimizer, total_steps=total, warmup_steps=warmup, kind=schedule, min_ratio=min_ratio
        )
        return cls(optimizer, scheduler, make_grad_scaler(device, precision))

    def state_dict(self) -> dict[str, Any]:
        """The three states, for a checkpoint payload."""
        return {key: getattr(self, key).state_dict() for key in ("optimizer", "scheduler", "scaler")}

    def restore(self, ckpt: Mapping[str, Any] | None, model: nn.Module) -> tuple[int, int]:
        """Load ``ckpt``'s ``state_dict`` into ``model`` and the three states; returns its ``(epoch, step)``,
        ``(0, 0)`` without a checkpoint (a fresh run)."""
        if ckpt is None:
            return 0, 0
        model.load_state_dict(ckpt["state_dict"])
        self.optimizer.load_state_dict(ckpt["optimizer"])
        self.scheduler.load_state_dict(ckpt["scheduler"])
        if ckpt.get("scaler"):  # empty when the run had no GradScaler (fp32, bf16)
            self.scaler.load_state_dict(ckpt["scaler"])
        return int(ckpt["epoch"]), int(ckpt["step"])

    def backward(self, loss: torch.Tensor) -> None:
        """Back-propagate ``loss``, scaled by the GradScaler (fp16); gradients add up until :meth:`step`."""
        self.scaler.scale(loss).backward()

    def step(self, clip_grad: float = 0.0, parameters: Iterable[nn.Parameter] = ()) -> None:
        """One optimizer step on the gradients back-propagated since the last: unscaled and clipped to norm
        ``clip_grad`` over ``parameters`` when ``clip_grad`` is set, then the GradScaler updated, the
        gradients cleared (``None``) and the LR schedule advanced."""
        if clip_grad:
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(parameters, clip_grad)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)
        self.scheduler.step()


def training_precision(
    options: RunOptions,
    model: nn.Module,
    device: torch.device,
    ckpt: Mapping[str, Any] | None,
    *,
    key: tuple[Any, ...],
    size: int | Callable[[], tuple[int, int]],
    run_steps: int,
    loss: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> str:
    """The run's precision (:func:`~hw1.core.precision.resolve_precision` of ``options.precision``): a resumed
    ``auto`` run keeps ``ckpt``'s; otherwise ``auto`` on a bf16-capable CPU times a training step of ``model``
    on a random batch of ``options.batch_size`` images of ``size`` (a side, or a function returning
    ``(height, width)``, called only when the probe runs); ``loss(batch)`` is by default the outputs'
    log-sum-exp. The choice is remembered per ``(*key, batch shape)``."""
    resumed = (ckpt or {}).get("precision")
    if options.precision.lower() != "auto" or device.type != "cpu" or resumed:
        return resolve_precision(options.precision, device, resumed=resumed)
    shape = (options.batch_size, 3, *(size() if callable(size) else (size, size)))
    step = loss or (lambda batch: model(batch).float().logsumexp(1).mean())

    def probe_loss() -> torch.Tensor:
        return step(to_device_batch(torch.rand(shape), device, options.channels_last))

    probe = PrecisionProbe(model=model, loss=probe_loss, key=(*key, shape), run_steps=run_steps)
    return resolve_precision(options.precision, device, probe=probe)


#: What to change when a loss becomes NaN or infinite (the options of all three training commands).
NONFINITE_HINT = "lower --lr, raise --warmup-epochs or use --precision fp32"


class LossMeter:
    """An epoch's (weighted) loss summed on the device without a host sync per step.

    :meth:`add` only queues device work; every ``sync_every`` calls it reads the running mean back
    (for the progress bar) and checks it is finite, so a NaN or infinite loss still fails the run
    within ``sync_every`` steps, naming the epoch. :meth:`mean` reads and checks the whole epoch.
    """

    def __init__(self, device: torch.device, *, epoch: int, hint: str = NONFINITE_HINT, sync_every: int = 50) -> None:
        self.epoch = epoch
        self.hint = hint
        self.sync_every = max(1, sync_every)
        self._sum = torch.zeros((), dtype=torch.float32, device=device)
        self._weight = 0.0
        self.steps = 0  # how many losses were added

    def add(self, loss: torch.Tensor, weight: float = 1.0) -> float | None:
        """Add ``loss × weight`` (device-side); returns the running mean when this call synced, else None."""
        self._sum += loss.detach().float() * weight
        self._weight += weight
        self.steps += 1
        return self.mean() if self.steps % self.sync_every == 0 else None

    def mean(self) -> float:
        """The mean loss so far (one host sync), checked to be finite."""
        value = float(self._sum) / max(self._weight, 1e-12)
        if not math.isfinite(value):
            raise Hw1Error(f"the loss became {value} in epoch {self.epoch}; {self.hint}")
        return value


def snapshot(obj: Any, memo: dict[int, torch.Tensor] | None = None) -> Any:
    """A copy of a checkpoint payload whose tensors are cloned to CPU (nested dicts, lists, tuples),
    so training may go on changing the originals while the copy is written. Payloads snapshotted
    with one ``memo`` share the copy of a tensor they share."""
    memo = {} if memo is None else memo
    if isinstance(obj, torch.Tensor):
        if id(obj) not in memo:
            memo[id(obj)] = obj.detach().to("cpu", copy=True)
        return memo[id(obj)]
    if isinstance(obj, Mapping):
        return {k: snapshot(v, memo) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(snapshot(v, memo) for v in obj)
    return obj


class CheckpointWriter:
    """Writes checkpoints with :func:`hw1.core.save_checkpoint` on one background thread.

    :meth:`save` snapshots the payload (tensors cloned, a memory copy taking milliseconds) and
    returns; the atomic write and fsync happen while training continues. At most one write is in
    flight: the next :meth:`save` (and :meth:`wait`, and leaving the ``with`` block) waits for it
    and re-raises its error, so a failed save still stops the run, one epoch later at most. A
    process killed mid-write leaves the previous checkpoint intact (the save is atomic).
    """

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def save(self, payload: Any, *paths: str | os.PathLike[str]) -> None:
        """Write ``payload`` to every path in ``paths`` (in order) in the background."""
        self.save_each([(payload, path) for path in paths])

    def save_each(self, items: Iterable[tuple[Any, str | os.PathLike[str]]]) -> None:
        """Write each ``(payload, path)`` (in order) in the background; tensors the payloads share
        are copied once."""
        self.wait()
        memo: dict[int, torch.Tensor] = {}
        copies = [(snapshot(payload, memo), path) for payload, path in items]

        def write() -> None:
            try:
                for copy, path in copies:
                    save_checkpoint(copy, path)
            except BaseException as exc:  # re-raised in the training thread by wait()
                self._error = exc

        self._thread = threading.Thread(target=write, name="hw1-checkpoint-writer")
        self._thread.start()

    def wait(self) -> None:
        """Block until the write in flight (if any) is on disk; raise its error."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def __enter__(self) -> CheckpointWriter:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if exc_info[0] is None:
            self.wait()
        elif self._thread is not None:  # the run failed: let the last good checkpoint land, keep its error
            self._thread.join()
            self._thread = None


@dataclass
class RunResult:
    """What every training loop reports: its folder, the epochs completed, optimizer steps, wall
    time and the last epoch's logged record, plus the loop's own numbers in ``extra``."""

    run_dir: str
    epoch: int
    step: int
    seconds: float
    metrics: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A flat dict: the common fields and then ``extra`` (the dict the loops have always returned)."""
        base = {
            "run_dir": self.run_dir,
            "epoch": self.epoch,
            "step": self.step,
            "seconds": round(self.seconds, 3),
            "metrics": dict(self.metrics),
        }
        return {**base, **self.extra}
