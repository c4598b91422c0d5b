"""MoCo v2's queue of negatives travels with the state_dict (lightly keeps it non-persistent)."""

from __future__ import annotations

import torch

from hw1.ssl import create_method


def test_queue_is_saved_and_restored(tiny_backbone):
    torch.manual_seed(0)
    m = create_method("moco", tiny_backbone(), hidden_dim=16, output_dim=8, queue_size=32)
    x = torch.rand(8, 3, 32, 32)
    m(x, x.flip(3)).loss.backward()
    state = m.state_dict()
    queue = m.criterion.memory_bank.bank.clone()
    torch.manual_seed(1)
    fresh = create_method("moco", tiny_backbone(), hidden_dim=16, output_dim=8, queue_size=32)
    assert not torch.equal(fresh.criterion.memory_bank.bank, queue)
    fresh.load_state_dict(state)
    assert torch.equal(fresh.criterion.memory_bank.bank, queue)
    assert torch.equal(fresh.criterion.memory_bank.bank_ptr, m.criterion.memory_bank.bank_ptr)
