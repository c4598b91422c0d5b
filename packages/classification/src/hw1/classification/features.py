"""Feature extraction: pooled backbone features (for cached-feature probing) and second-last-layer
features (for the t-SNE figure), written as ``.npz`` (features, labels, filenames)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from hw1.core import autocast, progress, to_device_batch


@torch.no_grad()
def loader_features(
    module: nn.Module,
    loader: DataLoader,
    device: torch.device,
    *,
    precision: str = "fp32",
    channels_last: bool = True,
    desc: str = "features",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``module`` (eval mode) over ``loader`` of ``(images, labels, index)`` batches and return
    ``(features float32 on CPU, labels)`` in loader order, not normalised (pooled backbone features
    for cached-feature probing, second-last-layer features for t-SNE)."""
    was_training = module.training
    module.eval()
    feats, labels = [], []
    for images, y, _ in progress(loader, desc=desc, unit="batch"):
        with autocast(device, precision):
            out = module(to_device_batch(images, device, channels_last))
        feats.append(out.float().cpu())
        labels.append(torch.as_tensor(y))
    module.train(was_training)
    return torch.cat(feats), torch.cat(labels)


def save_features(path: str | os.PathLike[str], features: torch.Tensor, labels, filenames: list[str]) -> Path:
    """Write ``features`` (N×D float32), ``labels`` (N int64) and ``filenames`` (N str) to ``path``."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        p,
        features=features.numpy().astype(np.float32),
        labels=np.asarray(labels, dtype=np.int64),
        filenames=np.asarray(filenames, dtype=str),
    )
    return p
