import pytest
import torch
from torch import nn

from hw1.core import Hw1Error, prepare_model, select_device, to_device_batch


def test_auto_picks_cpu_without_accelerators():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert select_device("auto").type in (expected, "mps")


def test_unavailable_or_unknown_device_is_a_clear_error():
    if not torch.cuda.is_available():
        with pytest.raises(Hw1Error, match="CUDA is not available"):
            select_device("cuda")
    with pytest.raises(Hw1Error, match="unknown device 'tpu'"):
        select_device("tpu")


def test_prepare_model_uses_channels_last_layout():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
    model = prepare_model(model, torch.device("cpu"), channels_last=True)
    assert model[0].weight.is_contiguous(memory_format=torch.channels_last)
    x = to_device_batch(torch.randn(2, 3, 8, 8), torch.device("cpu"), channels_last=True)
    assert x.is_contiguous(memory_format=torch.channels_last)
    assert model(x).shape == (2, 4, 6, 6)
