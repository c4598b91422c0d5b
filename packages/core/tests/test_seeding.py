import random

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from hw1.core import make_generator, seed_everything, seed_worker


def _draw():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_same_seed_same_numbers_everywhere():
    seed_everything(123)
    first = _draw()
    seed_everything(123)
    assert _draw() == first
    seed_everything(124)
    assert _draw() != first


class _NumpyNoise(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        return float(np.random.rand())


def _loader_values(seed):
    loader = DataLoader(
        _NumpyNoise(),
        batch_size=2,
        shuffle=True,
        num_workers=2,
        worker_init_fn=seed_worker,
        generator=make_generator(seed),
    )
    return torch.cat([b for b in loader]).tolist()


def test_dataloader_workers_repeat_between_runs_and_differ_between_workers():
    a, b = _loader_values(7), _loader_values(7)
    assert a == b
    assert len(set(a)) == len(a)  # workers do not share one numpy stream
