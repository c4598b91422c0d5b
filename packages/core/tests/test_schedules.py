import pytest
import torch

from hw1.core import Hw1Error, WarmupDecay, build_lr_scheduler


def test_warmup_then_cosine_to_min_ratio():
    f = WarmupDecay(total_steps=110, warmup_steps=10, kind="cosine", min_ratio=0.1)
    assert f(0) == pytest.approx(0.1)
    assert f(9) == pytest.approx(1.0)
    assert f(10) == pytest.approx(1.0)
    assert f(60) == pytest.approx(0.1 + 0.9 * 0.5)
    assert f(110) == pytest.approx(0.1)
    assert f(500) == pytest.approx(0.1)


def test_poly_decay():
    f = WarmupDecay(total_steps=100, kind="poly", power=0.9)
    assert f(50) == pytest.approx(0.5**0.9)


def test_scheduler_state_dict_resumes_on_the_same_curve():
    def make():
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=1.0)
        return opt, build_lr_scheduler(opt, total_steps=20, warmup_steps=5)

    def run(opt, sched, n):
        out = []
        for _ in range(n):
            opt.step()
            sched.step()
            out.append(opt.param_groups[0]["lr"])
        return out

    straight = run(*make(), 12)
    opt, sched = make()
    run(opt, sched, 6)
    saved = sched.state_dict()
    opt2, sched2 = make()
    sched2.load_state_dict(saved)
    assert run(opt2, sched2, 6) == pytest.approx(straight[6:])


def test_unknown_schedule_is_an_error():
    p = torch.nn.Parameter(torch.zeros(1))
    with pytest.raises(Hw1Error, match="unknown LR schedule"):
        build_lr_scheduler(torch.optim.SGD([p], lr=1.0), total_steps=10, kind="step")


def test_a_warmup_as_long_as_the_run_warns_that_the_peak_lr_is_never_reached():
    import warnings

    from hw1.core.schedules import WarmupTooLongWarning

    p = torch.nn.Parameter(torch.zeros(1))
    with pytest.warns(WarmupTooLongWarning, match="never reaches its peak"):
        build_lr_scheduler(torch.optim.SGD([p], lr=1.0), total_steps=150, warmup_steps=150)
    with warnings.catch_warnings():
        warnings.simplefilter("error", WarmupTooLongWarning)
        build_lr_scheduler(torch.optim.SGD([p], lr=1.0), total_steps=150, warmup_steps=15)
        build_lr_scheduler(torch.optim.SGD([p], lr=1.0), total_steps=150, warmup_steps=0)
