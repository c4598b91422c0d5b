"""Every method learns: its loss goes down over a few optimizer steps on one fixed batch."""

from __future__ import annotations

import pytest
import torch

from hw1.ssl import create_method, list_methods


@pytest.mark.parametrize("name", list_methods())
def test_loss_decreases_on_a_fixed_batch(name, tiny_backbone):
    torch.manual_seed(0)
    # MoCo's queue would fill with keys of this same batch (false negatives): batch negatives only
    kw = {"queue_size": 0} if name == "moco" else {}
    method = create_method(name, tiny_backbone(), hidden_dim=64, output_dim=32, **kw)
    opt = torch.optim.Adam([p for p in method.parameters() if p.requires_grad], lr=1e-3)
    images = torch.rand(16, 3, 32, 32)
    view0, view1 = images + 0.05 * torch.randn_like(images), images.flip(3)
    losses = []
    for step in range(8):
        out = method(view0, view1)
        assert out.projection.shape == (16, 32)
        opt.zero_grad()
        out.loss.backward()
        opt.step()
        m = method.momentum_at(step, 8)
        if m is not None:
            method.update_target(m)
        losses.append(float(out.loss.detach()))
    # the last steps' loss is clearly below the first step's (not only noise)
    assert sum(losses[-2:]) / 2 < losses[0] - 0.05 * abs(losses[0]), losses
