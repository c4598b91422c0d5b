"""Optimizer choice and the no-weight-decay group for biases and norms."""

from __future__ import annotations

import pytest
from lightly.utils.lars import LARS
from torch import nn

from hw1.core import Hw1Error
from hw1.ssl import build_optimizer


def test_groups_and_types():
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
    frozen = nn.Linear(4, 4)
    frozen.requires_grad_(False)
    model.append(frozen)
    opt = build_optimizer(model, "lars", lr=0.1, weight_decay=1e-6)
    assert isinstance(opt, LARS)
    decay, no_decay = opt.param_groups
    assert decay["weight_decay"] == 1e-6 and len(decay["params"]) == 1  # Linear weight only
    assert no_decay["weight_decay"] == 0.0 and len(no_decay["params"]) == 3  # bias, BN weight and bias
    assert type(build_optimizer(model, "AdamW", lr=1e-3)).__name__ == "AdamW"
    with pytest.raises(Hw1Error, match="unknown optimizer"):
        build_optimizer(model, "rmsprop", lr=1e-3)
