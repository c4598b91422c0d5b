"""Configuration of one classification training run (``hw1 cls train``)."""

from __future__ import annotations

from dataclasses import dataclass

#: Values of ``head`` and ``augment`` (checked by the head and the transforms that use them).
HEAD_KINDS = ("mlp", "linear")
AUGMENTATIONS = ("none", "flip", "standard", "strong")


@dataclass
class FinetuneConfig:
    """Every option of ``hw1 cls train``; stored in each checkpoint (``dataclasses.asdict``).

    Either ``setting`` (A–E: picks ``init`` from ``supervised_backbone``/``ssl_backbone`` and the
    frozen flag) or ``init`` (``random`` or a backbone file) with ``freeze_backbone``.
    """

    train_csv: str = ""
    """Labeled training CSV id,filename,label (Office-Home train.csv)."""
    train_images: str = ""
    """Images of train_csv (CLI default: the folder named after the CSV, e.g. train/, else the CSV's folder)."""
    val_csv: str = ""
    """Labeled validation CSV id,filename,label (Office-Home val.csv)."""
    val_images: str = ""
    """Images of val_csv (CLI default: the folder named after the CSV, e.g. val/, else the CSV's folder)."""
    out_dir: str = "runs/cls"
    """Run folder: best.pt, last.pt, metrics.jsonl, config.json, features_*.npz."""
    setting: str | None = None
    """Study setting A-E (picks init and freezing); instead of init/freeze_backbone."""
    init: str | None = None
    """Backbone initialisation: random or a backbone file (instead of setting)."""
    freeze_backbone: bool = False
    """Train the head only (linear probe of a frozen backbone)."""
    backbone: str = "resnet50"
    """resnet50, resnet18 … or timm:NAME."""
    supervised_backbone: str | None = None
    """Backbone file of settings B/D (pretrain_model_SL.pt)."""
    ssl_backbone: str | None = None
    """Backbone file of settings C/E ('hw1 ssl export')."""
    num_classes: int = 65
    """Classes of the labeled set (65 for Office-Home)."""
    head: str = "mlp"
    """Classifier head: mlp (one hidden layer) or linear."""
    head_hidden: int = 512
    """Hidden width of the mlp head."""
    head_dropout: float = 0.3
    """Dropout before the head's last layer."""
    image_size: int = 128
    """Square input size in pixels."""
    augment: str = "standard"
    """Training augmentation: none, flip, standard or strong."""
    epochs: int = 30
    """Training epochs."""
    batch_size: int = 64
    """Per process; the global batch is batch_size × processes."""
    optimizer: str = "adamw"
    """adamw or sgd."""
    lr: float = 1e-3
    """Peak learning rate of the head (after warmup)."""
    backbone_lr_scale: float = 0.1
    """Backbone learning rate as a fraction of lr (fine-tuning)."""
    weight_decay: float = 1e-4
    """Weight decay (biases and norm weights excluded)."""
    momentum: float = 0.9
    """SGD momentum."""
    warmup_epochs: float = 1.0
    """Linear LR warmup, in epochs (fractions allowed)."""
    schedule: str = "cosine"
    """LR schedule after warmup: cosine, poly or constant."""
    min_lr_ratio: float = 0.01
    """Final learning rate as a fraction of the peak."""
    label_smoothing: float = 0.1
    """Label smoothing of the cross-entropy loss."""
    precision: str = "auto"
    """auto (bf16 on Ampere+ GPUs, fp16 on older ones; on a CPU with native bf16 the faster of fp32/bf16 for this
    model and input size, by a short timed probe; else fp32), fp32, bf16 or fp16."""
    device: str = "auto"
    """auto (cuda when present, else cpu), cpu, cuda or cuda:N."""
    channels_last: bool = True
    """Run convolutions in channels-last memory format (faster on GPUs)."""
    num_workers: int = 0
    """DataLoader worker processes."""
    seed: int = 0
    """Seed of initialisation, augmentation and data order."""
    resume: bool = False
    """Continue from OUT_DIR/last.pt."""
    cache_features: bool = False
    """Frozen backbone only: one backbone pass without augmentation, then head epochs on cached features."""
    save_features: bool = True
    """Write features_first.npz / features_last.npz (second-last layer, train set) for t-SNE."""
    data_pipeline: str = "auto"
    """Training input when fine-tuning from images: ``device`` (training images decoded once into the
    image store, batches augmented on the training device with kornia), ``workers`` (DataLoader
    workers with torchvision transforms), or ``auto``: ``device`` when the decoded images fit
    min(8 GiB, 25% of RAM), or 25% of free GPU memory on CUDA."""
    cache_dir: str | None = None
    """Folder of decoded-image stores (default ``$HW1_CACHE_DIR/images`` or ``~/.cache/hw1/images``)."""
