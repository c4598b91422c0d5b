"""Device (kornia) joint augmentation: image and mask stay aligned, parameters follow the
albumentations recipe, and pairs go into the decoded-image store as class indices."""

import math

import numpy as np
import pytest
import torch
from torchvision.transforms import RandomResizedCrop

from hw1.segmentation.codec import read_mask
from hw1.segmentation.dataset import IMAGENET_NORMALIZATION, list_pairs
from hw1.segmentation.device_transforms import build_device_train_transform, open_pair_store
from hw1.segmentation.transforms import build_train_transform

MEAN = torch.tensor(IMAGENET_NORMALIZATION["mean"]).view(1, 3, 1, 1)
STD = torch.tensor(IMAGENET_NORMALIZATION["std"]).view(1, 3, 1, 1)


def _coded_batch(n, side, block):
    """Images whose red channel encodes the class (class * 30 / 255) and the class masks."""
    g = torch.Generator().manual_seed(0)
    cells = torch.randint(0, 7, (n, side // block, side // block), generator=g)
    masks = cells.repeat_interleave(block, 1).repeat_interleave(block, 2)
    images = torch.rand(n, 3, side, side, generator=g)
    images[:, 0] = masks.float() * 30 / 255
    return images, masks


def _classes_from(images):
    red = (images * STD + MEAN)[:, 0]
    return (red * 255 / 30).round().long()


def test_flips_and_rotations_keep_every_pixel_aligned():
    aug = build_device_train_transform(None, color_jitter=0)
    images, masks = _coded_batch(64, 16, 1)  # a different class in every pixel: any misalignment shows
    torch.manual_seed(0)
    out_images, out_masks = aug(images, masks)
    assert out_masks.dtype == torch.int64 and out_masks.shape == masks.shape
    assert torch.equal(_classes_from(out_images), out_masks)
    assert not torch.equal(out_masks, masks)  # something moved


def test_scale_crops_keep_image_and_mask_aligned():
    aug = build_device_train_transform(24, color_jitter=0)
    images, masks = _coded_batch(64, 48, 8)
    torch.manual_seed(1)
    out_images, out_masks = aug(images, masks)
    assert out_images.shape == (64, 3, 24, 24) and out_masks.shape == (64, 24, 24)
    assert set(out_masks.unique().tolist()) <= set(range(7))  # nearest: no blended class ids
    agree = (_classes_from(out_images) == out_masks).float().mean()
    assert agree > 0.9  # only bilinear-blended block edges of the image may differ


def test_parameters_follow_the_albumentations_recipe():
    n, side, size = 4000, 64, 48
    aug = build_device_train_transform(size)
    ref = {type(s).__name__: s for s in build_train_transform(size).transforms}
    shape = torch.Size([n, 3, side, side])
    crop, hflip, vflip, rot = aug.geometric.children()
    src = crop.forward_parameters(shape)["src"].double()
    area = (src[:, 1, 0] - src[:, 0, 0] + 1) * (src[:, 2, 1] - src[:, 1, 1] + 1) / side**2
    rc = ref["RandomResizedCrop"]
    expected = torch.tensor(
        [RandomResizedCrop.get_params(torch.empty(3, side, side), list(rc.scale), list(rc.ratio)) for _ in range(n)],
        dtype=torch.float64,
    )
    expected = expected[:, 2] * expected[:, 3] / side**2
    se = math.sqrt(float(area.var()) / n + float(expected.var()) / n)
    assert abs(float(area.mean()) - float(expected.mean())) <= 4 * se
    for module, p in (
        (hflip, ref["HorizontalFlip"].p),
        (vflip, ref["VerticalFlip"].p),
        (aug.jitter, ref["ColorJitter"].p),
    ):
        rate = float(module.forward_parameters(shape)["batch_prob"].float().mean())
        assert abs(rate - p) <= 4 * math.sqrt(p * (1 - p) / n)
    quarter_turns = rot.forward_parameters(shape)["times"].round().long() % 4
    counts = torch.bincount(quarter_turns, minlength=4).double() / n
    assert (counts - 0.25).abs().max() <= 4 * math.sqrt(0.25 * 0.75 / n)
    factors = aug.jitter.forward_parameters(shape)["brightness_factor"]
    lo, hi = ref["ColorJitter"].brightness
    assert lo - 1e-6 <= float(factors.min()) and float(factors.max()) <= hi + 1e-6


def test_pairs_are_stored_as_class_indices(synthetic_seg_data, tmp_path):
    folder = synthetic_seg_data / "train"
    store = open_pair_store(folder, 64, cache_dir=str(tmp_path / "cache"))
    pairs = list_pairs(folder)
    assert len(store) == len(pairs) and store.arrays["mask"].shape == (len(pairs), 64, 64)
    assert np.array_equal(store.arrays["mask"][3], read_mask(pairs[3][1]))
    small = open_pair_store(folder, 32, cache_dir=str(tmp_path / "cache"))
    assert small.arrays["image"].shape == (len(pairs), 32, 32, 3)
    assert set(np.unique(small.arrays["mask"])) <= set(np.unique(store.arrays["mask"]))
    assert not open_pair_store(folder, 64, cache_dir=str(tmp_path / "cache")).rebuilt


@pytest.mark.parametrize("jitter", [0.0, 0.25])
def test_jitter_setting_reaches_the_device_version(jitter):
    aug = build_device_train_transform(None, color_jitter=jitter)
    assert (aug.jitter is None) == (jitter == 0)


@pytest.mark.parametrize("size", [None, 12])
def test_seeded_draws_split_over_ranks_equal_one_process(size):
    aug = build_device_train_transform(size)
    images, masks = torch.rand(8, 3, 16, 16), torch.randint(0, 7, (8, 16, 16))
    whole = aug(images, masks, seed=3)
    parts = [aug(images[r::2], masks[r::2], seed=3, rank=r, world_size=2) for r in range(2)]
    for k in range(2):
        assert torch.equal(whole[k][0::2], parts[0][k]) and torch.equal(whole[k][1::2], parts[1][k])
