"""Configuration of one classification training run (``hw1 cls train``)."""

from __future__ import annotations

from dataclasses import dataclass

from hw1.core.run_options import RunOptions

#: Values of ``head`` and ``augment`` (checked by the head and the transforms that use them).
HEAD_KINDS = ("mlp", "linear")
AUGMENTATIONS = ("none", "flip", "standard", "strong")


@dataclass
class FinetuneConfig(RunOptions):
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
    optimizer: str = "adamw"
    """adamw or sgd."""
    lr: float = 1e-3
    """Peak learning rate of the head (after warmup)."""
    backbone_lr_scale: float = 0.1
    """Backbone learning rate as a fraction of lr (fine-tuning)."""
    warmup_epochs: float = 1.0
    schedule: str = "cosine"
    """LR schedule after warmup: cosine, poly or constant."""
    min_lr_ratio: float = 0.01
    """Final learning rate as a fraction of the peak."""
    label_smoothing: float = 0.1
    """Label smoothing of the cross-entropy loss."""
    cache_features: bool = False
    """Frozen backbone only: one backbone pass without augmentation, then head epochs on cached features."""
    save_features: bool = True
    """Write features_first.npz / features_last.npz (second-last layer, train set) for t-SNE."""
