"""The shared run rules: process group ownership, run folder, epoch seed, optimizer groups, loss meter."""

from __future__ import annotations

import copy
import dataclasses
import json
import random
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist
from torch import nn

from hw1.core import Hw1CheckpointError, Hw1Error
from hw1.core import run as run_module
from hw1.core.run import (
    LossMeter,
    RunResult,
    build_optimizer,
    decay_groups,
    distributed_run,
    epoch_seed,
    open_run_folder,
    seed_epoch,
    upgrade_config,
)


def _one_process_group(tmp_path) -> None:
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)


def test_a_callers_process_group_survives_the_run(tmp_path):
    _one_process_group(tmp_path)
    try:
        with distributed_run("cpu") as ctx:
            assert ctx.device.type == "cpu"
        assert dist.is_initialized()  # the caller's group is still there
        dist.barrier()
    finally:
        dist.destroy_process_group()


def test_the_run_leaves_the_group_it_joined(tmp_path, monkeypatch):
    real_init = run_module.init_distributed

    def joining_init(device):
        _one_process_group(tmp_path)
        return real_init(device)

    monkeypatch.setattr(run_module, "init_distributed", joining_init)
    with distributed_run("cpu"):
        assert dist.is_initialized()
    assert not dist.is_initialized()


def test_run_folder_rules(tmp_path):
    folder = tmp_path / "run"
    with pytest.raises(Hw1CheckpointError, match="nothing to resume.*--out-dir"):
        open_run_folder(folder, resume=True)
    fresh = open_run_folder(folder, resume=False)
    assert not fresh.resuming and fresh.last == folder / "last.pt"

    @dataclasses.dataclass
    class Config:
        lr: float = 0.1
        out_dir: str = "x"

    written = fresh.write_config(Config())
    assert json.loads(written.read_text()) == {"lr": 0.1, "out_dir": "x"}
    (folder / "last.pt").write_bytes(b"")
    with pytest.raises(Hw1Error, match="already holds a run.*--resume.*--out"):
        open_run_folder(folder, resume=False, option="--out")
    assert open_run_folder(folder, resume=True).resuming


def test_upgrade_config_maps_old_keys():
    old = {"out": "a", "workers": 3, "lr": 1.0}
    assert upgrade_config(old, {"out": "out_dir", "workers": "num_workers", "sync_bn": "sync_batchnorm"}) == {
        "out_dir": "a",
        "num_workers": 3,
        "lr": 1.0,
    }
    assert upgrade_config({"out": "a", "out_dir": "b"}, {"out": "out_dir"}) == {"out_dir": "b"}


def test_epoch_seed_repeats_and_separates_streams():
    assert epoch_seed(0, 3, 1) == epoch_seed(0, 3, 1)
    seeds = {epoch_seed(s, e, r) for s in range(3) for e in range(5) for r in range(4)}
    assert len(seeds) == 60 and all(0 <= s < 2**31 for s in seeds)
    g = torch.Generator()
    seed_epoch(7, 2, 0, g)
    first = (random.random(), np.random.rand(), torch.rand(1).item(), torch.rand(1, generator=g).item())
    seed_epoch(7, 2, 0, g)
    assert first == (random.random(), np.random.rand(), torch.rand(1).item(), torch.rand(1, generator=g).item())


def _model() -> nn.Module:
    frozen = nn.Linear(4, 4)
    frozen.requires_grad_(False)
    return nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), frozen)


def test_biases_and_norm_weights_get_no_weight_decay():
    decay, no_decay = build_optimizer(_model(), "sgd", lr=0.1, weight_decay=1e-4).param_groups
    assert decay["weight_decay"] == 1e-4 and len(decay["params"]) == 1  # the trainable Linear weight
    assert no_decay["weight_decay"] == 0.0 and len(no_decay["params"]) == 3  # bias, BN weight and bias
    groups = decay_groups(nn.Linear(2, 2).parameters(), 0.5, lr=3.0)
    assert [(g["weight_decay"], g["lr"], len(g["params"])) for g in groups] == [(0.5, 3.0, 1), (0.0, 3.0, 1)]
    assert decay_groups(nn.Linear(2, 2, bias=False).requires_grad_(False).parameters(), 0.1) == []


@pytest.mark.parametrize(("name", "kind"), [("sgd", "SGD"), ("adam", "Adam"), ("AdamW", "AdamW"), ("lars", "Lars")])
def test_optimizer_choices(name, kind):
    assert type(build_optimizer(_model(), name, lr=1e-3)).__name__ == kind


def test_unknown_optimizer_and_nothing_to_train():
    with pytest.raises(Hw1Error, match="unknown optimizer 'rmsprop'"):
        build_optimizer(_model(), "rmsprop", lr=1e-3)
    with pytest.raises(Hw1Error, match="no trainable parameters"):
        build_optimizer(nn.Linear(2, 2).requires_grad_(False), "sgd", lr=1e-3)


def test_lars_steps_like_lightlys():
    lars_module = pytest.importorskip("lightly.utils.lars")
    torch.manual_seed(0)
    ours = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    theirs = copy.deepcopy(ours)
    opt_ours = build_optimizer(ours, "lars", lr=0.5, weight_decay=1e-2)
    opt_theirs = lars_module.LARS(decay_groups(theirs.parameters(), 1e-2), lr=0.5, momentum=0.9)
    for _ in range(5):
        x = torch.randn(8, 5)
        for model, opt in ((ours, opt_ours), (theirs, opt_theirs)):
            opt.zero_grad()
            model(x).pow(2).mean().backward()
            opt.step()
    for a, b in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-6)


def test_loss_meter_reads_the_host_only_every_n_steps():
    meter = LossMeter(torch.device("cpu"), epoch=3, hint="lower --lr", sync_every=3)
    results = [meter.add(torch.tensor(v), weight=2.0) for v in (1.0, 2.0, 3.0, 4.0)]
    assert results[:2] == [None, None] and results[2] == pytest.approx(2.0) and results[3] is None
    assert meter.mean() == pytest.approx(2.5) and meter.steps == 4


def test_a_non_finite_loss_fails_the_run_naming_the_epoch():
    meter = LossMeter(torch.device("cpu"), epoch=5, hint="lower --lr", sync_every=2)
    meter.add(torch.tensor(float("nan")))
    with pytest.raises(Hw1Error, match=r"loss became nan in epoch 5; lower --lr"):
        meter.add(torch.tensor(1.0))
    inf_meter = LossMeter(torch.device("cpu"), epoch=1, hint="x", sync_every=100)
    inf_meter.add(torch.tensor(float("inf")))
    with pytest.raises(Hw1Error, match="inf in epoch 1"):
        inf_meter.mean()


def test_run_result_flattens_the_loops_numbers():
    result = RunResult(run_dir="r", epoch=2, step=10, seconds=1.23456, metrics={"loss": 0.5}, extra={"best_acc": 0.9})
    assert result.to_dict() == {
        "run_dir": "r",
        "epoch": 2,
        "step": 10,
        "seconds": 1.235,
        "metrics": {"loss": 0.5},
        "best_acc": 0.9,
    }
    folder = run_module.RunFolder(path=Path("r"), resuming=False, opened=0.0)
    flat = folder.result(epoch=2, step=10, metrics={"loss": 0.5}, best_acc=0.9)
    assert flat["seconds"] > 1e9 and {**flat, "seconds": 1.235} == result.to_dict()  # timed from when it opened


def test_checkpoint_writer_writes_a_snapshot_in_the_background(tmp_path):
    from hw1.core import load_checkpoint
    from hw1.core.run import CheckpointWriter

    weights = torch.ones(3)
    with CheckpointWriter() as writer:
        writer.save({"w": weights, "nested": [weights], "epoch": 1}, tmp_path / "a.pt", tmp_path / "b.pt")
        weights += 1  # training goes on changing the tensor while the save is in flight
    for name in ("a.pt", "b.pt"):
        saved = load_checkpoint(tmp_path / name)
        assert torch.equal(saved["w"], torch.ones(3)) and torch.equal(saved["nested"][0], torch.ones(3))
        assert saved["epoch"] == 1


def test_checkpoint_writer_reraises_a_failed_save(tmp_path):
    from hw1.core.run import CheckpointWriter

    blocker = tmp_path / "file"
    blocker.write_text("")
    writer = CheckpointWriter()
    writer.save({"w": torch.zeros(1)}, blocker / "sub" / "last.pt")  # a folder under a file: cannot exist
    with pytest.raises(Hw1CheckpointError):
        writer.wait()
    writer.wait()  # the error is raised once


def test_snapshot_copies_shared_tensors_once():
    from hw1.core.run import snapshot

    w = torch.zeros(2)
    memo: dict = {}
    a, b = snapshot({"w": w}, memo), snapshot({"w": w, "extra": [w]}, memo)
    assert a["w"] is b["w"] is b["extra"][0] and a["w"] is not w
    w += 1
    assert torch.equal(a["w"], torch.zeros(2))


def test_run_start_writes_config_and_keeps_only_the_resumed_epochs_of_the_log(tmp_path):
    from hw1.core import read_metrics

    folder = tmp_path / "run"
    folder.mkdir()
    log = folder / "metrics.jsonl"
    log.write_text("".join(json.dumps({"epoch": e, "split": "train"}) + "\n" for e in (0, 1, 2, 3)))
    (folder / "last.pt").write_bytes(b"")
    logger = open_run_folder(folder, resume=True).start({"lr": 0.1}, 2, enabled=True)
    assert [r["epoch"] for r in read_metrics(log)] == [0, 1, 2]  # epoch 3 was logged after the last checkpoint
    logger.log(epoch=3, split="train")
    assert [r["epoch"] for r in read_metrics(log)] == [0, 1, 2, 3]
    assert json.loads((folder / "config.json").read_text()) == {"lr": 0.1}

    (folder / "last.pt").unlink()  # a fresh run in a folder with an old log starts an empty one
    open_run_folder(folder, resume=False).start({"lr": 0.2}, 0, enabled=True).log(epoch=1, split="train")
    assert [r["epoch"] for r in read_metrics(log)] == [1]
    log.write_text('{"split": "probe"}\nnot json\n')  # records without an epoch, a bad line: none kept, no error
    open_run_folder(folder, resume=False).start({"lr": 0.2}, 0, enabled=True).log(epoch=1, split="train")
    assert read_metrics(log) == [{"epoch": 1, "split": "train", "time": read_metrics(log)[0]["time"]}]
    open_run_folder(tmp_path / "other", resume=False).start({"lr": 0.2}, 0, enabled=False)  # not rank 0
    assert not (tmp_path / "other").exists()


def _optimizer_state(lr: float = 0.1):
    from hw1.core.run import TrainingState

    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    return model, TrainingState(optimizer, scheduler, torch.amp.GradScaler("cpu", enabled=False))


def test_training_state_restores_what_last_pt_holds():
    model, state = _optimizer_state()
    model(torch.ones(4, 3)).sum().backward()
    state.optimizer.step()
    state.scheduler.step()
    assert list(state.state_dict()) == ["optimizer", "scheduler", "scaler"]
    ckpt = {"state_dict": model.state_dict(), "epoch": 1, "step": 5, **copy.deepcopy(state.state_dict())}

    fresh_model, fresh = _optimizer_state(lr=1.0)
    assert fresh.restore(None, fresh_model) == (0, 0)  # a fresh run
    assert fresh.restore(ckpt, fresh_model) == (1, 5)
    assert torch.equal(fresh_model.weight, model.weight)
    assert fresh.optimizer.param_groups[0]["lr"] == 0.05 and fresh.scheduler.last_epoch == 1
    momentum = fresh.optimizer.state[fresh_model.weight]["momentum_buffer"]
    assert torch.equal(momentum, state.optimizer.state[model.weight]["momentum_buffer"])


def test_distribute_leaves_a_single_process_model_as_it_is(tmp_path):
    from hw1.core.distributed import DistributedContext
    from hw1.core.run import distribute

    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    ctx = DistributedContext(rank=0, local_rank=0, world_size=1, device=torch.device("cpu"))
    assert distribute(model, ctx, sync_batchnorm=True) is model
    _one_process_group(tmp_path)
    try:
        ddp = distribute(model, dataclasses.replace(ctx, world_size=2), sync_batchnorm=True)
        assert isinstance(ddp, nn.parallel.DistributedDataParallel) and ddp.module is model
        assert isinstance(model[1], nn.BatchNorm1d) and not isinstance(model[1], nn.SyncBatchNorm)  # CPU: per process
    finally:
        dist.destroy_process_group()


def test_training_precision_probes_only_a_fresh_auto_run_on_cpu(monkeypatch):
    from hw1.core import precision as precision_module
    from hw1.core.run import training_precision
    from hw1.core.run_options import RunOptions

    monkeypatch.setattr(precision_module, "cpu_has_native_bf16", lambda: True)
    monkeypatch.setattr(precision_module, "PROBE_MIN_RUN_STEPS", 0)
    monkeypatch.setattr(precision_module, "_PROBED", {})
    model, cpu = nn.Conv2d(3, 4, 1), torch.device("cpu")

    def no_size() -> tuple[int, int]:
        raise AssertionError("the input size is only needed by a probe")

    def choose(options: RunOptions, ckpt: dict | None, size=no_size) -> str:
        return training_precision(options, model, cpu, ckpt, key=("toy",), size=size, run_steps=100)

    assert choose(RunOptions(precision="fp32"), None) == "fp32"
    assert choose(RunOptions(), {"precision": "bf16"}) == "bf16"  # a resumed auto run keeps its precision
    assert choose(RunOptions(batch_size=2), None, size=lambda: (8, 6)) in ("fp32", "bf16")
    assert list(precision_module._PROBED) == [(("toy", (2, 3, 8, 6)), "cpu", torch.get_num_threads())]


def test_training_state_step_is_the_loops_step_order():
    model, state = _optimizer_state()
    reference = copy.deepcopy(model)
    ref_opt = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    x = torch.randn(4, 3)
    state.backward(model(x).pow(2).sum())
    state.step(clip_grad=0.5, parameters=model.parameters())
    reference(x).pow(2).sum().backward()
    torch.nn.utils.clip_grad_norm_(reference.parameters(), 0.5)
    ref_opt.step()
    assert torch.equal(model.weight, reference.weight) and torch.equal(model.bias, reference.bias)
    assert model.weight.grad is None and state.scheduler.last_epoch == 1  # cleared, LR schedule advanced


def test_training_state_create_turns_warmup_epochs_into_steps():
    from hw1.core.run import TrainingState
    from hw1.core.run_options import RunOptions

    model = nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    options = RunOptions(epochs=4, warmup_epochs=0.5)
    state = TrainingState.create(optimizer, options, 10, torch.device("cpu"), "fp32", schedule="cosine", min_ratio=0.1)
    lrs = []
    for _ in range(40):
        lrs.append(optimizer.param_groups[0]["lr"])
        state.step()
    assert lrs[:6] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0, 1.0])  # 5 warm-up steps: half of 10 per epoch
    assert lrs[6] < 1.0
    assert lrs[-1] == pytest.approx(0.1, abs=0.01) and not state.scaler.is_enabled()  # no GradScaler in fp32
