"""Training a segmentation model on ``p2_data``-style pairs: :class:`SegTrainConfig` and
:func:`train_segmentation`.

One loop for every registry model, on hw1-core: bf16/fp16 autocast and channels_last, SGD or
AdamW, per-step warmup + poly/cosine LR, gradient accumulation, an auxiliary-head loss (weight
0.4) for torchvision models built with ``aux_loss``, validation mIoU every epoch (confusion
matrix summed over DDP ranks), and torchrun DDP (rank 0 writes). A run directory holds::

    config.json      the SegTrainConfig
    metrics.jsonl    per epoch: {"split": "train", loss, lr} and {"split": "val", loss, mean_iou,
                     mean_iou_nansafe, pixel_accuracy, iou: {class: IoU}}
    last.pt          everything needed to resume exactly (optimizer, scheduler, scaler)
    best.pt          the epoch with the best validation mIoU
    stage_early.pt   after the first epoch; stage_middle.pt the middle epoch; stage_final.pt the last

Every random draw of an epoch is seeded: the shuffle order from ``(seed, epoch)`` (one permutation
sharded over the ranks), each pair's augmentation from ``(seed, epoch, index)``, dropout from
``(seed, epoch, rank)``. So ``--resume`` continues bit-for-bit where an interrupted run stopped, and a
torchrun run sees the same global batches and augmentations as one process with the whole batch.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset

from hw1.core import (
    DistributedContext,
    Hw1CheckpointError,
    Hw1DataError,
    Hw1Error,
    all_reduce_sum,
    autocast,
    barrier,
    broadcast_buffers,
    make_generator,
    prepare_model,
    progress,
    reduce_metrics,
    seed_everything,
    seed_worker,
    to_device_batch,
)
from hw1.core.run import (
    CheckpointWriter,
    LossMeter,
    RunFolder,
    TrainingState,
    build_optimizer,
    distribute,
    distributed_run,
    epoch_seed,
    open_run_folder,
    seed_epoch,
    training_precision,
)
from hw1.segmentation.checkpoint import model_checkpoint, model_spec, read_segmentation_checkpoint
from hw1.segmentation.config import OPTIMIZER_CHOICES, SegTrainConfig
from hw1.segmentation.inference import predict_logits
from hw1.segmentation.losses import build_loss
from hw1.segmentation.metrics import ConfusionMatrix
from hw1.segmentation.models import create_model
from hw1.segmentation.palette import CLASS_NAMES, NUM_CLASSES
from hw1.segmentation.stages import STAGES, stage_checkpoint_name, stage_epochs

if TYPE_CHECKING:
    from hw1.segmentation.device_pipeline import DeviceSegBatches

#: Weight of the auxiliary head's loss (torchvision DeepLabV3/FCN with aux_loss), as in torchvision's reference.
AUX_LOSS_WEIGHT = 0.4


def _check_config(c: SegTrainConfig) -> None:
    if c.epochs < 1 or c.batch_size < 1 or c.accumulate < 1:
        raise Hw1Error("epochs, batch size and accumulate must be at least 1")
    if c.optimizer.lower() not in OPTIMIZER_CHOICES:
        raise Hw1Error(f"unknown optimizer {c.optimizer!r}: use one of {', '.join(OPTIMIZER_CHOICES)}")
    if c.lr <= 0:
        raise Hw1Error(f"learning rate must be positive, got {c.lr}")
    for name, size in (("image size", c.image_size), ("crop size", c.crop_size)):
        if size is not None and size < 8:
            raise Hw1Error(f"{name} {size} is too small: use at least 8 px")


def _split_dir(root: Path, names: tuple[str, ...]) -> Path:
    for name in names:
        if (root / name).is_dir():
            return root / name
    raise Hw1DataError(f"{root}: no {' or '.join(n + '/' for n in names)} folder; pass --data-dir pointing at p2_data")


def _limit(ds: Dataset, n: int | None) -> Dataset:
    return ds if n is None or n >= len(ds) else Subset(ds, range(n))  # type: ignore[arg-type]


def _datasets(c: SegTrainConfig) -> tuple[Dataset, Dataset, dict[str, list[float]]]:
    from hw1.segmentation.dataset import IMAGENET_NORMALIZATION, SegmentationPairs
    from hw1.segmentation.transforms import build_eval_transform, build_train_transform

    root = Path(c.data_dir)
    if not root.is_dir():
        raise Hw1DataError(
            f"{root}: data folder not found; pass --data-dir (the folder holding train/ and validation/)"
        )
    norm = {k: list(v) for k, v in IMAGENET_NORMALIZATION.items()}
    train = SegmentationPairs(
        _split_dir(root, ("train",)), transform=build_train_transform(c.crop_size, norm, resize=c.image_size)
    )
    val = SegmentationPairs(_split_dir(root, ("validation", "val")), transform=build_eval_transform(norm))
    return _limit(train, c.max_train), _limit(val, c.max_val), norm


def _loader(ds: Dataset, c: SegTrainConfig, ctx: DistributedContext, *, train: bool, epoch: int) -> DataLoader:
    n = len(ds)  # type: ignore[arg-type]
    gen = make_generator(seed_epoch(c.seed, epoch, ctx.rank) if train else c.seed)
    if train:
        # One permutation per epoch seeded by (seed, epoch), sharded over the ranks; a single process
        # is the one-replica case. Step k of a 2-process run therefore sees exactly the global batch
        # of step k of one process with twice the batch size.
        sampler = torch.utils.data.DistributedSampler(
            ds, num_replicas=ctx.world_size, rank=ctx.rank, shuffle=True, seed=c.seed, drop_last=True
        )
        sampler.set_epoch(epoch)
        # Each pair's augmentation is drawn from (seed, epoch, index) alone, not from the rank's or
        # worker's stream: the same with any number of processes or workers, and on resume.
        pairs = ds.dataset if isinstance(ds, Subset) else ds  # _limit's Subset
        if hasattr(pairs, "sample_seed"):
            pairs.sample_seed = epoch_seed(c.seed, epoch)
        # A last batch of one image breaks BatchNorm in pooled heads (ASPP); drop it when possible.
        drop_last = n // ctx.world_size > c.batch_size
    else:
        # Each rank scores a disjoint shard, nothing padded or repeated: summed counts are exact.
        sampler = list(range(ctx.rank, n, ctx.world_size))  # type: ignore[assignment]
        drop_last = False
    return DataLoader(
        ds,
        batch_size=c.batch_size,
        sampler=sampler,
        num_workers=c.num_workers,
        drop_last=drop_last,
        pin_memory=ctx.device.type == "cuda",
        worker_init_fn=seed_worker,
        generator=gen,
    )


def _model_kwargs(c: SegTrainConfig) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"num_classes": NUM_CLASSES, **c.model_kwargs}
    if c.aux_loss:
        kwargs["aux_loss"] = True
    return kwargs


def train_segmentation(config: SegTrainConfig) -> dict[str, Any]:
    """Train ``config.model`` on ``config.data_dir`` and write the run directory (see the module
    docstring). Returns ``{"run_dir", "epoch", "step", "seconds", "metrics", "rank", "best_mean_iou",
    "best_epoch", "last_mean_iou", "epochs_run", "history": [{"epoch", "train_loss", "val_loss", "mean_iou",
    "mean_iou_nansafe"}, …]}``. Under torchrun every process calls it; only rank 0 writes files."""
    _check_config(config)
    folder = open_run_folder(config.out_dir, resume=config.resume)
    with distributed_run(config.device) as ctx:
        return _train(config, ctx, folder)


def _train(c: SegTrainConfig, ctx: DistributedContext, folder: RunFolder) -> dict[str, Any]:
    run_dir, last_path = folder.path, folder.last
    resume_ckpt = None
    if folder.resuming:
        resume_ckpt = read_segmentation_checkpoint(last_path)
        spec = model_spec(c.model, _model_kwargs(c))
        if resume_ckpt["model"] != spec:
            raise Hw1CheckpointError(
                f"{last_path}: was trained as {resume_ckpt['model']}, not {spec}; "
                "resume with the same --model and model options"
            )

    seed_everything(c.seed, deterministic=c.deterministic)
    device = ctx.device
    train_ds, val_ds, norm = _datasets(c)
    n_train, n_val = len(train_ds), len(val_ds)  # type: ignore[arg-type]
    if n_train < ctx.world_size or n_val == 0:
        raise Hw1DataError(f"{c.data_dir}: too few pairs to train ({n_train} train, {n_val} validation)")

    weights = None if resume_ckpt is not None else c.weights  # resumed weights come from last.pt
    model = create_model(c.model, weights=weights, **_model_kwargs(c))
    has_aux = bool(getattr(model, "has_aux", False))
    model = prepare_model(model, device, channels_last=c.channels_last)

    def size() -> tuple[int, int]:  # one decoded pair: the size a training batch has
        return tuple(train_ds[0][0].shape[-2:])  # type: ignore[return-value]

    key, run_steps = ("seg", c.model, repr(sorted(c.model_kwargs.items()))), c.epochs * max(1, n_train // c.batch_size)
    precision = training_precision(c, model, device, resume_ckpt, key=key, size=size, run_steps=run_steps)

    from hw1.segmentation.device_pipeline import build_device_seg_batches

    device_train = build_device_seg_batches(_split_dir(Path(c.data_dir), ("train",)), c, ctx, norm)
    batches = len(device_train) if device_train is not None else len(_loader(train_ds, c, ctx, train=True, epoch=1))
    if batches == 0:
        raise Hw1DataError(f"{c.data_dir}: no full training batch (batch size {c.batch_size}); lower --batch-size")
    steps_per_epoch = math.ceil(batches / c.accumulate)
    optimizer = build_optimizer(model, c.optimizer, lr=c.lr, weight_decay=c.weight_decay, momentum=c.momentum)
    loss_fn = build_loss(c.loss, c.class_weights, c.ignore_unknown, focal_gamma=c.focal_gamma).to(device)
    state = TrainingState.create(optimizer, c, steps_per_epoch, device, precision, schedule=c.schedule)
    done, step = state.restore(resume_ckpt, model)
    net = distribute(model, ctx, sync_batchnorm=c.sync_batchnorm, compile=c.compile)
    logger = folder.start(c, done, enabled=ctx.is_main)
    start_epoch = done + 1
    resumed = resume_ckpt or {}  # a last.pt written before 0.4 names its best score best_miou
    best_mean_iou = float(resumed.get("best_mean_iou_nansafe", resumed.get("best_miou", -1.0)))
    best_epoch = int(resumed.get("best_epoch", 0))

    stages = stage_epochs(c.epochs)
    history: list[dict[str, Any]] = []
    last_mean_iou = float("nan")
    record: dict[str, Any] = {}
    end_epoch = min(c.epochs, c.stop_after_epoch) if c.stop_after_epoch else c.epochs
    writer = CheckpointWriter()
    for epoch in range(start_epoch, end_epoch + 1):
        net.train()
        train_batches = (
            device_train.epoch(epoch)
            if device_train is not None
            else _loader(train_ds, c, ctx, train=True, epoch=epoch)
        )
        train_loss, step = _train_epoch(net, loss_fn, state, train_batches, c, ctx, epoch, step, precision, has_aux)
        logger.log(epoch=epoch, step=step, split="train", loss=train_loss, lr=optimizer.param_groups[0]["lr"])
        broadcast_buffers(model)  # every rank scores with rank 0's BatchNorm statistics
        val = _validate(model, loss_fn, _loader(val_ds, c, ctx, train=False, epoch=epoch), c, ctx, precision)
        last_mean_iou = val["mean_iou_nansafe"]
        record = logger.log(epoch=epoch, step=step, split="val", **val)
        improved = last_mean_iou > best_mean_iou
        if improved:
            best_mean_iou, best_epoch = last_mean_iou, epoch
        history.append(
            {
                "epoch": epoch,
                "train_loss": train_loss,
                "val_loss": val["loss"],
                "mean_iou": val["mean_iou"],
                "mean_iou_nansafe": last_mean_iou,
            }
        )
        if ctx.is_main:
            payload = model_checkpoint(
                model,
                c.model,
                _model_kwargs(c),
                normalization=norm,
                image_size=c.image_size,
                epoch=epoch,
                step=step,
                mean_iou_nansafe=last_mean_iou,
                config=asdict(c),
            )
            resume_state = {
                **state.state_dict(),
                "best_mean_iou_nansafe": best_mean_iou,
                "best_epoch": best_epoch,
                "precision": precision,
            }
            files = [(payload, run_dir / "best.pt")] if improved else []
            files += [
                ({**payload, "stage": s}, run_dir / stage_checkpoint_name(s)) for s in STAGES if stages[s] == epoch
            ]
            files.append(({**payload, **resume_state}, last_path))
            writer.save_each(files)  # written while the next epoch trains
        barrier()
    writer.wait()
    return folder.result(
        epoch=end_epoch if history else start_epoch - 1,
        step=step,
        metrics=record,
        rank=ctx.rank,
        best_mean_iou=best_mean_iou,
        best_epoch=best_epoch,
        last_mean_iou=last_mean_iou,
        epochs_run=len(history),
        history=history,
    )


def _train_epoch(
    net: nn.Module,
    loss_fn: nn.Module,
    state: TrainingState,
    loader: DataLoader | DeviceSegBatches,
    c: SegTrainConfig,
    ctx: DistributedContext,
    epoch: int,
    step: int,
    precision: str,
    has_aux: bool,
) -> tuple[float, int]:
    device = ctx.device
    meter = LossMeter(device, epoch=epoch)
    n = len(loader)
    state.optimizer.zero_grad(set_to_none=True)
    bar = progress(loader, desc=f"epoch {epoch}/{c.epochs}", total=n, unit="batch")
    for i, (images, masks, _ids) in enumerate(bar):
        images = to_device_batch(images, device, c.channels_last)
        masks = masks.to(device, non_blocking=True).long()
        boundary = (i + 1) % c.accumulate == 0 or i + 1 == n
        sync = ctx.is_distributed and not boundary and hasattr(net, "no_sync")
        with net.no_sync() if sync else contextlib.nullcontext():  # type: ignore[operator]
            with autocast(device, precision):
                if has_aux:
                    logits, aux = net(images, return_aux=True)
                    loss = loss_fn(logits, masks) + AUX_LOSS_WEIGHT * loss_fn(aux, masks)
                else:
                    loss = loss_fn(net(images), masks)
            state.backward(loss / c.accumulate)
        if boundary:
            state.step(c.grad_clip, net.parameters())
            step += 1
        running = meter.add(loss, weight=images.shape[0])
        if running is not None:
            bar.set_postfix(loss=f"{running:.4f}", refresh=False)
    stats = reduce_metrics({"loss": meter.mean()}, device=device)
    return stats["loss"], step


@torch.no_grad()
def _validate(
    model: nn.Module, loss_fn: nn.Module, loader: DataLoader, c: SegTrainConfig, ctx: DistributedContext, precision: str
) -> dict[str, Any]:
    """Validation loss and the official confusion-matrix metrics over the whole split (all ranks)."""
    device = ctx.device
    model.eval()
    cm = ConfusionMatrix(NUM_CLASSES, device=device)
    loss_sum = torch.zeros(2, dtype=torch.float64, device=device)
    for images, masks, _ids in progress(loader, desc="validate", unit="batch"):
        images = images.to(device, non_blocking=True)
        masks = masks.to(device, non_blocking=True).long()
        logits = predict_logits(model, images, size=c.image_size, precision=precision, channels_last=c.channels_last)
        loss_sum[0] += loss_fn(logits, masks).detach() * images.shape[0]
        loss_sum[1] += images.shape[0]
        cm.update(logits.argmax(1), masks)
    cm.all_reduce()
    all_reduce_sum(loss_sum)
    r = cm.result()
    return {
        "loss": float(loss_sum[0] / loss_sum[1].clamp_min(1)),
        "mean_iou": r.mean_iou,
        "mean_iou_nansafe": r.mean_iou_nansafe,
        "pixel_accuracy": r.pixel_accuracy,
        "iou": dict(zip(CLASS_NAMES, r.per_class_iou, strict=True)),
    }
