"""Losses: CE with class weights, focal (= CE at gamma 0), Dice, sums, ignoring Unknown."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from hw1.core import Hw1Error
from hw1.segmentation.losses import LOSS_CHOICES, build_loss


@pytest.fixture
def batch() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 7, 6, 5, generator=g)
    target = torch.randint(0, 7, (2, 6, 5), generator=g)
    target[0, 0] = 6  # make sure Unknown pixels are present
    return logits, target


def test_cross_entropy_with_class_weights(batch) -> None:
    logits, target = batch
    w = [1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 0.1]
    expected = F.cross_entropy(logits, target, weight=torch.tensor(w))
    torch.testing.assert_close(build_loss("ce", class_weights=w)(logits, target), expected)


@pytest.mark.parametrize("weights", [None, [1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 0.1]])
@pytest.mark.parametrize("ignore_unknown", [False, True])
def test_focal_with_gamma_zero_is_cross_entropy(batch, weights, ignore_unknown) -> None:
    logits, target = batch
    ce = build_loss("ce", class_weights=weights, ignore_unknown=ignore_unknown)(logits, target)
    focal = build_loss("focal", class_weights=weights, ignore_unknown=ignore_unknown, focal_gamma=0.0)(logits, target)
    torch.testing.assert_close(focal, ce)


def test_focal_down_weights_easy_pixels(batch) -> None:
    logits, target = batch
    assert build_loss("focal", focal_gamma=2.0)(logits, target) < build_loss("ce")(logits, target)


@pytest.mark.parametrize("name", LOSS_CHOICES)
def test_ignore_unknown_removes_unknown_pixels(batch, name) -> None:
    logits, target = batch
    loss = build_loss(name, ignore_unknown=True)
    base = loss(logits, target)
    # Changing the logits of Unknown pixels only must not change an Unknown-ignoring loss.
    changed = logits.clone()
    changed.permute(0, 2, 3, 1)[target == 6] = torch.randn(7) * 10
    torch.testing.assert_close(loss(changed, target), base)
    # ... while the loss that counts them does change.
    assert not torch.allclose(build_loss(name)(changed, target), build_loss(name)(logits, target))


def test_sum_of_losses(batch) -> None:
    logits, target = batch
    total = build_loss("ce+dice")(logits, target)
    torch.testing.assert_close(total, build_loss("ce")(logits, target) + build_loss("dice")(logits, target))


def test_perfect_prediction_has_low_loss(batch) -> None:
    _, target = batch
    logits = F.one_hot(target, 7).permute(0, 3, 1, 2).float() * 20
    for name in LOSS_CHOICES:
        assert build_loss(name)(logits, target) < 0.01


def test_loss_runs_under_bf16_autocast(batch) -> None:
    logits, target = batch
    with torch.autocast("cpu", dtype=torch.bfloat16):
        value = build_loss("focal+dice")(logits.bfloat16(), target)
    assert value.dtype == torch.float32 and torch.isfinite(value)


def test_bad_names_and_weights() -> None:
    with pytest.raises(Hw1Error, match="unknown loss"):
        build_loss("lovasz")
    with pytest.raises(Hw1Error, match="7 values"):
        build_loss("ce", class_weights=[1.0, 2.0])
