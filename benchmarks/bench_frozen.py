"""Figure 4: frozen-backbone settings (D/E) — training the head on cached features against a
backbone forward every epoch, same data and epochs; the final accuracies must agree."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import torch
import torchvision
from harness import Figure

from hw1.classification import FinetuneConfig, make_synthetic_classification, train_classifier
from hw1.core import save_checkpoint

#: ``--study-sizes``: the head trains for the study's epoch count (``cls.epochs`` of the ``full``
#: profile, 50); the images stay small so that the baseline's 50 backbone passes fit in minutes.
STUDY_EPOCHS = 50


def run(quick: bool, study: bool = False) -> list[Figure]:
    epochs, per_class, size = (4, 3, 64) if quick else (10, 8, 64)
    if study:
        epochs, per_class, size = STUDY_EPOCHS, 3, 64
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        s = make_synthetic_classification(
            root / "p1", n_train_per_class=per_class, n_val_per_class=2, n_mini=8, size=size
        )
        torch.manual_seed(0)
        backbone = save_checkpoint(torchvision.models.resnet18(weights=None).state_dict(), root / "sl.pt")
        results, seconds = {}, {}
        for cached in (False, True):
            cfg = FinetuneConfig(
                train_csv=str(s.office_train_csv),
                train_images=str(s.office_train_dir),
                val_csv=str(s.office_val_csv),
                val_images=str(s.office_val_dir),
                out_dir=str(root / f"run_{cached}"),
                setting="D",
                supervised_backbone=str(backbone),
                backbone="resnet18",
                image_size=size,
                epochs=epochs,
                augment="none",
                cache_features=cached,
                num_workers=2,
                precision="fp32",
            )
            t0 = time.perf_counter()
            results[cached] = train_classifier(cfg)
            seconds[cached] = time.perf_counter() - t0
    same = abs(results[True]["best_acc"] - results[False]["best_acc"]) < 1e-6
    return [
        Figure(
            name=f"setting D head training, {epochs} epochs, {65 * per_class} images {size}px (resnet18)",
            unit="s",
            value=seconds[True],
            baseline=seconds[False],
            higher_is_better=False,
            baseline_name="backbone forward every epoch",
            goal=10.0,
            notes=f"{seconds[True]:.1f} s vs {seconds[False]:.1f} s; best val acc {results[True]['best_acc']:.4f} vs "
            f"{results[False]['best_acc']:.4f} ({'same' if same else 'DIFFERENT'})",
        )
    ]
