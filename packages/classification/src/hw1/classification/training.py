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
from hw1.classification.checkpoint import CHECKPOINT_FORMAT, classifier_checkpoint
from hw1.classification.config import FinetuneConfig
from hw1.classification.dataset import OfficeHomeCsv, build_transform
from hw1.classification.features import loader_features, save_features
from hw1.classification.head import build_classifier, freeze_backbone, set_train_mode
from hw1.classification.settings import get_setting
from hw1.core import (
    IMAGENET_NORMALIZATION,
    Hw1Error,
    all_reduce_sum,
    autocast,
    barrier,
    broadcast_buffers,
    load_format_checkpoint,
    prepare_model,
    progress,
    seed_everything,
    to_device_batch,
    unwrap_model,
)
from hw1.core.run import (
    CheckpointWriter,
    LossMeter,
    TrainingState,
    build_optimizer,
    decay_groups,
    distribute,
    distributed_run,
    epoch_seed,
    open_run_folder,
    seed_epoch,
    snapshot,
    training_precision,
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
        g = torch.Generator().manual_seed(epoch_seed(seed, epoch))
        idx = torch.randperm(n, generator=g).tolist()
        idx = idx[: n - n % world]
    else:
        idx = list(range(n))
    return idx[rank::world]


def _loader(ds, order: list[int], batch_size: int, workers: int) -> DataLoader:
    return DataLoader(ds, batch_size=batch_size, sampler=order, num_workers=workers)


def _count_dtype(device: torch.device) -> torch.dtype:
    return torch.float32 if device.type == "mps" else torch.float64  # MPS has no float64


def _loss_and_accuracy(totals: torch.Tensor) -> dict[str, float]:
    """Mean loss and accuracy from this rank's ``[loss sum, correct, count]``, summed over the ranks."""
    loss_sum, correct, n = all_reduce_sum(totals).tolist()
    return {"loss": loss_sum / max(1.0, n), "acc": correct / max(1.0, n)}


@torch.no_grad()
def evaluate(net: nn.Module, batches, device: torch.device, precision: str, *, channels_last: bool) -> dict[str, float]:
    """Loss and accuracy of ``net`` over ``(x, y, index)`` batches, summed on the device and over
    the ranks (one host read at the end)."""
    # The bare model with rank 0's BatchNorm statistics: no DDP collective per batch, so a rank
    # with fewer (or no) validation batches cannot leave the others waiting.
    net = broadcast_buffers(unwrap_model(net))
    net.eval()
    totals = torch.zeros(3, dtype=_count_dtype(device), device=device)
    for x, y, _ in batches:
        x = to_device_batch(x, device, channels_last)
        y = torch.as_tensor(y).to(device, non_blocking=True)
        with autocast(device, precision):
            logits = net(x)
        totals[0] += F.cross_entropy(logits.float(), y, reduction="sum")
        totals[1] += (logits.argmax(1) == y).sum()
        totals[2] += len(y)
    return _loss_and_accuracy(totals)


def train_one_epoch(
    net: nn.Module,
    bar,
    state: TrainingState,
    *,
    device: torch.device,
    precision: str,
    config: FinetuneConfig,
    epoch: int,
    step: int,
    channels_last: bool,
) -> tuple[dict[str, float], int]:
    """One pass over a progress bar of ``(x, y, index)`` batches; returns ``({"loss", "acc"} over all ranks, step)``.
    Loss and accuracy stay on the device; the host reads them every few steps (progress bar and
    non-finite check) and at the end, never once per step."""
    meter = LossMeter(device, epoch=epoch)
    correct = torch.zeros((), dtype=_count_dtype(device), device=device)
    seen = 0
    for x, y, _ in bar:
        x = to_device_batch(x, device, channels_last)
        y = torch.as_tensor(y).to(device, non_blocking=True)
        if len(y) < 2 and config.head == "mlp":
            continue  # BatchNorm1d cannot train on a single sample
        with autocast(device, precision):
            logits = net(x)
            loss = F.cross_entropy(logits.float(), y, label_smoothing=config.label_smoothing)
        state.backward(loss)
        state.step()
        step += 1
        correct += (logits.detach().argmax(1) == y).sum()
        seen += len(y)
        running = meter.add(loss, weight=len(y))
        if running is not None:
            bar.set_postfix(loss=f"{running:.3f}", refresh=False)
    loss_sum = meter.mean() * seen if seen else 0.0
    totals = torch.tensor([loss_sum, correct.item(), seen], dtype=_count_dtype(device), device=device)
    return _loss_and_accuracy(totals), step


def train_classifier(config: FinetuneConfig) -> dict[str, Any]:
    """Train one classifier as ``config`` says and return ``{best_acc, best_epoch, last_acc,
    run_dir, setting, init, frozen, backbone}``. Resumes from ``last.pt`` with ``config.resume``."""
    spec, frozen = resolve_init(config)
    if config.cache_features and not frozen:
        raise Hw1Error("--cache-features needs a frozen backbone (settings D/E or --freeze-backbone)")
    if config.epochs < 1 or config.batch_size < 1:
        raise Hw1Error("--epochs and --batch-size must be at least 1")
    folder = open_run_folder(config.out_dir, resume=config.resume)
    with distributed_run(config.device) as ctx:
        return _train(config, spec, frozen, ctx, folder)


def _train(config: FinetuneConfig, spec: str, frozen: bool, ctx, folder) -> dict[str, Any]:
    device = ctx.device
    seed_everything(config.seed)
    run_dir = folder.path
    eval_tf = build_transform(config.image_size, "none")
    train_tf = (
        eval_tf
        if (config.cache_features or config.augment == "none")
        else build_transform(config.image_size, config.augment)
    )
    train_ds = OfficeHomeCsv(config.train_csv, config.train_images, train_tf, num_classes=config.num_classes)
    train_eval_ds = OfficeHomeCsv(
        config.train_csv, config.train_images, eval_tf, num_classes=config.num_classes, check_files=False
    )
    val_ds = OfficeHomeCsv(config.val_csv, config.val_images, eval_tf, num_classes=config.num_classes)

    backbone, source = load_backbone(spec, config.backbone)
    model = build_classifier(
        backbone, config.num_classes, head=config.head, hidden=config.head_hidden, dropout=config.head_dropout
    )
    if frozen:
        freeze_backbone(model)
    model = prepare_model(model, device, channels_last=config.channels_last)
    what, fix = "an hw1 classification checkpoint", "resume the folder of an 'hw1 cls train' run, or drop --resume"
    ckpt = load_format_checkpoint(folder.last, CHECKPOINT_FORMAT, what, fix) if folder.resuming else None
    key = ("cls", config.backbone, config.head, config.head_hidden, frozen)
    run_steps = config.epochs * math.ceil(len(train_ds) / config.batch_size)
    precision = training_precision(config, model, device, ckpt, key=key, size=config.image_size, run_steps=run_steps)

    def features(module: nn.Module, ds: OfficeHomeCsv, desc: str) -> tuple[torch.Tensor, torch.Tensor]:
        """``module``'s outputs for every image of ``ds`` (no augmentation), in order."""
        loader = _loader(ds, list(range(len(ds))), config.batch_size, config.num_workers)
        return loader_features(
            module, loader, device, precision=precision, channels_last=config.channels_last, desc=desc
        )

    cached = config.cache_features
    if cached:
        fit_ds = TensorDataset(*features(model.backbone, train_eval_ds, "train features"), torch.arange(len(train_ds)))
        score_ds = TensorDataset(*features(model.backbone, val_ds, "val features"), torch.arange(len(val_ds)))
        net: nn.Module = model.head
        device_fit = None
    else:
        fit_ds, score_ds, net = train_ds, val_ds, model
        from hw1.classification.device_pipeline import build_device_class_batches  # kornia: only when asked

        device_fit = build_device_class_batches(config, ctx)
    net = distribute(net, ctx)

    head_params = [p for p in model.head.parameters() if p.requires_grad]
    backbone_params = [] if frozen else list(model.backbone.parameters())
    groups = decay_groups(head_params, config.weight_decay, lr=config.lr) + decay_groups(
        backbone_params, config.weight_decay, lr=config.lr * config.backbone_lr_scale
    )
    optimizer = build_optimizer(groups, config.optimizer, lr=config.lr, momentum=config.momentum, nesterov=True)
    steps_per_epoch = max(
        1, math.ceil(len(_order(len(fit_ds), 0, config.seed, ctx.rank, ctx.world_size, True)) / config.batch_size)
    )
    state = TrainingState.create(
        optimizer, config, steps_per_epoch, device, precision, schedule=config.schedule, min_ratio=config.min_lr_ratio
    )
    done, step = state.restore(ckpt, model)
    metrics = folder.start(config, done, enabled=ctx.is_main)
    cfg = dataclasses.asdict(config)
    best_acc, best_epoch, last_acc = (
        (ckpt["best_acc"], ckpt["best_epoch"], ckpt.get("val_acc", 0.0)) if ckpt else (-1.0, 0, 0.0)
    )
    best_head: tuple[int, float, dict] = (0, 0.0, {})

    def features_of_train(path: Path) -> None:
        if not (config.save_features and ctx.is_main):
            return
        head = model.head
        if cached:
            head.eval()
            with torch.no_grad():
                feats = head.hidden_features(fit_ds.tensors[0].to(device)).float().cpu()
        else:
            feats, _ = features(_HiddenFeatures(model), train_eval_ds, "t-SNE features")
        save_features(path, feats, train_eval_ds.labels, [r.filename for r in train_eval_ds.rows])

    record: dict[str, Any] = {}
    writer = CheckpointWriter()
    for epoch in range(done + 1, config.epochs + 1):
        seed_epoch(config.seed, epoch, ctx.rank)  # augmentation and dropout repeat on resume
        set_train_mode(net, frozen and not cached)
        order = _order(len(fit_ds), epoch, config.seed, ctx.rank, ctx.world_size, True)
        batches = (
            device_fit.epoch(order, epoch)
            if device_fit is not None
            else _loader(fit_ds, order, config.batch_size, 0 if cached else config.num_workers)
        )
        bar = progress(batches, desc=f"epoch {epoch}/{config.epochs}", unit="batch")
        train, step = train_one_epoch(
            net,
            bar,
            state,
            device=device,
            precision=precision,
            config=config,
            epoch=epoch,
            step=step,
            channels_last=config.channels_last and not cached,
        )
        metrics.log(epoch=epoch, step=step, split="train", **train, lr=optimizer.param_groups[0]["lr"])
        val_batches = _loader(
            score_ds,
            _order(len(score_ds), 0, 0, ctx.rank, ctx.world_size, False),
            config.batch_size,
            0 if cached else config.num_workers,
        )
        val = evaluate(net, val_batches, device, precision, channels_last=config.channels_last and not cached)
        last_acc = val["acc"]
        record = metrics.log(epoch=epoch, step=step, split="val", **val)
        improved = val["acc"] > best_acc
        if improved:
            best_acc, best_epoch = val["acc"], epoch
        if ctx.is_main:
            common = dict(
                arch=config.backbone,
                normalization=IMAGENET_NORMALIZATION,
                image_size=config.image_size,
                config=cfg,
                setting=config.setting or "",
                backbone_source=str(spec),
                frozen=frozen,
            )
            final = epoch == config.epochs
            # A cached run's head epochs take milliseconds while a checkpoint holds the whole backbone, so
            # it keeps the best head in memory and writes best.pt / last.pt once, after the last epoch.
            files: list[tuple[dict[str, Any], Path]] = []
            if improved:
                if cached:
                    best_head = (epoch, val["acc"], snapshot(model.head.state_dict()))
                else:
                    files.append(
                        (classifier_checkpoint(model, epoch=epoch, val_acc=val["acc"], **common), run_dir / "best.pt")
                    )
            if cached and final and best_head[2]:  # empty: no gain since a resume; best.pt stands
                head_now = snapshot(model.head.state_dict())
                model.head.load_state_dict(best_head[2])
                best = classifier_checkpoint(model, epoch=best_head[0], val_acc=best_head[1], **common)
                files.append((snapshot(best), run_dir / "best.pt"))  # copied before the head is put back
                model.head.load_state_dict(head_now)
            if not cached or final:
                resume_state = dict(
                    **state.state_dict(), best_acc=best_acc, best_epoch=best_epoch, step=step, precision=precision
                )
                last = classifier_checkpoint(model, epoch=epoch, val_acc=val["acc"], **common, **resume_state)
                files.append((last, folder.last))
            writer.save_each(files)  # written while the next epoch trains
            if epoch == 1:
                features_of_train(run_dir / "features_first.npz")
            if final:
                features_of_train(run_dir / "features_last.npz")
        barrier()
    writer.wait()
    return folder.result(
        epoch=config.epochs,
        step=step,
        metrics=record,
        best_acc=best_acc,
        best_epoch=best_epoch,
        last_acc=last_acc,
        setting=config.setting or "",
        init="random" if is_random_spec(spec) else str(spec),
        frozen=frozen,
        backbone=config.backbone,
        cached=cached,
    )


class _HiddenFeatures(nn.Module):
    """Adapter: a classifier whose forward returns its second-last-layer features."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = unwrap_model(model)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.model.hidden_features(images)
