"""``SegTrainConfig``: every option of ``hw1 seg train`` (one field per command-line option), stored in
every checkpoint; torch-free so that ``hw1 seg train --help`` imports no torch. The loop is
:func:`hw1.segmentation.train.train_segmentation`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OPTIMIZER_CHOICES = ("sgd", "adamw")
LOSS_CHOICES = ("ce", "focal", "dice", "ce+dice", "focal+dice")


@dataclass
class SegTrainConfig:
    """Options of ``hw1 seg train`` (one field per command-line option)."""

    data_dir: str = "hw1_data/p2_data"
    """Folder with ``train/`` and ``validation/`` (or ``val/``) holding xxxx_sat.jpg + xxxx_mask.png pairs."""
    out_dir: str = "runs/seg"
    """Run folder: best.pt, last.pt, stage_*.pt, metrics.jsonl, config.json."""
    model: str = "fcn32s"
    """Registry name ('hw1 seg models'), e.g. fcn32s, deeplabv3_resnet101, smp:Unet:resnet34."""
    weights: str = "none"
    """none | imagenet | coco (torchvision models) | a weights file path (see create_model)."""
    model_kwargs: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments of the model (e.g. width=0.25, encoder_depth=4), checked against its signature."""
    aux_loss: bool = False
    """torchvision DeepLabV3/FCN: train the auxiliary head too (loss weight 0.4)."""
    loss: str = "ce"
    """ce, focal, dice, ce+dice or focal+dice."""
    class_weights: list[float] | None = None
    """7 class weights for ce/focal (comma-separated on the command line)."""
    ignore_unknown: bool = False
    """Leave Unknown (class 6) pixels out of the loss."""
    focal_gamma: float = 2.0
    """Focusing parameter of the focal loss."""
    optimizer: str = "sgd"
    """sgd or adamw."""
    lr: float = 0.01
    """Peak learning rate (after warmup)."""
    momentum: float = 0.9
    """SGD momentum."""
    weight_decay: float = 1e-4
    """Weight decay (biases and norm weights excluded)."""
    schedule: str = "poly"
    """LR schedule after warmup: poly, cosine or constant."""
    warmup_epochs: float = 0.0
    """Linear LR warmup, in epochs (fractions allowed)."""
    epochs: int = 30
    """Training epochs (stage checkpoints at 1, half-way and the last)."""
    batch_size: int = 8
    """Per process; the global batch is batch_size × processes."""
    accumulate: int = 1
    """Gradient accumulation: micro-batches per optimizer step."""
    grad_clip: float | None = None
    """Clip the gradient norm to this value (None: no clipping)."""
    image_size: int | None = None
    """Resize training images to this square size (small/fast runs); validation and prediction resize
    to it and the logits back to the full size. None: native size."""
    crop_size: int | None = None
    """Random scale-and-crop to this square size after the resize (augmentation; None: no crop)."""
    max_train: int | None = None
    """Use only the first N training pairs."""
    max_val: int | None = None
    """Use only the first N validation pairs."""
    num_workers: int = 2
    """DataLoader worker processes."""
    device: str = "auto"
    """auto (cuda when present, else cpu), cpu, cuda or cuda:N."""
    precision: str = "auto"
    """auto (bf16 on Ampere+ GPUs, fp16 on older ones; on a CPU with native bf16 the faster of fp32/bf16 for this
    model and input size, by a short timed probe; else fp32), fp32, bf16 or fp16."""
    channels_last: bool = True
    """Run convolutions in channels-last memory format (faster on GPUs)."""
    compile: bool = False
    """torch.compile the model."""
    sync_batchnorm: bool = True
    """Convert BatchNorm to SyncBatchNorm under DDP on CUDA."""
    seed: int = 0
    """Seed of initialisation, augmentation and data order."""
    deterministic: bool = False
    """Deterministic kernels (slower; same result on every run of the same machine)."""
    resume: bool = False
    """Continue the run in out_dir from last.pt (same step, LR, optimizer state)."""
    stop_after_epoch: int | None = None
    """End this invocation after that epoch (the schedule still spans ``epochs``); continue with --resume."""
    data_pipeline: str = "auto"
    """Training input: ``device`` (pairs decoded once into the image store, batches augmented on the
    training device with kornia), ``workers`` (DataLoader workers with albumentations), or ``auto``:
    ``device`` when the decoded pairs fit min(8 GiB, 25% of RAM), or 25% of free GPU memory on CUDA."""
    cache_dir: str | None = None
    """Folder of decoded-image stores (default ``$HW1_CACHE_DIR/images`` or ``~/.cache/hw1/images``)."""
