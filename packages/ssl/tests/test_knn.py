"""kNN accuracy helper and the CSV-driven monitor."""

from __future__ import annotations

import torch
from torch import nn

from hw1.ssl import KnnMonitor, knn_accuracy


def test_separable_features_are_classified_perfectly_and_noise_is_near_chance():
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(4, 16, generator=g) * 5
    ytr, yva = torch.arange(200) % 4, torch.arange(100) % 4
    ftr = centres[ytr] + 0.1 * torch.randn(200, 16, generator=g)
    fva = centres[yva] + 0.1 * torch.randn(100, 16, generator=g)
    assert knn_accuracy(ftr, ytr, fva, yva) == 1.0
    noise = knn_accuracy(torch.randn(200, 16, generator=g), ytr, torch.randn(100, 16, generator=g), yva)
    assert 0.05 < noise < 0.5


def test_k_is_capped_at_the_bank_size():
    f = torch.eye(3)
    assert knn_accuracy(f, torch.tensor([0, 1, 2]), f, torch.tensor([0, 1, 2]), k=20) == 1.0


class _MeanColour(nn.Module):
    """A 'backbone' whose features are the mean colour: enough to tell colour classes apart."""

    num_features = 3

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return x.mean(dim=(2, 3)) * self.scale


def test_monitor_reads_csvs_and_restores_train_mode(tmp_path):
    import numpy as np
    from PIL import Image

    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    for split, n in (("train", 9), ("val", 6)):
        folder = tmp_path / split
        folder.mkdir()
        rows = ["id,filename,label"]
        for i in range(n):
            c = colours[i % 3]
            Image.fromarray(np.full((10, 10, 3), c, np.uint8)).save(folder / f"{i}.png")
            rows.append(f"{i},{i}.png,{i % 3}")
        (folder / f"{split}.csv").write_text("\n".join(rows) + "\n")
    monitor = KnnMonitor.from_csv(tmp_path / "train" / "train.csv", tmp_path / "val" / "val.csv", image_size=8)
    backbone = _MeanColour().train()
    assert monitor.evaluate(backbone) == 1.0
    assert backbone.training
