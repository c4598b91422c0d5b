"""A real learning check on CPU: a short BYOL run must learn view invariance without collapsing.

BYOL's two health signals are asserted: the loss (negative cosine between the online prediction
of one view and the target projection of the other, -1 at best) must fall by a stated margin,
and the spread of the online projections across the batch (``feature_std``) must stay well above
zero, which is where a collapsed network (one output for every image) ends. And the *backbone*
(what is exported) must have learnt: two augmented views of one validation image must be more
alike, relative to views of different images, than under a random-init backbone.

What is *not* asserted: that this run beats random init on kNN accuracy. At this budget (8 epochs
of 384 generated 32 px images, 96 steps) the kNN gain is within the noise of 96 validation
images: measured from -0.05 to +0.115 across seeds 0-3, so a threshold would only pass by choice
of seed. The kNN numbers are still printed. That BYOL pre-training helps downstream is shown end
to end by ``tests/test_ssl_helps_classification.py`` (BYOL and SimCLR, one case each): pre-training
on the classification package's generated Mini set, then a frozen-backbone head on its Office set,
against random init.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from hw1.core import create_backbone, open_image, read_metrics
from hw1.ssl import build_two_view_transform, pretrain, read_run_checkpoint

#: The loss must fall at least this much from the first epoch to the last. Measured here (seeds
#: 0 and 1): -0.46 -> -0.70 and -0.44 -> -0.61 at epoch 8, drops of 0.24 and 0.17.
LOSS_DROP = 0.1
#: The final ``feature_std`` must stay above this. It is the per-dimension spread of the
#: l2-normalised 128-d projections, 1/sqrt(128) = 0.088 for unit vectors spread evenly and 0 for a
#: collapsed network; measured 0.071 and 0.076 at the end of these runs.
MIN_FEATURE_STD = 0.03
#: The trained backbone's view-invariance margin (:func:`invariance_margin`) must exceed a random-init
#: backbone's by this much. A random-init ResNet maps every image to nearly the same direction, so
#: two views of one image are hardly more alike than two different images; BYOL must change that.
#: Measured here (HW1_LEARNING_SEED=0 and 1): 0.078 -> 0.260 and 0.083 -> 0.251, gains 0.18 and
#: 0.17 (while kNN on 96 images moved +0.08 and -0.03); the bound is half the smaller gain.
MIN_INVARIANCE_GAIN = 0.08
SEED = int(os.environ.get("HW1_LEARNING_SEED", "0"))


def invariance_margin(backbone: torch.nn.Module, paths: list[Path], seed: int = 0) -> float:
    """Mean cosine similarity of the backbone features of two BYOL views of the same image, minus
    the mean similarity between views of different images (0: the features ignore which image it
    is; higher: the backbone tells images apart while ignoring the augmentation)."""
    torch.manual_seed(seed)
    transform = build_two_view_transform("byol", 32)
    views = [transform(open_image(p)) for p in paths]
    a, b = torch.stack([v[0] for v in views]), torch.stack([v[1] for v in views])
    backbone.eval()
    with torch.no_grad():
        sim = F.normalize(backbone(a).flatten(1), dim=1) @ F.normalize(backbone(b).flatten(1), dim=1).t()
    n = sim.shape[0]
    return float(sim.diag().mean() - (sim.sum() - sim.diag().sum()) / (n * n - n))


@pytest.mark.slow
def test_short_byol_run_learns_invariance_without_collapse(shapes_split, tmp_path, make_config):
    epochs = 8
    cfg = make_config(
        shapes_split["train_dir"],
        tmp_path / "run",
        epochs=epochs,
        batch_size=32,
        image_size=32,
        lr=1e-2,
        warmup_epochs=1,
        min_scale=0.5,
        num_workers=1,
        knn_every=epochs,
        seed=SEED,
        method_options={"hidden_dim": 512, "output_dim": 128, "momentum_start": 0.96},
        knn_train_csv=str(shapes_split["train_csv"]),
        knn_val_csv=str(shapes_split["val_csv"]),
        knn_train_images=str(shapes_split["train_dir"]),
        knn_val_images=str(shapes_split["val_dir"]),
    )
    result = pretrain(cfg)
    rows = read_metrics(tmp_path / "run" / "metrics.jsonl")
    train = {r["epoch"]: r for r in rows if r["split"] == "train"}
    knn = {r["epoch"]: r["knn_top1"] for r in rows if r["split"] == "knn"}
    first, last = train[1], train[epochs]
    val_paths = sorted(Path(shapes_split["val_dir"]).glob("*.png"))
    torch.manual_seed(0)
    random_init = invariance_margin(create_backbone(cfg.backbone), val_paths)
    trained_backbone = create_backbone(cfg.backbone)
    state = read_run_checkpoint(tmp_path / "run" / "last.pt")["state_dict"]
    trained_backbone.load_state_dict({k[len("backbone.") :]: v for k, v in state.items() if k.startswith("backbone.")})
    trained = invariance_margin(trained_backbone, val_paths)
    print(
        json.dumps(
            {
                "loss": [first["loss"], last["loss"]],
                "feature_std": last["feature_std"],
                "knn_random_init": knn[0],
                "knn_trained": knn[epochs],
                "invariance": [random_init, trained],
                "seconds": result["seconds"],
            }
        )
    )
    assert last["loss"] <= first["loss"] - LOSS_DROP, (first["loss"], last["loss"])
    assert last["feature_std"] >= MIN_FEATURE_STD, last["feature_std"]
    assert -1.0 <= last["loss"] < 0.0  # a negative cosine: anything else is a broken loss
    assert trained >= random_init + MIN_INVARIANCE_GAIN, (random_init, trained)
