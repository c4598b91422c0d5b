"""Device (kornia) classification transforms follow build_transform's recipes; CSV images go into
the decoded-image store with their labels."""

import math

import numpy as np
import pytest
import torch
from torchvision.transforms import RandomResizedCrop

from hw1.classification.dataset import AUGMENTATIONS, build_transform, read_csv_rows
from hw1.classification.device_transforms import build_device_transform, open_csv_store
from hw1.core.errors import Hw1DataError
from hw1.core.images import read_rgb


def _steps(recipe):
    return {type(s).__name__: s for s in build_transform(64, recipe).transforms}


def test_no_augmentation_is_only_the_normalisation():
    images = torch.rand(4, 3, 16, 16)
    norm = _steps("none")["Normalize"]
    expected = (images - torch.tensor(norm.mean).view(1, 3, 1, 1)) / torch.tensor(norm.std).view(1, 3, 1, 1)
    assert torch.allclose(build_device_transform(16, "none")(images), expected, atol=1e-6)
    per_image = build_transform(16, "none")
    assert torch.equal(build_device_transform(16, "none")(images, seed=1), torch.stack([per_image(x) for x in images]))


@pytest.mark.parametrize("recipe", [r for r in AUGMENTATIONS if r != "none"])
def test_random_steps_follow_the_recipe(recipe):
    n, side = 4000, 64
    aug = build_device_transform(side, recipe)
    ref = _steps(recipe)
    shape = torch.Size([n, 3, side, side])
    mods = {type(m).__name__: m for m in aug.steps if hasattr(m, "forward_parameters")}
    p = ref["RandomHorizontalFlip"].p
    rate = float(mods["RandomHorizontalFlip"].forward_parameters(shape)["batch_prob"].float().mean())
    assert abs(rate - p) <= 4 * math.sqrt(p * (1 - p) / n)
    assert ("RandomResizedCrop" in mods) == ("RandomResizedCrop" in ref)
    if "RandomResizedCrop" in ref:
        rc = ref["RandomResizedCrop"]
        src = mods["RandomResizedCrop"].forward_parameters(shape)["src"].double()
        area = (src[:, 1, 0] - src[:, 0, 0] + 1) * (src[:, 2, 1] - src[:, 1, 1] + 1) / side**2
        expected = torch.tensor(
            [
                RandomResizedCrop.get_params(torch.empty(3, side, side), list(rc.scale), list(rc.ratio))
                for _ in range(n)
            ],
            dtype=torch.float64,
        )
        expected = expected[:, 2] * expected[:, 3] / side**2
        se = math.sqrt(float(area.var()) / n + float(expected.var()) / n)
        assert abs(float(area.mean()) - float(expected.mean())) <= 4 * se
    assert ("ColorJitter" in mods) == ("ColorJitter" in ref)
    if "ColorJitter" in ref:
        factors = mods["ColorJitter"].forward_parameters(shape)
        for key in ("brightness", "contrast", "saturation", "hue"):
            lo, hi = getattr(ref["ColorJitter"], key)
            f = factors[f"{key}_factor"]
            assert lo - 1e-6 <= float(f.min()) and float(f.max()) <= hi + 1e-6
            assert abs(float(f.mean()) - (lo + hi) / 2) <= 4 * (hi - lo) / math.sqrt(12 * n)
    out = aug(torch.rand(8, 3, side, side))
    assert out.shape == (8, 3, side, side)


def test_csv_store_keeps_labels_of_readable_rows(synth, tmp_path):
    store, labels = open_csv_store(
        synth.office_train_csv, synth.office_train_dir, 32, cache_dir=str(tmp_path / "cache")
    )
    rows = read_csv_rows(synth.office_train_csv, labels=True)
    assert len(store) == len(rows) and labels.tolist() == [r.label for r in rows]
    first = read_rgb(synth.office_train_dir / rows[0].filename)
    assert first.shape == (32, 32, 3) and np.array_equal(store.arrays["image"][0], first)


def test_csv_store_skips_an_unreadable_image_with_its_row(synth, tmp_path):
    import shutil

    images = tmp_path / "imgs"
    shutil.copytree(synth.office_train_dir, images)
    rows = read_csv_rows(synth.office_train_csv, labels=True)
    (images / rows[1].filename).write_text("broken")
    store, labels = open_csv_store(synth.office_train_csv, images, 32, cache_dir=str(tmp_path / "cache"))
    assert len(store) == len(rows) - 1 and len(store.skipped) == 1
    assert labels.tolist() == [r.label for i, r in enumerate(rows) if i != 1]
    with pytest.raises(Hw1DataError):
        open_csv_store(tmp_path / "missing.csv", images, 32, cache_dir=str(tmp_path / "cache"))


@pytest.mark.parametrize("recipe", AUGMENTATIONS)
def test_seeded_draws_split_over_ranks_equal_one_process(recipe):
    aug = build_device_transform(16, recipe)
    images = torch.rand(8, 3, 16, 16)
    whole = aug(images, seed=2)
    parts = [aug(images[r::2], seed=2, rank=r, world_size=2) for r in range(2)]
    assert torch.equal(whole[0::2], parts[0]) and torch.equal(whole[1::2], parts[1])
