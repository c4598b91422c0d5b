"""``RunOptions``: the settings every training run shares (``PretrainConfig``, ``FinetuneConfig`` and
``SegTrainConfig`` inherit them). Torch-free, so that a command's ``--help`` can read them; the CLI
takes each option's help from the attribute docstring. A config whose default differs redeclares
only that field (it keeps its place and this docstring)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RunOptions:
    """Device, precision, seed, resume, input pipeline and optimizer basics of a training run."""

    epochs: int = 30
    """Training epochs."""
    batch_size: int = 64
    """Per process; the global batch is batch_size × processes."""
    num_workers: int = 0
    """DataLoader worker processes."""
    lr: float = 1e-3
    """Peak learning rate (after warmup)."""
    weight_decay: float = 1e-4
    """Weight decay (biases and norm weights excluded)."""
    momentum: float = 0.9
    """SGD momentum."""
    warmup_epochs: float = 0.0
    """Linear LR warmup, in epochs (fractions allowed)."""
    device: str = "auto"
    """auto (cuda when present, else cpu), cpu, cuda or cuda:N."""
    precision: str = "auto"
    """auto (bf16 on Ampere+ GPUs, fp16 on older ones; on a CPU with native bf16 the faster of fp32/bf16 for this
    model and input size, by a short timed probe; else fp32), fp32, bf16 or fp16."""
    channels_last: bool = True
    """Run convolutions in channels-last memory format (faster on GPUs)."""
    seed: int = 0
    """Seed of initialisation, augmentation and data order."""
    resume: bool = False
    """Continue the run in out_dir from last.pt (same step, LR, optimizer state)."""
    data_pipeline: str = "auto"
    """Training input from images: ``device`` (the training set decoded once into the image store, batches
    augmented on the training device with kornia), ``workers`` (DataLoader workers that decode and augment
    each sample on the CPU), or ``auto``: ``device`` when the decoded set fits min(8 GiB, 25% of RAM), or 25%
    of free GPU memory on CUDA, else ``workers``."""
    cache_dir: str | None = None
    """Folder of decoded-image stores (default ``$HW1_CACHE_DIR/images`` or ``~/.cache/hw1/images``)."""
