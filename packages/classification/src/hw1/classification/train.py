"""Fine-tuning and linear probing under the study's settings (``hw1 cls train``).

A run folder holds ``last.pt`` (every epoch, for ``--resume``), ``best.pt`` (best validation
accuracy), ``metrics.jsonl``, ``config.json`` and the second-last-layer features of the train set
after the first and the last epoch (``features_first.npz`` / ``features_last.npz``: ``features``,
``labels``, ``filenames``) for the t-SNE figure.

A frozen backbone stays in eval mode (its BatchNorm statistics do not move) and gets no
gradients. With ``cache_features`` it runs once over the un-augmented images and the head trains
on the cached features; both paths visit the same batches in the same order (a per-epoch seeded
permutation), so they reach the same head up to floating-point noise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, Sampler, Subset

from hw1.classification.backbones import is_random_spec, load_backbone
from hw1.classification.checkpoint import classifier_checkpoint, read_classifier_checkpoint
from hw1.classification.config import FinetuneConfig
from hw1.classification.dataset import (
    NORMALIZATION,
    CsvImageDataset,
    build_transform,
    check_files,
    default_image_dir,
    read_csv_rows,
)
from hw1.classification.head import Classifier, ClassifierHead
from hw1.classification.settings import resolve_setting
from hw1.core import (
    DistributedContext,
    Hw1CheckpointError,
    Hw1Error,
    MetricsLogger,
    all_reduce_sum,
    autocast,
    build_lr_scheduler,
    cleanup_distributed,
    init_distributed,
    make_grad_scaler,
    prepare_model,
    progress,
    resolve_precision,
    save_checkpoint,
    seed_everything,
    seed_worker,
    to_device_batch,
    unwrap_model,
)

OPTIMIZERS = ("adamw", "sgd")


def epoch_order(n: int, seed: int, epoch: int) -> torch.Tensor:
    """The permutation of the training set in ``epoch`` (same for cached and image training)."""
    g = torch.Generator().manual_seed(seed * 1000 + epoch)
    return torch.randperm(n, generator=g)


class EpochOrderSampler(Sampler[int]):
    """Yields :func:`epoch_order` cut into full batches, this rank's share of each batch."""

    def __init__(self, n: int, batch_size: int, seed: int, rank: int = 0, world: int = 1) -> None:
        self.n, self.batch_size, self.seed, self.rank, self.world = n, batch_size, seed, rank, world
        self.epoch = 1

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        order = epoch_order(self.n, self.seed, self.epoch)
        usable = (self.n // self.batch_size) * self.batch_size
        for start in range(0, usable, self.batch_size):
            yield from order[start : start + self.batch_size][self.rank :: self.world].tolist()

    def __len__(self) -> int:
        return (self.n // self.batch_size) * len(range(self.rank, self.batch_size, self.world))


def _check(c: FinetuneConfig) -> None:
    if c.optimizer not in OPTIMIZERS:
        raise Hw1Error(f"unknown optimizer {c.optimizer!r}: use one of {', '.join(OPTIMIZERS)}")
    if c.epochs < 1 or c.batch_size < 2 or c.lr <= 0:
        raise Hw1Error("epochs must be >= 1, batch size >= 2 and lr > 0")


def train_classifier(config: FinetuneConfig) -> dict[str, Any]:
    """Train a classifier as ``config`` says and write its run folder (see the module docstring).

    Returns ``{"run_dir", "best_acc", "best_epoch", "last_acc", "epochs", "init", "frozen",
    "setting"}``. Under torchrun every process calls it; only rank 0 writes.
    """
    _check(config)
    owns_group = not (dist.is_available() and dist.is_initialized())
    ctx = init_distributed(config.device)
    try:
        return _run(config, ctx)
    finally:
        if owns_group:
            cleanup_distributed()


def _data(c: FinetuneConfig) -> tuple[CsvImageDataset, CsvImageDataset, CsvImageDataset | None]:
    train_rows = read_csv_rows(c.train_csv, labels=True, num_classes=c.num_classes)
    train_dir = c.train_images or default_image_dir(c.train_csv)
    check_files(train_rows, train_dir, c.train_csv)
    train = CsvImageDataset(train_rows, train_dir, build_transform(c.image_size, c.augment))
    plain = CsvImageDataset(train_rows, train_dir, build_transform(c.image_size, "none"))
    val = None
    if c.val_csv:
        val_rows = read_csv_rows(c.val_csv, labels=True, num_classes=c.num_classes)
        val_dir = c.val_images or default_image_dir(c.val_csv)
        check_files(val_rows, val_dir, c.val_csv)
        val = CsvImageDataset(val_rows, val_dir, build_transform(c.image_size, "none"))
    return train, plain, val


def _loader(ds: Any, c: FinetuneConfig, sampler: Any = None) -> DataLoader:
    return DataLoader(ds, batch_size=c.batch_size, sampler=sampler, shuffle=False, num_workers=c.workers,
                      worker_init_fn=seed_worker, persistent_workers=False, pin_memory=torch.cuda.is_available())


def _shard(ds: Any, ctx: DistributedContext) -> Any:
    """This rank's share of an evaluation set: every world-th item, no padding (exact counts)."""
    return ds if ctx.world_size == 1 else Subset(ds, list(range(ctx.rank, len(ds), ctx.world_size)))


@torch.no_grad()
def extract_features(model: Classifier, loader: DataLoader, device: torch.device, precision: str,
                     channels_last: bool, *, pooled: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Features of every batch of ``loader`` in order: the backbone's pooled output
    (``pooled=True``) or the head's second-last layer; returns ``(features float32 CPU, labels)``."""
    model.eval()
    feats, labels = [], []
    for images, y, _ in loader:
        images = to_device_batch(images, device, channels_last)
        with autocast(device, precision):
            f = model.backbone(images) if pooled else model.features(images)
        feats.append(f.float().cpu())
        labels.append(torch.as_tensor(y))
    return torch.cat(feats), torch.cat(labels)


def _save_features(path: Path, feats: torch.Tensor, labels: torch.Tensor, filenames: list[str]) -> None:
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, features=feats.numpy().astype(np.float32), labels=labels.numpy().astype(np.int64),
             filenames=np.asarray(filenames, dtype=str))
    tmp.replace(path)


def _run(c: FinetuneConfig, ctx: DistributedContext) -> dict[str, Any]:
    out = Path(c.out_dir)
    last_path = out / "last.pt"
    if c.resume and not last_path.is_file():
        raise Hw1CheckpointError(f"{last_path}: nothing to resume (no last.pt); run without --resume to start")
    if not c.resume and last_path.is_file():
        raise Hw1Error(f"{last_path} exists: pass --resume to continue that run, or choose another --out-dir")
    if c.setting:
        init, frozen = resolve_setting(c.setting, supervised_backbone=c.supervised_backbone, ssl_backbone=c.ssl_backbone)
    else:
        init, frozen = c.init, c.freeze_backbone
    if c.cache_features and not frozen:
        raise Hw1Error("--cache-features needs a frozen backbone (settings D/E or --freeze-backbone)")
    seed_everything(c.seed, deterministic=c.deterministic)
    train_ds, plain_ds, val_ds = _data(c)

    backbone, init_desc = load_backbone(init, c.backbone)
    model = Classifier(backbone, ClassifierHead(backbone.num_features, c.num_classes, c.head_hidden, c.head_dropout))
    device = ctx.device
    precision = resolve_precision(c.precision, device)
    if frozen:
        model.backbone.requires_grad_(False)
    model = prepare_model(model, device, channels_last=c.channels_last)

    batch = min(c.batch_size, len(train_ds))
    steps_per_epoch = max(1, len(train_ds) // batch)
    head_params = list(model.head.parameters())
    groups = [{"params": head_params, "lr": c.lr}]
    if not frozen:
        bb_lr = c.backbone_lr if c.backbone_lr is not None else (c.lr if is_random_spec(init) else c.lr / 10)
        groups.append({"params": list(model.backbone.parameters()), "lr": bb_lr})
    if c.optimizer == "adamw":
        optimizer: torch.optim.Optimizer = torch.optim.AdamW(groups, weight_decay=c.weight_decay)
    else:
        optimizer = torch.optim.SGD(groups, momentum=c.momentum, weight_decay=c.weight_decay, nesterov=True)
    scheduler = build_lr_scheduler(optimizer, total_steps=c.epochs * steps_per_epoch,
                                   warmup_steps=int(round(c.warmup_epochs * steps_per_epoch)))
    scaler = make_grad_scaler(device, precision)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=c.label_smoothing)

    start_epoch, step, best_acc, best_epoch = 0, 0, -1.0, 0
    logger = MetricsLogger(out / "metrics.jsonl", enabled=ctx.is_main)
    if c.resume:
        ckpt = read_classifier_checkpoint(last_path)
        unwrap_model(model).load_state_dict(ckpt["state_dict"], strict=True)
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        scaler.load_state_dict(ckpt["scaler"])
        start_epoch, step = int(ckpt["epoch"]), int(ckpt["step"])
        best_acc, best_epoch = float(ckpt["best_acc"]), int(ckpt["best_epoch"])
        logger.truncate_after(start_epoch)
    elif ctx.is_main:
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.json").write_text(json.dumps(asdict(c), indent=1) + "\n", encoding="utf-8")

    net: nn.Module = model
    if ctx.is_distributed and not c.cache_features:
        net = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)

    cached = None
    if c.cache_features:
        plain_loader = _loader(plain_ds, c)
        cached = {"train": extract_features(model, plain_loader, device, precision, c.channels_last, pooled=True)}
        if val_ds is not None:
            cached["val"] = extract_features(model, _loader(val_ds, c), device, precision, c.channels_last, pooled=True)

    sampler = EpochOrderSampler(len(train_ds), batch, c.seed, ctx.rank, ctx.world_size)
    train_loader = DataLoader(train_ds, batch_size=max(1, batch // ctx.world_size), sampler=sampler,
                              num_workers=c.workers, worker_init_fn=seed_worker, drop_last=False)
    last_acc = float("nan")
    last_epoch = c.epochs if c.stop_after_epoch is None else min(c.epochs, c.stop_after_epoch)
    for epoch in range(start_epoch + 1, last_epoch + 1):
        sampler.set_epoch(epoch)
        model.train()
        if frozen:
            model.backbone.eval()
        totals = torch.zeros(3, dtype=torch.float64)  # loss sum, correct, count
        if cached is not None:
            feats, labels = cached["train"]
            order = epoch_order(len(train_ds), c.seed, epoch)
            batches: Any = [(feats[order[s:s + batch]], labels[order[s:s + batch]])
                            for s in range(0, steps_per_epoch * batch, batch)]
        else:
            batches = iter(train_loader)  # created first: it draws the workers' base seed
        torch.manual_seed(c.seed * 1000 + epoch)  # dropout draws: the same in cached and image training
        for x, y, *_ in progress(batches, desc=f"epoch {epoch}/{c.epochs}", total=steps_per_epoch, unit="batch"):
            y = torch.as_tensor(y).to(device)
            with autocast(device, precision):
                if cached is not None:
                    logits = model.head(x.to(device))
                else:
                    logits = net(to_device_batch(x, device, c.channels_last))
                loss = loss_fn(logits.float(), y)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            step += 1
            totals += torch.tensor([loss.item() * len(y), (logits.argmax(1) == y).sum().item(), len(y)], dtype=torch.float64)
        if cached is None:
            all_reduce_sum(totals)
        lr = optimizer.param_groups[0]["lr"]
        logger.log(epoch=epoch, step=step, split="train", loss=totals[0].item() / max(totals[2].item(), 1),
                   acc=totals[1].item() / max(totals[2].item(), 1), lr=lr)
        if val_ds is not None:
            val = _evaluate(model, val_ds, cached, c, ctx, device, precision)
            last_acc = val["acc"]
            logger.log(epoch=epoch, step=step, split="val", **val)
        improved = val_ds is None or last_acc > best_acc
        if improved:
            best_acc, best_epoch = (last_acc if val_ds is not None else float("nan")), epoch
        if ctx.is_main:
            if epoch == 1 or epoch == c.epochs:
                _write_features(model, plain_ds, cached, c, device, precision, out / (
                    "features_first.npz" if epoch == 1 else "features_last.npz"))
                if epoch == 1 and c.epochs == 1:
                    (out / "features_last.npz").write_bytes((out / "features_first.npz").read_bytes())
            payload = classifier_checkpoint(
                model, backbone=c.backbone, image_size=c.image_size, normalization=NORMALIZATION,
                epoch=epoch, step=step, val_acc=last_acc, best_acc=best_acc, best_epoch=best_epoch,
                init=init_desc, frozen=frozen, setting=c.setting, config=asdict(c),
            )
            if improved:
                save_checkpoint(payload, out / "best.pt")
            payload.update(optimizer=optimizer.state_dict(), scheduler=scheduler.state_dict(), scaler=scaler.state_dict())
            save_checkpoint(payload, last_path)
    return {"run_dir": str(out), "best_acc": best_acc, "best_epoch": best_epoch, "last_acc": last_acc,
            "epochs": c.epochs, "init": init_desc, "frozen": frozen, "setting": c.setting}


@torch.no_grad()
def _evaluate(model: Classifier, val_ds: CsvImageDataset, cached: dict | None, c: FinetuneConfig,
              ctx: DistributedContext, device: torch.device, precision: str) -> dict[str, float]:
    model.eval()
    loss_fn = nn.CrossEntropyLoss()
    if cached is not None:
        feats, labels = cached["val"]
        with autocast(device, precision):
            logits = model.head(feats.to(device)).float()
        y = labels.to(device)
        totals = torch.tensor([loss_fn(logits, y).item() * len(y), (logits.argmax(1) == y).sum().item(), len(y)],
                              dtype=torch.float64)
    else:
        totals = torch.zeros(3, dtype=torch.float64)
        for images, y, _ in _loader(_shard(val_ds, ctx), c):
            y = torch.as_tensor(y).to(device)
            with autocast(device, precision):
                logits = model(to_device_batch(images, device, c.channels_last)).float()
            totals += torch.tensor([loss_fn(logits, y).item() * len(y), (logits.argmax(1) == y).sum().item(), len(y)],
                                   dtype=torch.float64)
        all_reduce_sum(totals)
    count = max(totals[2].item(), 1)
    return {"loss": totals[0].item() / count, "acc": totals[1].item() / count}


@torch.no_grad()
def _write_features(model: Classifier, plain_ds: CsvImageDataset, cached: dict | None, c: FinetuneConfig,
                    device: torch.device, precision: str, path: Path) -> None:
    model.eval()
    if cached is not None:
        pooled, labels = cached["train"]
        with autocast(device, precision):
            feats = model.head.features(pooled.to(device)).float().cpu()
    else:
        feats, labels = extract_features(model, _loader(plain_ds, c), device, precision, c.channels_last)
    _save_features(path, feats, labels, plain_ds.filenames)
    if math.isnan(float(feats.sum())):
        raise Hw1Error(f"{path}: features contain NaN; lower --lr or use --precision fp32")
