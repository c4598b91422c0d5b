"""BYOL's target network: no gradients, exact EMA updates, cosine momentum 0.99 -> 1.0."""

from __future__ import annotations

import torch

from hw1.core import create_backbone
from hw1.ssl import create_method


def _byol():
    torch.manual_seed(0)
    return create_method("byol", create_backbone("resnet18"), hidden_dim=32, output_dim=16)


def test_online_and_target_start_equal():
    m = _byol()
    for a, b in zip(m.backbone.state_dict().values(), m.backbone_momentum.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_target_gets_no_gradients_and_moves_by_ema():
    m = _byol()
    target_params = list(m.backbone_momentum.parameters()) + list(m.projection_head_momentum.parameters())
    assert all(not p.requires_grad for p in target_params)
    opt = torch.optim.SGD([p for p in m.parameters() if p.requires_grad], lr=0.5)
    x = torch.rand(8, 3, 32, 32)
    out = m(x, x.flip(3))
    opt.zero_grad()
    out.loss.backward()
    assert all(p.grad is None for p in target_params)
    assert m.backbone.conv1.weight.grad is not None
    before = m.backbone_momentum.conv1.weight.detach().clone()
    opt.step()
    online = m.backbone.conv1.weight.detach().clone()
    assert not torch.equal(online, before)  # the online network moved, the target not yet
    assert torch.equal(m.backbone_momentum.conv1.weight, before)
    m.update_target(0.9)
    torch.testing.assert_close(m.backbone_momentum.conv1.weight, 0.9 * before + 0.1 * online)


def test_momentum_schedule_is_cosine_from_099_to_1():
    m = _byol()
    values = [m.momentum_at(s, 100) for s in range(0, 101, 10)]
    assert values[0] == 0.99
    assert values[-1] == 1.0
    assert all(a <= b for a, b in zip(values, values[1:], strict=False))
    assert 0.994 < m.momentum_at(50, 101) < 0.996  # half-way of a cosine


def test_symmetric_loss_is_negative_cosine_in_minus1_1():
    m = _byol()
    x = torch.rand(8, 3, 32, 32)
    loss = m(x, x.flip(3)).loss
    assert -1.0 <= float(loss.detach()) <= 1.0
