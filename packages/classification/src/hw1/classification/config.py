"""Configuration of one classification training run (``hw1 cls train``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FinetuneConfig:
    """Every option of ``hw1 cls train``; stored in each checkpoint (``dataclasses.asdict``).

    Either ``setting`` (A–E: picks ``init`` from ``supervised_backbone``/``ssl_backbone`` and the
    frozen flag) or ``init`` (``random`` or a backbone file) with ``freeze_backbone``.
    """

    train_csv: str = ""
    train_images: str = ""
    val_csv: str = ""
    val_images: str = ""
    out_dir: str = "runs/cls"
    setting: str | None = None
    init: str | None = None
    freeze_backbone: bool = False
    backbone: str = "resnet50"
    supervised_backbone: str | None = None
    ssl_backbone: str | None = None
    num_classes: int = 65
    head: str = "mlp"
    head_hidden: int = 512
    head_dropout: float = 0.3
    image_size: int = 128
    augment: str = "standard"
    epochs: int = 30
    batch_size: int = 64
    optimizer: str = "adamw"
    lr: float = 1e-3
    backbone_lr_scale: float = 0.1
    weight_decay: float = 1e-4
    momentum: float = 0.9
    warmup_epochs: float = 1.0
    schedule: str = "cosine"
    min_lr_ratio: float = 0.01
    label_smoothing: float = 0.1
    precision: str = "auto"
    device: str = "auto"
    channels_last: bool = True
    num_workers: int = 0
    seed: int = 0
    resume: bool = False
    cache_features: bool = False
    save_features: bool = True
