"""The pre-training loop: two-view batches through an SSL method, AMP + channels_last, per-step
warmup+cosine LR, EMA momentum schedule, metrics.jsonl, kNN monitor, resumable checkpoints and
DDP under torchrun (only rank 0 writes).

Reproducibility: every epoch draws the data order from ``(seed, epoch)`` (one permutation sharded
over the ranks, so N processes see the same global batches as one) and re-seeds the augmentation
RNGs from ``(seed, epoch, rank)``, so a run resumed from ``last.pt`` sees the same batches as an
uninterrupted one and (with ``deterministic=True``) ends with equal weights.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, DistributedSampler

from hw1.core.backbone import create_backbone
from hw1.core.device import prepare_model, to_device_batch
from hw1.core.distributed import DistributedContext, barrier, main_process_first, reduce_metrics, unwrap_model
from hw1.core.errors import Hw1CheckpointError, Hw1DataError, Hw1Error
from hw1.core.image_store import open_folder_store
from hw1.core.precision import autocast
from hw1.core.progress import progress
from hw1.core.run import (
    CheckpointWriter,
    LossMeter,
    RunFolder,
    TrainingState,
    build_optimizer,
    distribute,
    distributed_run,
    open_run_folder,
    seed_epoch,
    training_precision,
    upgrade_config,
)
from hw1.core.seeding import make_generator, seed_everything, seed_worker
from hw1.ssl.augmentations import NORMALIZATION, build_two_view_transform
from hw1.ssl.config import PretrainConfig
from hw1.ssl.dataset import UnlabeledImageFolder
from hw1.ssl.device_augmentations import build_device_two_view_augmentation
from hw1.ssl.device_pipeline import DeviceTwoViewBatches, choose_pipeline
from hw1.ssl.knn import KnnMonitor
from hw1.ssl.methods import SSLMethod, create_method, method_class
from hw1.ssl.run_checkpoint import CHECKPOINT_FORMAT, read_run_checkpoint

#: Fields a resumed run takes from the command line; every other field comes from the checkpoint.
RUNTIME_FIELDS = (
    "images",
    "out_dir",
    "num_workers",
    "device",
    "compile",
    "resume",
    "verify_images",
    "save_every",
    "knn_train_csv",
    "knn_val_csv",
    "knn_train_images",
    "knn_val_images",
    "knn_every",
    "data_pipeline",
    "cache_dir",
)
#: Config keys of hw1-ssl 0.1 checkpoints and today's names (old runs still resume).
RENAMED_FIELDS = {"out": "out_dir", "workers": "num_workers", "sync_bn": "sync_batchnorm"}


def pretrain(config: PretrainConfig) -> dict[str, Any]:
    """Run (or, with ``config.resume``, continue) self-supervised pre-training.

    Returns ``{"run_dir", "last_checkpoint", "epoch", "step", "metrics", "knn_top1",
    "skipped_images", "seconds"}``; ``metrics`` is the last epoch's train record. Under torchrun
    every process calls it; only rank 0 writes files. Bad input raises :class:`Hw1Error`.
    """
    _validate(config)
    folder = open_run_folder(config.out_dir, resume=config.resume)
    with distributed_run(config.device) as ctx:
        return _run(config, ctx, folder)


def _validate(c: PretrainConfig) -> None:
    if not c.images:
        raise Hw1DataError("no image folder given: pass --images DIR")
    checks = [
        (c.epochs >= 1, f"--epochs must be at least 1 (got {c.epochs})"),
        (c.batch_size >= 2, f"--batch-size must be at least 2 for batch-norm heads (got {c.batch_size})"),
        (c.num_workers >= 0, f"--num-workers must be 0 or more (got {c.num_workers})"),
        (c.lr > 0, f"--lr must be positive (got {c.lr})"),
        (c.warmup_epochs >= 0, f"--warmup-epochs must be 0 or more (got {c.warmup_epochs})"),
        (c.knn_every >= 1, f"--knn-every must be at least 1 (got {c.knn_every})"),
        (c.save_every >= 0, f"--save-every must be 0 or more (got {c.save_every})"),
        (
            (c.knn_train_csv is None) == (c.knn_val_csv is None),
            "the kNN monitor needs both --knn-train-csv and --knn-val-csv",
        ),
    ]
    for ok, message in checks:
        if not ok:
            raise Hw1Error(message)
    method_class(c.method)


def _resolve_config(config: PretrainConfig, folder: RunFolder) -> tuple[PretrainConfig, dict[str, Any] | None]:
    if not folder.resuming:
        return config, None
    ckpt = read_run_checkpoint(folder.last)
    stored = upgrade_config(ckpt["config"], RENAMED_FIELDS)
    merged = {f.name: stored.get(f.name, getattr(config, f.name)) for f in dataclasses.fields(PretrainConfig)}
    for name in RUNTIME_FIELDS:
        merged[name] = getattr(config, name)
    return PretrainConfig(**merged), ckpt


def _feature_std(projection: torch.Tensor) -> torch.Tensor:
    """Mean per-dimension std of the L2-normalised projections: ~1/sqrt(dim) when healthy,
    ~0 when the representation has collapsed to a point."""
    z = F.normalize(projection.detach().float(), dim=1)
    return z.std(dim=0).mean()


def _run(config: PretrainConfig, ctx: DistributedContext, folder: RunFolder) -> dict[str, Any]:
    out, last = folder.path, folder.last
    config, ckpt = _resolve_config(config, folder)
    seed_everything(config.seed, deterministic=config.deterministic)
    device = ctx.device
    cls = method_class(config.method)

    generator = make_generator(config.seed)
    recipe = dict(min_scale=config.min_scale, color_jitter_strength=config.color_jitter_strength)
    if choose_pipeline(config.data_pipeline, config.images, config.image_size, device) == "device":
        open_store = functools.partial(open_folder_store, config.images, config.image_size, cache_dir=config.cache_dir)
        store = main_process_first(lambda report: open_store(report=report))  # rank 0 builds it and reports
        dataset: Any = store
        augmentation = build_device_two_view_augmentation(cls.augmentation, config.image_size, **recipe)
        device_batches = DeviceTwoViewBatches(store, augmentation, config.batch_size, ctx, seed=config.seed)
        steps_per_epoch, epoch_batches = len(device_batches), device_batches.epoch
    else:
        transform = build_two_view_transform(cls.augmentation, config.image_size, **recipe)
        dataset = UnlabeledImageFolder(config.images, transform, verify=config.verify_images, report=ctx.is_main)
        # One permutation per epoch seeded by (seed, epoch), sharded over the ranks; a single process is
        # the one-replica case. Step k of a 2-process run thus sees exactly the global batch of step k
        # of one process with twice the batch size.
        sampler = DistributedSampler(
            dataset, num_replicas=ctx.world_size, rank=ctx.rank, shuffle=True, seed=config.seed, drop_last=True
        )
        loader = DataLoader(
            dataset,
            batch_size=config.batch_size,
            sampler=sampler,
            num_workers=config.num_workers,
            drop_last=True,
            worker_init_fn=seed_worker,
            generator=generator,
            pin_memory=device.type == "cuda",
        )
        steps_per_epoch = len(loader)

        def epoch_batches(epoch: int) -> DataLoader:
            sampler.set_epoch(epoch)
            return loader

    if len(dataset) < config.batch_size * ctx.world_size:
        raise Hw1DataError(
            f"{config.images}: {len(dataset)} readable images, fewer than one batch "
            f"({config.batch_size} × {ctx.world_size} process(es)); lower --batch-size"
        )
    total_steps = config.epochs * steps_per_epoch

    if config.sync_batchnorm and ctx.is_distributed and device.type != "cuda":
        raise Hw1Error("--sync-batchnorm needs CUDA devices (PyTorch's SyncBatchNorm is GPU-only); drop it on CPU")
    backbone = create_backbone(config.backbone, weights=config.backbone_weights)
    method: SSLMethod = create_method(config.method, backbone, **config.method_options)
    method = prepare_model(method, device, channels_last=config.channels_last)  # type: ignore[assignment]

    def two_views(views: torch.Tensor) -> torch.Tensor:  # the precision probe's step: a second random view
        return method(views, torch.rand_like(views)).loss

    key = ("ssl", config.method, config.backbone)
    precision = training_precision(
        config, method, device, ckpt, key=key, size=config.image_size, run_steps=total_steps, loss=two_views
    )
    optimizer = build_optimizer(
        method, config.optimizer, lr=config.lr, weight_decay=config.weight_decay, momentum=config.momentum
    )
    state = TrainingState.create(
        optimizer, config, steps_per_epoch, device, precision, schedule="cosine", min_ratio=config.min_lr_ratio
    )
    start_epoch, step = state.restore(ckpt, method)
    if step != start_epoch * steps_per_epoch:
        raise Hw1CheckpointError(
            f"{last}: {step} steps after {start_epoch} epochs, but {steps_per_epoch} steps per epoch now; "
            "resume with the same images and --batch-size (and number of processes)"
        )
    model = distribute(method, ctx, sync_batchnorm=config.sync_batchnorm, compile=config.compile)

    monitor = None
    if config.knn_train_csv and config.knn_val_csv:
        monitor = KnnMonitor.from_csv(
            config.knn_train_csv,
            config.knn_val_csv,
            config.knn_train_images,
            config.knn_val_images,
            image_size=config.image_size,
            k=config.knn_k,
            temperature=config.knn_temperature,
            num_workers=min(config.num_workers, 4),
        )

    logger = folder.start(config, start_epoch, enabled=ctx.is_main)
    knn_top1: float | None = None

    def run_knn(epoch: int) -> None:
        nonlocal knn_top1
        if monitor is None:
            return
        if ctx.is_main:
            knn_top1 = monitor.evaluate(
                method.backbone, device=device, precision=precision, channels_last=config.channels_last
            )
            logger.log(epoch=epoch, step=step, split="knn", knn_top1=knn_top1, k=monitor.k)
        barrier()

    if start_epoch == 0:
        run_knn(0)  # the random-init baseline the run should beat

    record: dict[str, Any] = {}
    writer = CheckpointWriter()  # the next epoch trains while a checkpoint goes to disk
    for epoch in range(start_epoch, config.epochs):
        seed_epoch(config.seed, epoch, ctx.rank, generator)
        model.train()
        epoch_start = time.time()
        bar = progress(
            epoch_batches(epoch),
            desc=f"{config.method} epoch {epoch + 1}/{config.epochs}",
            total=steps_per_epoch,
            unit="batch",
        )
        if knn_top1 is not None:
            bar.set_postfix(knn=f"{knn_top1:.3f}", refresh=False)
        stats = train_one_epoch(
            model,
            method,
            bar,
            state,
            device=device,
            precision=precision,
            channels_last=config.channels_last,
            epoch=epoch + 1,
            step=step,
            total_steps=total_steps,
        )
        bar.close()
        step, lr, momentum = stats["step"], stats["lr"], stats["momentum"]
        seconds = time.time() - epoch_start
        values = reduce_metrics({"loss": stats["loss"], "feature_std": stats["feature_std"]}, device=device)
        record = logger.log(
            epoch=epoch + 1,
            step=step,
            split="train",
            loss=values["loss"],
            lr=lr,
            momentum=momentum,
            feature_std=values["feature_std"],
            epoch_seconds=round(seconds, 3),
            images_per_second=round(steps_per_epoch * config.batch_size * ctx.world_size / max(seconds, 1e-9), 2),
        )
        if (epoch + 1) % config.knn_every == 0 or epoch + 1 == config.epochs:
            run_knn(epoch + 1)
        if ctx.is_main:
            payload = _checkpoint(method, state, config, epoch + 1, step, record, precision)
            keep = config.save_every and (epoch + 1) % config.save_every == 0
            writer.save(payload, last, *([out / f"epoch_{epoch + 1:04d}.pt"] if keep else []))
        barrier()
    writer.wait()

    extra = {"last_checkpoint": str(last), "knn_top1": knn_top1, "skipped_images": len(dataset.skipped)}
    return folder.result(epoch=config.epochs, step=step, metrics=record, **extra)


def train_one_epoch(
    model: torch.nn.Module,
    method: SSLMethod,
    bar: Any,
    state: TrainingState,
    *,
    device: torch.device,
    precision: str,
    channels_last: bool,
    epoch: int,
    step: int,
    total_steps: int,
) -> dict[str, Any]:
    """One pass over a progress bar of two-view batches (``model`` is ``method`` or its DDP/compiled
    wrapper); returns this rank's mean ``loss`` and ``feature_std``, the ``step`` count, last ``lr`` and
    EMA ``momentum``.

    Loss and feature spread are summed on the device; the host reads them only every
    ``LossMeter.sync_every`` steps (progress bar, non-finite check) and once at the end, so the
    accelerator never waits for the host inside the epoch."""
    meter = LossMeter(device, epoch=epoch)
    std_sum = torch.zeros((), device=device)
    lr = state.optimizer.param_groups[0]["lr"]
    momentum = method.momentum_at(step, total_steps)
    for views in bar:
        view0 = to_device_batch(views[0], device, channels_last)
        view1 = to_device_batch(views[1], device, channels_last)
        lr = state.optimizer.param_groups[0]["lr"]
        with autocast(device, precision):
            output = model(view0, view1)
        loss = output.loss
        state.backward(loss)
        state.step()
        momentum = method.momentum_at(step, total_steps)
        if momentum is not None:
            method.update_target(momentum)
        step += 1
        std_sum += _feature_std(output.projection)
        running = meter.add(loss)
        if running is not None:
            bar.set_postfix(loss=f"{running:.4f}", lr=f"{lr:.2e}", refresh=False)
    steps = max(1, meter.steps)
    return {"loss": meter.mean(), "feature_std": float(std_sum) / steps, "step": step, "lr": lr, "momentum": momentum}


def _checkpoint(
    method: SSLMethod,
    state: TrainingState,
    config: PretrainConfig,
    epoch: int,
    step: int,
    record: dict[str, Any],
    precision: str = "fp32",
) -> dict[str, Any]:
    raw = unwrap_model(method)
    return {
        "format": CHECKPOINT_FORMAT,
        "model": {
            "method": raw.name,
            "backbone": config.backbone,
            "method_kwargs": dict(raw.kwargs),
            "num_features": int(raw.num_features),
        },
        "state_dict": raw.state_dict(),  # CheckpointWriter copies the tensors to the CPU
        "normalization": NORMALIZATION,
        **state.state_dict(),
        "epoch": epoch,
        "step": step,
        "config": dataclasses.asdict(config),
        "precision": precision,
        "metrics": {k: v for k, v in record.items() if isinstance(v, (int, float, str)) or v is None},
    }


__all__ = ["CHECKPOINT_FORMAT", "PretrainConfig", "pretrain"]
