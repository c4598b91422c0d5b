import pytest
import torch

from hw1.core import Hw1Error, autocast, make_grad_scaler, resolve_precision
from hw1.core.precision import cpu_has_native_bf16

CPU = torch.device("cpu")


def test_auto_uses_bf16_only_on_cpus_that_compute_it_natively(monkeypatch):
    assert resolve_precision("auto", CPU) == ("bf16" if cpu_has_native_bf16() else "fp32")
    monkeypatch.setattr("hw1.core.precision.cpu_has_native_bf16", lambda: True)
    assert resolve_precision("auto", CPU) == "bf16"
    monkeypatch.setattr("hw1.core.precision.cpu_has_native_bf16", lambda: False)
    assert resolve_precision("auto", CPU) == "fp32"


def test_explicit_choices_and_fp16_needs_cuda():
    assert resolve_precision("bf16", CPU) == "bf16"
    assert resolve_precision("fp32", CPU) == "fp32"
    with pytest.raises(Hw1Error, match="fp16 needs a CUDA device"):
        resolve_precision("fp16", CPU)
    with pytest.raises(Hw1Error, match="unknown precision"):
        resolve_precision("fp8", CPU)


def test_autocast_runs_matmuls_in_the_chosen_dtype():
    a, b = torch.randn(4, 4), torch.randn(4, 4)
    with autocast(CPU, "bf16"):
        assert (a @ b).dtype == torch.bfloat16
    with autocast(CPU, "fp32"):
        assert (a @ b).dtype == torch.float32


def test_grad_scaler_only_enabled_for_cuda_fp16():
    assert not make_grad_scaler(CPU, "bf16").is_enabled()
    assert not make_grad_scaler(CPU, "fp32").is_enabled()
