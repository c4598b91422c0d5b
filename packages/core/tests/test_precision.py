import pytest
import torch

from hw1.core import Hw1Error, autocast, make_grad_scaler, resolve_precision

CPU = torch.device("cpu")


class _Slow(torch.nn.Module):
    """A model whose step is slower in the precision named ``slow`` (20 ms of busy CPU time: the probe
    times process CPU time, which a sleep would not add to), with BatchNorm statistics and an RNG
    draw the probe must not leave behind."""

    def __init__(self, slow: str) -> None:
        super().__init__()
        self.slow = slow
        self.lin = torch.nn.Linear(4, 4)
        self.bn = torch.nn.BatchNorm1d(4)
        self.calls = 0

    def forward(self, x):
        import time

        self.calls += 1
        bf16 = torch.is_autocast_enabled("cpu")
        if (self.slow == "bf16") == bf16:
            start = time.process_time()
            while time.process_time() - start < 0.02:
                pass
        return self.bn(self.lin(x + torch.rand_like(x))).sum()


def _probe(slow: str, key: str):
    from hw1.core.precision import PrecisionProbe

    model = _Slow(slow)
    x = torch.randn(8, 4)
    return model, PrecisionProbe(model=model, loss=lambda: model(x), key=key)


def test_auto_on_cpu_is_fp32_without_a_probe_or_native_bf16(monkeypatch):
    monkeypatch.setattr("hw1.core.precision.cpu_has_native_bf16", lambda: True)
    assert resolve_precision("auto", CPU) == "fp32"
    monkeypatch.setattr("hw1.core.precision.cpu_has_native_bf16", lambda: False)
    _, probe = _probe("fp32", "no-native")
    assert resolve_precision("auto", CPU, probe=probe) == "fp32"  # emulated bf16 is never probed


@pytest.mark.parametrize(("slow", "expected"), [("bf16", "fp32"), ("fp32", "bf16")])
def test_auto_probe_keeps_the_faster_precision(monkeypatch, slow, expected):
    monkeypatch.setattr("hw1.core.precision.cpu_has_native_bf16", lambda: True)
    model, probe = _probe(slow, f"faster-{slow}")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    assert resolve_precision("auto", CPU, probe=probe) == expected
    assert model.calls >= 3  # a warm-up step and a timed step of each precision
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key  # BatchNorm statistics restored
    assert all(p.grad is None for p in model.parameters())
    assert torch.equal(torch.get_rng_state(), rng)
    calls = model.calls
    assert resolve_precision("auto", CPU, probe=probe) == expected and model.calls == calls  # cached per key
    assert resolve_precision("fp32", CPU, probe=probe) == "fp32"  # an explicit choice is never probed


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


def test_a_short_run_is_not_probed(monkeypatch):
    from hw1.core.precision import PROBE_MIN_RUN_STEPS, PrecisionProbe

    monkeypatch.setattr("hw1.core.precision.cpu_has_native_bf16", lambda: True)
    model, probe = _probe("fp32", "short-run")
    short = PrecisionProbe(model=model, loss=probe.loss, key="short-run", run_steps=PROBE_MIN_RUN_STEPS - 1)
    assert resolve_precision("auto", CPU, probe=short) == "fp32" and model.calls == 0


def test_a_resumed_auto_run_keeps_its_stored_precision():
    assert resolve_precision("auto", CPU, resumed="bf16") == "bf16"  # no probe: the stored choice stands
    assert resolve_precision("fp32", CPU, resumed="bf16") == "fp32"  # an explicit choice wins
    assert resolve_precision("auto", CPU, resumed=None) == "fp32"
