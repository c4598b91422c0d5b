"""Two-view augmentations: shapes, randomness, paper defaults, options and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from hw1.core import Hw1Error
from hw1.ssl import AUGMENTATIONS, build_eval_transform, build_two_view_transform
from hw1.ssl.augmentations import PAPER_MIN_SCALE


def _image(size=40):
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (size, size + 10, 3), dtype=np.uint8))


@pytest.mark.parametrize("recipe", AUGMENTATIONS)
def test_two_normalised_views_of_the_chosen_size_that_differ(recipe):
    torch.manual_seed(0)
    views = build_two_view_transform(recipe, 32)(_image())
    assert len(views) == 2
    assert all(v.shape == (3, 32, 32) and v.dtype == torch.float32 for v in views)
    assert not torch.equal(views[0], views[1])
    assert float(views[0].min()) < 0  # ImageNet-normalised, not [0, 1]


def test_byol_views_are_asymmetric_as_in_the_paper():
    t = build_two_view_transform("byol", 64)
    blur1 = [x for x in t.transforms[0].transform.transforms if type(x).__name__ == "GaussianBlur"][0]
    blur2 = [x for x in t.transforms[1].transform.transforms if type(x).__name__ == "GaussianBlur"][0]
    solar2 = [x for x in t.transforms[1].transform.transforms if type(x).__name__ == "RandomSolarization"][0]
    assert (blur1.prob, blur2.prob, solar2.prob) == (1.0, 0.1, 0.2)
    assert blur1.sigmas == pytest.approx((0.1 * 64 / 224, 2.0 * 64 / 224))  # scaled with the image size


def test_min_scale_option_and_paper_default():
    t = build_two_view_transform("moco", 32)
    assert t.transforms[0].transform.transforms[0].scale == (PAPER_MIN_SCALE["moco"], 1.0)
    t = build_two_view_transform("simclr", 32, min_scale=0.5)
    assert t.transforms[0].transform.transforms[0].scale == (0.5, 1.0)


def test_bad_options_are_user_errors():
    with pytest.raises(Hw1Error, match="unknown augmentation"):
        build_two_view_transform("dino", 32)
    with pytest.raises(Hw1Error, match="min scale"):
        build_two_view_transform("byol", 32, min_scale=1.5)
    with pytest.raises(Hw1Error, match="too small"):
        build_two_view_transform("byol", 4)


def test_eval_transform_is_deterministic_centre_crop():
    t = build_eval_transform(24)
    a, b = t(_image()), t(_image())
    assert a.shape == (3, 24, 24)
    assert torch.equal(a, b)
