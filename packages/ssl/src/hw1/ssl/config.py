"""``PretrainConfig``: every setting of a pre-training run. ``hw1 ssl pretrain`` maps its options
onto these fields one to one, and every checkpoint stores them (``dataclasses.asdict``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hw1.core.run_options import RunOptions


@dataclass
class PretrainConfig(RunOptions):
    """Settings of :func:`hw1.ssl.pretrain`. Defaults follow the study (BYOL, ResNet-50, 128 px,
    random init) with an AdamW optimizer, 10-epoch warmup and cosine decay."""

    images: str = ""
    """Folder of unlabeled images, searched recursively."""
    out_dir: str = "ssl_run"
    """Run folder: last.pt, epoch_NNNN.pt, metrics.jsonl, config.json."""
    method: str = "byol"
    """SSL method (see ``list_methods()``)."""
    method_options: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments of the method (head sizes, temperature, momentum_start …)."""
    backbone: str = "resnet50"
    """torchvision ResNet name or ``timm:NAME``."""
    backbone_weights: str | None = None
    """None: random init (the study's rule). ``imagenet`` or a backbone file only when asked."""
    epochs: int = 100
    """Training epochs (the LR and EMA schedules span them)."""
    batch_size: int = 256
    num_workers: int = 4
    image_size: int = 128
    """Square crop size of the two views in pixels."""
    min_scale: float | None = None
    """Random-resized-crop minimum area (None: the method paper's value)."""
    color_jitter_strength: float | None = None
    """Multiplier of the colour-jitter strengths (None: the paper's value)."""
    optimizer: str = "adamw"
    """adam, adamw, lars or sgd."""
    weight_decay: float = 1e-6
    momentum: float = 0.9
    """SGD/LARS momentum (not the EMA momentum of the target network)."""
    warmup_epochs: float = 10.0
    min_lr_ratio: float = 0.0
    """Final learning rate as a fraction of the peak (cosine decay)."""
    compile: bool = False
    """torch.compile the model."""
    sync_batchnorm: bool = False
    """Convert BatchNorm to SyncBatchNorm under DDP."""
    deterministic: bool = False
    """Deterministic kernels (slower; same result on every run of the same machine)."""
    save_every: int = 0
    """Also keep epoch_NNNN.pt every N epochs (0: only last.pt)."""
    verify_images: bool = True
    """Decode every image once at start-up and skip the unreadable ones."""
    knn_train_csv: str | None = None
    """kNN monitor bank: a labeled CSV id,filename,label (e.g. office/train.csv)."""
    knn_val_csv: str | None = None
    """kNN monitor queries: a labeled CSV id,filename,label (e.g. office/val.csv)."""
    knn_train_images: str | None = None
    """Images of knn_train_csv (CLI default: the folder named after the CSV, else the CSV's folder)."""
    knn_val_images: str | None = None
    """Images of knn_val_csv (CLI default: the folder named after the CSV, else the CSV's folder)."""
    knn_every: int = 1
    """Run the kNN monitor every N epochs (and after the last epoch)."""
    knn_k: int = 20
    """Neighbours of the kNN monitor."""
    knn_temperature: float = 0.1
    """Temperature of the kNN monitor's similarity weighting."""
