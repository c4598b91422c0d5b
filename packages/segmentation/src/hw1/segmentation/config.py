"""``SegTrainConfig``: every option of ``hw1 seg train`` (one field per command-line option), stored in
every checkpoint; torch-free so that ``hw1 seg train --help`` imports no torch. The loop is
:func:`hw1.segmentation.train.train_segmentation`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hw1.core.run_options import RunOptions

OPTIMIZER_CHOICES = ("sgd", "adamw")
LOSS_CHOICES = ("ce", "focal", "dice", "ce+dice", "focal+dice")


@dataclass
class SegTrainConfig(RunOptions):
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
    schedule: str = "poly"
    """LR schedule after warmup: poly, cosine or constant."""
    epochs: int = 30
    """Training epochs (stage checkpoints at 1, half-way and the last)."""
    batch_size: int = 8
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
    compile: bool = False
    """torch.compile the model."""
    sync_batchnorm: bool = True
    """Convert BatchNorm to SyncBatchNorm under DDP on CUDA."""
    deterministic: bool = False
    """Deterministic kernels (slower; same result on every run of the same machine)."""
    stop_after_epoch: int | None = None
    """End this invocation after that epoch (the schedule still spans ``epochs``); continue with --resume."""
