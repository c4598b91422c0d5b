"""The fine-tune / linear-probe loop of settings A–E.

Full settings train backbone and head (backbone LR = ``lr × backbone_lr_scale``). Frozen settings
train only the head; the backbone never gets gradients and stays in eval mode (BatchNorm running
statistics frozen). With ``cache_features`` a frozen run does one backbone pass over train and val
without augmentation, then trains the head on the cached tensors (seconds instead of minutes).
Writes ``best.pt`` (best val accuracy), ``last.pt`` (resumable), ``metrics.jsonl`` and the
second-last-layer train features after the first and last epochs (``features_first.npz``,
``features_last.npz``).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from hw1.classification.backbones import is_random_spec, load_backbone
from hw1.classification.checkpoint import classifier_checkpoint
from hw1.classification.config import FinetuneConfig
from hw1.classification.dataset import IMAGENET_MEAN, IMAGENET_STD, OfficeHomeCsv, build_transform
from hw1.classification.features import extract_features, save_features
from hw1.classification.head import build_classifier, freeze_backbone, set_train_mode
from hw1.classification.settings import get_setting
from hw1.core import (
    Hw1Error,
    MetricsLogger,
    all_reduce_sum,
    autocast,
    barrier,
    broadcast_buffers,
    build_lr_scheduler,
    cleanup_distributed,
    init_distributed,
    load_checkpoint,
    make_grad_scaler,
    prepare_model,
    progress,
    resolve_precision,
    save_checkpoint,
    seed_everything,
    to_device_batch,
    unwrap_model,
)


def resolve_init(config: FinetuneConfig) -> tuple[str, bool]:
    """The backbone spec and frozen flag a config asks for (from ``setting`` or ``init``)."""
    if config.setting:
        if config.init is not None:
            raise Hw1Error("give either --setting or --init/--freeze-backbone, not both")
        s = get_setting(config.setting)
        if s.init == "random":
            return "random", s.frozen
        path = config.supervised_backbone if s.init == "supervised" else config.ssl_backbone
        option = "--supervised-backbone" if s.init == "supervised" else "--ssl-backbone"
        if not path:
            raise Hw1Error(f"setting {s.name} needs a {s.init} backbone file: pass {option} FILE")
        if not Path(path).is_file():
            raise Hw1Error(f"{path}: {s.init} backbone file for setting {s.name} not found; check {option}")
        return str(path), s.frozen
    return (config.init or "random"), config.freeze_backbone


def _order(n: int, epoch: int, seed: int, rank: int, world: int, shuffle: bool) -> list[int]:
    """This rank's sample order for an epoch: one seeded permutation, sharded without padding.

    Training (``shuffle``) leaves out the permutation's last ``n % world`` samples so every rank
    takes the same number of steps with equal batch sizes: DDP all-reduces every backward, and a
    rank with one batch more would wait forever. Evaluation keeps every sample (counts are summed).
    """
    if shuffle:
        g = torch.Generator().manual_seed(seed * 1000 + epoch)
        idx = torch.randperm(n, generator=g).tolist()
        idx = idx[: n - n % world]
    else:
        idx = list(range(n))
    return idx[rank::world]


def _loader(ds, order: list[int], batch_size: int, workers: int, drop_last: bool = False) -> DataLoader:
    return DataLoader(ds, batch_size=batch_size, sampler=order, num_workers=workers, drop_last=drop_last,
                      persistent_workers=False)


def _evaluate(net: nn.Module, ds, order: list[int], config: FinetuneConfig, device, precision: str,
              images: bool) -> dict[str, float]:
    # The bare model with rank 0's BatchNorm statistics: no DDP collective per batch, so a rank
    # with fewer (or no) validation batches cannot leave the others waiting.
    net = broadcast_buffers(unwrap_model(net))
    net.eval()
    totals = torch.zeros(3, dtype=torch.float64)
    with torch.no_grad():
        for x, y, _ in _loader(ds, order, config.batch_size, config.num_workers if images else 0):
            x = to_device_batch(x, device, config.channels_last and images)
            y = torch.as_tensor(y).to(device)
            with autocast(device, precision):
                logits = net(x)
            totals += torch.tensor([F.cross_entropy(logits.float(), y, reduction="sum").item(),
                                    (logits.argmax(1) == y).sum().item(), len(y)], dtype=torch.float64)
    totals = all_reduce_sum(totals.to(device)).cpu()
    n = max(1.0, totals[2].item())
    return {"loss": totals[0].item() / n, "acc": totals[1].item() / n}


def train_classifier(config: FinetuneConfig) -> dict[str, Any]:
    """Train one classifier as ``config`` says and return ``{best_acc, best_epoch, last_acc,
    run_dir, setting, init, frozen, backbone}``. Resumes from ``last.pt`` with ``config.resume``."""
    spec, frozen = resolve_init(config)
    if config.cache_features and not frozen:
        raise Hw1Error("--cache-features needs a frozen backbone (settings D/E or --freeze-backbone)")
    if config.epochs < 1 or config.batch_size < 1:
        raise Hw1Error("--epochs and --batch-size must be at least 1")
    ctx = init_distributed(config.device)
    try:
        return _train(config, spec, frozen, ctx)
    finally:
        cleanup_distributed()


def _train(config: FinetuneConfig, spec: str, frozen: bool, ctx) -> dict[str, Any]:
    device = ctx.device
    precision = resolve_precision(config.precision, device)
    seed_everything(config.seed)
    run_dir = Path(config.out_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    eval_tf = build_transform(config.image_size, "none")
    train_tf = eval_tf if (config.cache_features or config.augment == "none") else build_transform(config.image_size, config.augment)
    train_ds = OfficeHomeCsv(config.train_csv, config.train_images, train_tf, num_classes=config.num_classes)
    train_eval_ds = OfficeHomeCsv(config.train_csv, config.train_images, eval_tf, num_classes=config.num_classes,
                                  check_files=False)
    val_ds = OfficeHomeCsv(config.val_csv, config.val_images, eval_tf, num_classes=config.num_classes)

    backbone, source = load_backbone(spec, config.backbone)
    model = build_classifier(backbone, config.num_classes, head=config.head, hidden=config.head_hidden,
                             dropout=config.head_dropout)
    if frozen:
        freeze_backbone(model)
    model = prepare_model(model, device, channels_last=config.channels_last)

    cached = config.cache_features
    if cached:
        full_order = list(range(len(train_eval_ds)))
        tr_x, tr_y = extract_features(model.backbone, _loader(train_eval_ds, full_order, config.batch_size, config.num_workers),
                                      device, precision=precision, channels_last=config.channels_last, desc="train features")
        va_x, va_y = extract_features(model.backbone, _loader(val_ds, list(range(len(val_ds))), config.batch_size, config.num_workers),
                                      device, precision=precision, channels_last=config.channels_last, desc="val features")
        fit_ds = TensorDataset(tr_x, tr_y, torch.arange(len(tr_y)))
        score_ds = TensorDataset(va_x, va_y, torch.arange(len(va_y)))
        net: nn.Module = model.head
    else:
        fit_ds, score_ds, net = train_ds, val_ds, model
    if ctx.is_distributed:
        net = nn.parallel.DistributedDataParallel(net, device_ids=[device.index] if device.type == "cuda" else None)

    head_params = [p for p in unwrap_model(net).parameters() if p.requires_grad] if cached else \
        [p for p in model.head.parameters() if p.requires_grad]
    groups = []
    for params, lr in ((head_params, config.lr),
                       ([] if frozen else [p for p in model.backbone.parameters() if p.requires_grad], config.lr * config.backbone_lr_scale)):
        decay = [p for p in params if p.ndim > 1]
        no_decay = [p for p in params if p.ndim <= 1]
        groups += [{"params": decay, "lr": lr, "weight_decay": config.weight_decay},
                   {"params": no_decay, "lr": lr, "weight_decay": 0.0}]
    groups = [g for g in groups if g["params"]]
    if config.optimizer == "adamw":
        optimizer: torch.optim.Optimizer = torch.optim.AdamW(groups, lr=config.lr)
    elif config.optimizer == "sgd":
        optimizer = torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum, nesterov=True)
    else:
        raise Hw1Error(f"unknown optimizer {config.optimizer!r}: use adamw or sgd")
    steps_per_epoch = max(1, math.ceil(len(_order(len(fit_ds), 0, config.seed, ctx.rank, ctx.world_size, True)) / config.batch_size))
    scheduler = build_lr_scheduler(optimizer, total_steps=config.epochs * steps_per_epoch,
                                   warmup_steps=int(round(config.warmup_epochs * steps_per_epoch)),
                                   kind=config.schedule, min_ratio=config.min_lr_ratio)
    scaler = make_grad_scaler(device, precision)
    metrics = MetricsLogger(run_dir / "metrics.jsonl")
    normalization = {"mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD)}
    cfg = dataclasses.asdict(config)

    start_epoch, best_acc, best_epoch, step, last_acc = 1, -1.0, 0, 0, 0.0
    best_head: tuple[int, float, dict] = (0, 0.0, {})
    last_path = run_dir / "last.pt"
    if config.resume and last_path.is_file():
        state = load_checkpoint(last_path)
        model_ref = unwrap_model(model)
        model_ref.load_state_dict(state["state_dict"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        scaler.load_state_dict(state["scaler"])
        start_epoch, best_acc, best_epoch, step = state["epoch"] + 1, state["best_acc"], state["best_epoch"], state["step"]
        last_acc = state.get("val_acc", 0.0)
        metrics.truncate_after(state["epoch"])
    else:
        metrics.truncate_after(0)  # a fresh run in an old folder does not append to its old log

    def features_of_train(path: Path) -> None:
        if not (config.save_features and ctx.is_main):
            return
        head = model.head
        if cached:
            head.eval()
            with torch.no_grad():
                feats = head.hidden_features(fit_ds.tensors[0].to(device)).float().cpu()
        else:
            order = list(range(len(train_eval_ds)))
            hidden = _HiddenFeatures(model)
            feats, _ = extract_features(hidden, _loader(train_eval_ds, order, config.batch_size, config.num_workers),
                                        device, precision=precision, channels_last=config.channels_last, desc="t-SNE features")
        save_features(path, feats, train_eval_ds.labels, [r.filename for r in train_eval_ds.rows])

    for epoch in range(start_epoch, config.epochs + 1):
        torch.manual_seed(config.seed * 1000 + epoch)  # augmentation and dropout repeat on resume
        set_train_mode(net, frozen and not cached)
        order = _order(len(fit_ds), epoch, config.seed, ctx.rank, ctx.world_size, True)
        totals = torch.zeros(3, dtype=torch.float64)
        bar = progress(_loader(fit_ds, order, config.batch_size, 0 if cached else config.num_workers),
                       desc=f"epoch {epoch}/{config.epochs}", unit="batch")
        for x, y, _ in bar:
            x = to_device_batch(x, device, config.channels_last and not cached)
            y = torch.as_tensor(y).to(device)
            if len(y) < 2 and config.head == "mlp":
                continue  # BatchNorm1d cannot train on a single sample
            with autocast(device, precision):
                logits = net(x)
                loss = F.cross_entropy(logits.float(), y, label_smoothing=config.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            step += 1
            totals += torch.tensor([loss.item() * len(y), (logits.argmax(1) == y).sum().item(), len(y)], dtype=torch.float64)
            bar.set_postfix(loss=f"{loss.item():.3f}")
        totals = all_reduce_sum(totals.to(device)).cpu()
        n = max(1.0, totals[2].item())
        metrics.log(epoch=epoch, step=step, split="train", loss=totals[0].item() / n, acc=totals[1].item() / n,
                    lr=optimizer.param_groups[0]["lr"])
        val = _evaluate(net, score_ds, _order(len(score_ds), 0, 0, ctx.rank, ctx.world_size, False), config,
                        device, precision, images=not cached)
        last_acc = val["acc"]
        metrics.log(epoch=epoch, step=step, split="val", **val)
        improved = val["acc"] > best_acc
        if improved:
            best_acc, best_epoch = val["acc"], epoch
        if ctx.is_main:
            common = dict(arch=config.backbone, normalization=normalization, image_size=config.image_size,
                          config=cfg, setting=config.setting or "", backbone_source=str(spec), frozen=frozen)
            bare = unwrap_model(model)
            final = epoch == config.epochs
            # A cached run's head epochs take milliseconds while a checkpoint holds the whole backbone, so
            # it keeps the best head in memory and writes best.pt / last.pt once, after the last epoch.
            if improved:
                if cached:
                    best_head = (epoch, val["acc"], {k: v.detach().cpu().clone() for k, v in bare.head.state_dict().items()})
                else:
                    save_checkpoint(classifier_checkpoint(bare, epoch=epoch, val_acc=val["acc"], **common),
                                    run_dir / "best.pt")
            if cached and final and best_head[2]:  # empty: no gain since a resume; best.pt stands
                head_now = {k: v.detach().cpu().clone() for k, v in bare.head.state_dict().items()}
                bare.head.load_state_dict(best_head[2])
                save_checkpoint(classifier_checkpoint(bare, epoch=best_head[0], val_acc=best_head[1], **common),
                                run_dir / "best.pt")
                bare.head.load_state_dict(head_now)
            if not cached or final:
                save_checkpoint(classifier_checkpoint(
                    bare, epoch=epoch, val_acc=val["acc"], **common, optimizer=optimizer.state_dict(),
                    scheduler=scheduler.state_dict(), scaler=scaler.state_dict(), best_acc=best_acc,
                    best_epoch=best_epoch, step=step), last_path)
            if epoch == 1:
                features_of_train(run_dir / "features_first.npz")
            if final:
                features_of_train(run_dir / "features_last.npz")
        barrier()
    return {"best_acc": best_acc, "best_epoch": best_epoch, "last_acc": last_acc, "run_dir": str(run_dir),
            "setting": config.setting or "", "init": "random" if is_random_spec(spec) else str(spec),
            "frozen": frozen, "backbone": config.backbone, "cached": cached}


class _HiddenFeatures(nn.Module):
    """Adapter: a classifier whose forward returns its second-last-layer features."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = unwrap_model(model)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.model.hidden_features(images)
