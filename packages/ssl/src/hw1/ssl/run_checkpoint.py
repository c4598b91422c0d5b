"""The pre-training run checkpoint, format ``hw1-ssl/1``.

A dict loadable with ``torch.load(..., weights_only=True)``::

    format        "hw1-ssl/1"
    model         {"method": "byol", "backbone": "resnet50", "method_kwargs": {...}, "num_features": 2048}
    state_dict    the whole method (online backbone under "backbone.", heads, EMA target, queue …)
    normalization {"mean": [...], "std": [...]}   (ImageNet statistics used for every view)
    optimizer, scheduler, scaler   state_dicts for resuming
    epoch         completed epochs;   step   completed optimizer steps
    config        dataclasses.asdict(PretrainConfig)
    metrics       the last epoch's logged values
"""

from __future__ import annotations

import os
from typing import Any

from hw1.core.checkpoint import load_format_checkpoint
from hw1.core.errors import Hw1CheckpointError

CHECKPOINT_FORMAT = "hw1-ssl/1"
REQUIRED_KEYS = ("model", "state_dict", "epoch", "step", "config")


def read_run_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load and check an ``hw1-ssl/1`` checkpoint; :class:`Hw1CheckpointError` when the file is
    not one (e.g. a plain backbone file, which needs no export)."""
    fix = "pass last.pt or epoch_NNNN.pt from an 'hw1 ssl pretrain' run"
    ckpt = load_format_checkpoint(path, CHECKPOINT_FORMAT, "an hw1-ssl pre-training checkpoint", fix)
    missing = [k for k in REQUIRED_KEYS if k not in ckpt]
    if missing:
        raise Hw1CheckpointError(f"{path}: checkpoint lacks {', '.join(missing)}; it is damaged, use another one")
    return ckpt
