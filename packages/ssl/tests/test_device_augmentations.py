"""The device augmentations draw their parameters from the same distributions as the lightly
recipes: every rate and range is compared with what the lightly transform of the recipe does,
within 4 standard errors of 4,000 samples."""

import math

import pytest
import torch
from torchvision.transforms import RandomResizedCrop

from hw1.core.errors import Hw1Error
from hw1.ssl.augmentations import AUGMENTATIONS, build_two_view_transform
from hw1.ssl.device_augmentations import build_device_two_view_augmentation, view_recipes

N = 4000
SIZE = 64


def _rate_ok(hits: torch.Tensor, p: float) -> bool:
    rate = float(hits.float().mean())
    if p in (0.0, 1.0):
        return rate == p
    return abs(rate - p) <= 4 * math.sqrt(p * (1 - p) / len(hits))


def _mean_ok(a: torch.Tensor, b: torch.Tensor) -> bool:
    se = math.sqrt(float(a.var()) / len(a) + float(b.var()) / len(b))
    return abs(float(a.mean()) - float(b.mean())) <= 4 * se


def _lightly_views(recipe):
    return [v.transform.transforms for v in build_two_view_transform(recipe, SIZE).transforms]


@pytest.fixture(scope="module")
def drawn():
    """Draw every step's parameters of every recipe's device augmentation for a batch of N images
    (kornia's own per-sample parameter draw, the one its forward uses)."""
    torch.manual_seed(0)
    shape = torch.Size([N, 3, SIZE, SIZE])
    out = {}
    for recipe in AUGMENTATIONS:
        aug = build_device_two_view_augmentation(recipe, SIZE)
        out[recipe] = (
            aug,
            [
                {name: m.forward_parameters(shape) for name, m in view.named_children()}
                for view in (aug.view0, aug.view1)
            ],
        )
    return out


@pytest.mark.parametrize("recipe", AUGMENTATIONS)
def test_crop_area_and_aspect_match_the_recipe(drawn, recipe):
    aug, params = drawn[recipe]
    for v, view in enumerate(_lightly_views(recipe)):
        crop = view[0]
        assert type(crop).__name__ == "RandomResizedCrop"
        ref = torch.tensor(
            [
                RandomResizedCrop.get_params(torch.empty(3, SIZE, SIZE), list(crop.scale), list(crop.ratio))
                for _ in range(N)
            ],
            dtype=torch.float64,
        )
        ref_area, ref_aspect = ref[:, 2] * ref[:, 3] / SIZE**2, ref[:, 3] / ref[:, 2]
        src = params[v]["crop"]["src"].double()
        w = src[:, 1, 0] - src[:, 0, 0] + 1
        h = src[:, 2, 1] - src[:, 1, 1] + 1
        assert _mean_ok(w * h / SIZE**2, ref_area), recipe
        assert _mean_ok(torch.log(w / h), torch.log(ref_aspect)), recipe
        assert float((w * h / SIZE**2).min()) >= crop.scale[0] - 0.02


@pytest.mark.parametrize("recipe", AUGMENTATIONS)
def test_flip_jitter_gray_blur_solarize_rates_match_the_recipe(drawn, recipe):
    aug, params = drawn[recipe]
    for v, view in enumerate(_lightly_views(recipe)):
        steps = {type(t).__name__: t for t in view}
        p = params[v]
        assert _rate_ok(p["hflip"]["batch_prob"], steps["RandomHorizontalFlip"].p)
        jitter = steps["RandomApply"]
        assert _rate_ok(p["jitter"]["batch_prob"], jitter.p)
        cj = jitter.transforms[0]
        for key, rng in (
            ("brightness", cj.brightness),
            ("contrast", cj.contrast),
            ("saturation", cj.saturation),
            ("hue", cj.hue),
        ):
            factor = p["jitter"][f"{key}_factor"]
            assert rng[0] - 1e-6 <= float(factor.min()) and float(factor.max()) <= rng[1] + 1e-6
            assert abs(float(factor.mean()) - (rng[0] + rng[1]) / 2) <= 4 * (rng[1] - rng[0]) / math.sqrt(12 * N)
        assert _rate_ok(p["gray"]["batch_prob"], steps["RandomGrayscale"].p)
        blur = steps["GaussianBlur"]
        if blur.prob > 0:
            assert _rate_ok(p["blur"]["batch_prob"], blur.prob)
            sigma = p["blur"]["sigma"]
            lo, hi = blur.sigmas
            assert lo - 1e-6 <= float(sigma.min()) and float(sigma.max()) <= hi + 1e-6
            assert abs(float(sigma.mean()) - (lo + hi) / 2) <= 4 * (hi - lo) / math.sqrt(12 * N)
        else:
            assert "blur" not in p
        solarize = steps.get("RandomSolarization")
        if solarize is not None and solarize.prob > 0:
            assert _rate_ok(p["solarize"]["batch_prob"], solarize.prob)
            assert torch.allclose(p["solarize"]["thresholds"], torch.tensor(solarize.threshold / 255.0))
        else:
            assert "solarize" not in p


def test_byol_views_are_asymmetric_and_order_follows_lightly():
    v0, v1 = view_recipes("byol", 128)
    assert (v0.blur_p, v1.blur_p, v0.solarize_p, v1.solarize_p) == (1.0, 0.1, 0.0, 0.2)
    assert v0.blur_sigmas == pytest.approx((0.1 * 128 / 224, 2.0 * 128 / 224))
    assert view_recipes("vicreg", 64)[0].steps == ("jitter", "gray", "solarize", "blur")


def test_recipe_overrides_reach_the_device_version():
    v0, _ = view_recipes("byol", 64, min_scale=0.5, color_jitter_strength=0.5)
    assert v0.scale == (0.5, 1.0) and v0.brightness == pytest.approx((0.8, 1.2))


def test_views_are_normalised_and_deterministic_under_a_seed():
    aug = build_device_two_view_augmentation("simclr", 32)
    images = torch.rand(16, 3, 40, 40)
    torch.manual_seed(3)
    a = aug(images)
    torch.manual_seed(3)
    b = aug(images)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) and a[0].shape == (16, 3, 32, 32)
    gray = build_device_two_view_augmentation("byol", 32)(torch.full((4, 3, 32, 32), 0.5))[0]
    assert gray.abs().max() < 3  # normalised: (x - mean) / std of values in [0, 1]


def test_unknown_recipe_is_a_user_error():
    with pytest.raises(Hw1Error, match="unknown augmentation"):
        view_recipes("nope", 64)


def test_seeded_draws_split_over_ranks_equal_one_process():
    aug = build_device_two_view_augmentation("vicreg", 16)
    images = torch.rand(8, 3, 20, 20)
    whole = aug(images, seed=5)
    parts = [aug(images[r::2], seed=5, rank=r, world_size=2) for r in range(2)]
    for v in range(2):
        assert torch.equal(whole[v][0::2], parts[0][v]) and torch.equal(whole[v][1::2], parts[1][v])
    assert not torch.equal(whole[0], aug(images, seed=6)[0])
