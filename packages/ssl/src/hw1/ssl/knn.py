"""The online kNN monitor: top-1 accuracy of a weighted k-nearest-neighbour classifier on
backbone features (k=20, cosine similarity, temperature 0.1 — Wu et al. 2018, as in lightly's
``knn_predict``). It needs no training, so it can run every few epochs of pre-training.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from lightly.utils.benchmarking import knn_predict
from torch import nn
from torch.utils.data import DataLoader, Dataset

from hw1.core.device import to_device_batch
from hw1.core.images import open_image
from hw1.core.precision import autocast
from hw1.ssl.augmentations import build_eval_transform
from hw1.ssl.labeled_csv import LabeledImages, read_labeled_csv


class _LabeledImageDataset(Dataset):
    def __init__(self, paths: Sequence[Path], labels: Sequence[int], image_size: int) -> None:
        self.paths, self.labels = list(paths), list(labels)
        self.transform = build_eval_transform(image_size)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return self.transform(open_image(self.paths[i])), self.labels[i]


@torch.no_grad()
def normalized_image_features(
    backbone: nn.Module,
    paths: Sequence[Path],
    labels: Sequence[int],
    *,
    image_size: int = 128,
    batch_size: int = 256,
    num_workers: int = 0,
    device: torch.device | None = None,
    precision: str = "fp32",
    channels_last: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """L2-normalised features (N, D) and labels (N,) of the image files ``paths`` (the kNN
    monitor's bank and queries), with ``backbone`` in eval mode (its train/eval state is restored
    afterwards). For features of a DataLoader's batches see hw1-classification's ``loader_features``."""
    device = device or next(backbone.parameters()).device
    loader = DataLoader(
        _LabeledImageDataset(paths, labels, image_size), batch_size=batch_size, num_workers=num_workers, shuffle=False
    )
    was_training = backbone.training
    backbone.eval()
    feats, labs = [], []
    try:
        for x, y in loader:
            with autocast(device, precision):
                f = backbone(to_device_batch(x, device, channels_last)).flatten(1)
            feats.append(F.normalize(f.float(), dim=1).cpu())
            labs.append(y)
    finally:
        backbone.train(was_training)
    return torch.cat(feats), torch.cat(labs).long()


def knn_accuracy(
    train_features: torch.Tensor,
    train_labels: torch.Tensor,
    val_features: torch.Tensor,
    val_labels: torch.Tensor,
    *,
    k: int = 20,
    temperature: float = 0.1,
    num_classes: int | None = None,
    chunk_size: int = 1024,
) -> float:
    """Top-1 accuracy of the temperature-weighted kNN classifier (cosine similarity on the
    L2-normalised features, ``k`` neighbours, capped at the bank size)."""
    train_features = F.normalize(train_features.float(), dim=1)
    val_features = F.normalize(val_features.float(), dim=1)
    n_cls = int(num_classes or int(max(train_labels.max(), val_labels.max())) + 1)
    k = max(1, min(k, train_features.shape[0]))
    bank = train_features.t().contiguous()
    correct = 0
    for start in range(0, val_features.shape[0], chunk_size):
        chunk = val_features[start : start + chunk_size]
        pred = knn_predict(chunk, bank, train_labels, num_classes=n_cls, knn_k=k, knn_t=temperature)[:, 0]
        correct += int((pred == val_labels[start : start + chunk_size]).sum())
    return correct / max(1, val_features.shape[0])


@dataclass
class KnnMonitor:
    """Train (bank) and validation images for the kNN monitor, read from two labeled CSVs."""

    train: LabeledImages
    val: LabeledImages
    image_size: int = 128
    k: int = 20
    temperature: float = 0.1
    batch_size: int = 256
    num_workers: int = 0

    @classmethod
    def from_csv(
        cls,
        train_csv: str | os.PathLike[str],
        val_csv: str | os.PathLike[str],
        train_images: str | os.PathLike[str] | None = None,
        val_images: str | os.PathLike[str] | None = None,
        **kwargs: int | float,
    ) -> KnnMonitor:
        """Read both CSVs (the validation CSV uses the training CSV's class numbering)."""
        train = read_labeled_csv(train_csv, train_images)
        val = read_labeled_csv(val_csv, val_images, classes=train.classes)
        return cls(train=train, val=val, **kwargs)  # type: ignore[arg-type]

    def evaluate(
        self,
        backbone: nn.Module,
        *,
        device: torch.device | None = None,
        precision: str = "fp32",
        channels_last: bool = False,
    ) -> float:
        """kNN top-1 accuracy of ``backbone`` on the validation images."""
        common = dict(
            image_size=self.image_size,
            batch_size=self.batch_size,
            num_workers=self.num_workers,
            device=device,
            precision=precision,
            channels_last=channels_last,
        )
        ftr, ltr = normalized_image_features(backbone, self.train.paths, self.train.labels, **common)  # type: ignore[arg-type]
        fva, lva = normalized_image_features(backbone, self.val.paths, self.val.labels, **common)  # type: ignore[arg-type]
        return knn_accuracy(
            ftr, ltr, fva, lva, k=self.k, temperature=self.temperature, num_classes=len(self.train.classes)
        )
