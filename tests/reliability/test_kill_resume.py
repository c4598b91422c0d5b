"""SIGKILL a training run mid-way; --resume continues from the last checkpoint and ends with the
same weights as a run that was never interrupted (CPU, fixed seed, deterministic mode).

One test per training loop (seg train, ssl pretrain, cls train). Each starts the uninterrupted
run and the run to be killed side by side (one OpenMP thread each, so on two cores this costs the
time of one run), kills the second with SIGKILL as soon as its first checkpoint shows it is inside
a later epoch — polling the checkpoint, never trusting a sleep length, so a slow shared CPU only
makes the test slower — then resumes it and compares the final checkpoints bit for bit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from hw1.core import load_checkpoint, read_metrics, save_checkpoint
from hw1.core.tiny_resnet import register_tiny_resnet

#: Runs ``hw1 ARGS…`` after registering hw1.core's reduced-width ResNet with timm in that process
#: (10x cheaper than resnet18 on two cores).
TINY_CLI = """
import sys
from hw1.core.tiny_resnet import register_tiny_resnet
from hw1.cli.main import cli

register_tiny_resnet()
cli(sys.argv[1:], prog_name="hw1")
"""
TINY_BACKBONE = register_tiny_resnet()
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE", "HW1_PROGRESS": "0"}
TIMEOUT = 900


def _hw1(*args: object) -> list[str]:
    return [sys.executable, "-c", TINY_CLI, *(str(a) for a in args)]


def _checkpoint_epoch(path: Path) -> int:
    try:
        return int(load_checkpoint(path)["epoch"])
    except Exception:  # noqa: BLE001  (not written yet; the rename is atomic, so never half a file)
        return 0


def _run_killed_and_resumed(command: list[str], straight_command: list[str], run_dir: Path, epochs: int) -> int:
    """Start the straight run and ``command`` together, SIGKILL ``command`` inside an epoch after its
    first checkpoint, resume it, check nothing half-written is left; return the epoch it was
    killed in (its last.pt's epoch)."""
    log = run_dir.parent / "straight.log"  # a file, not a pipe nobody reads while waiting on the kill
    with log.open("w") as fh:
        straight = subprocess.Popen(straight_command, env=ENV, stdout=subprocess.DEVNULL, stderr=fh)
    proc = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + TIMEOUT
        while time.time() < deadline and proc.poll() is None and _checkpoint_epoch(run_dir / "last.pt") < 1:
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before it could be killed; make it longer"
        time.sleep(0.05)  # into the next epoch's steps (the test still holds if it is still saving)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        # last.pt is a whole checkpoint of a finished epoch (were the kill to hit a save, its temp
        # file would be all that is partial, and the next save of last.pt removes it)
        interrupted_at = _checkpoint_epoch(run_dir / "last.pt")
        assert 1 <= interrupted_at < epochs
        resumed = subprocess.run([*command, "--resume"], env=ENV, capture_output=True, text=True, timeout=TIMEOUT)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert not [p.name for p in run_dir.iterdir() if p.name.endswith(".tmp")]  # nothing half-written left
        assert straight.wait(timeout=TIMEOUT) == 0, log.read_text()[-3000:]
    finally:
        for p in (proc, straight):
            if p.poll() is None:
                p.kill()
                p.wait()
    return interrupted_at


def _assert_same(a: object, b: object, where: str) -> None:
    """Bit-identical nested checkpoint data (tensors with torch.equal, the rest with ==)."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            _assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, (where, a, b)


def _assert_same_run(straight: Path, resumed: Path, keys: tuple[str, ...]) -> dict:
    a, b = load_checkpoint(straight / "last.pt"), load_checkpoint(resumed / "last.pt")
    for key in keys:
        _assert_same(a[key], b[key], key)
    return a


def _logged_epochs(run_dir: Path, split: str) -> list[int]:
    return [r["epoch"] for r in read_metrics(run_dir / "metrics.jsonl") if r["split"] == split]


def _seg_args(data, out, epochs):
    return _hw1(
        "seg",
        "train",
        "--data-dir",
        data,
        "--out-dir",
        out,
        "--model",
        "fcn32s",
        "--model-kwargs",
        "width=0.125,fc_channels=32",
        "--epochs",
        epochs,
        "--batch-size",
        4,
        "--workers",
        0,
        "--device",
        "cpu",
        "--precision",
        "fp32",
        "--deterministic",
        "--optimizer",
        "adamw",
        "--lr",
        "0.001",
        "--seed",
        3,
    )


@pytest.mark.slow
def test_killed_segmentation_run_resumes_to_identical_weights(tmp_path):
    from hw1.segmentation.synthetic import make_synthetic_segmentation

    data = make_synthetic_segmentation(tmp_path / "p2", n_train=24, n_val=4, size=64, seed=1)
    epochs = 4
    killed = tmp_path / "killed"
    _run_killed_and_resumed(
        _seg_args(data, killed, epochs), _seg_args(data, tmp_path / "straight", epochs), killed, epochs
    )
    a = _assert_same_run(
        tmp_path / "straight",
        killed,
        ("state_dict", "optimizer", "scheduler", "scaler", "epoch", "step", "best_mean_iou_nansafe", "best_epoch"),
    )
    assert a["epoch"] == epochs
    assert _logged_epochs(killed, "val") == list(range(1, epochs + 1))  # the killed epoch is not logged twice


def _ssl_args(images, out, epochs, workers):
    return _hw1(
        "ssl",
        "pretrain",
        "--images",
        images,
        "--out",
        out,
        "--backbone",
        TINY_BACKBONE,
        "--method-option",
        "hidden_dim=64",
        "--method-option",
        "output_dim=32",
        "--epochs",
        epochs,
        "--batch-size",
        8,
        "--workers",
        workers,
        "--image-size",
        32,
        "--warmup-epochs",
        0.5,
        "--precision",
        "fp32",
        "--device",
        "cpu",
        "--deterministic",
        "--seed",
        3,
    )


@pytest.fixture(scope="module")
def synthetic_sets(tmp_path_factory):
    from hw1.classification.synthetic import make_tiny_classification

    return make_tiny_classification(
        tmp_path_factory.mktemp("synth"), n_train_per_class=16, n_val_per_class=4, n_mini=64, seed=1
    )


@pytest.mark.slow
def test_killed_ssl_pretraining_resumes_to_identical_weights(tmp_path, synthetic_sets):
    # With worker processes, as pre-training runs by default: every epoch re-seeds the sampler, the
    # augmentation RNGs and (through the loader's generator) the workers' seeds, so the resume is
    # exact with workers too. (Resume with --workers 0 is checked in packages/ssl/tests/test_pretrain.py.)
    epochs, workers = 4, 2
    killed = tmp_path / "killed"
    _run_killed_and_resumed(
        _ssl_args(synthetic_sets.mini_dir, killed, epochs, workers),
        _ssl_args(synthetic_sets.mini_dir, tmp_path / "straight", epochs, workers),
        killed,
        epochs,
    )
    # state_dict holds the online network, the heads and the EMA target; momentum follows the step
    a = _assert_same_run(
        tmp_path / "straight", killed, ("state_dict", "optimizer", "scheduler", "scaler", "epoch", "step")
    )
    assert a["epoch"] == epochs and a["step"] == epochs * 64 // 8
    assert _logged_epochs(killed, "train") == list(range(1, epochs + 1))


def _cls_args(s, out, epochs, workers):
    return _hw1(
        "cls",
        "train",
        "--train-csv",
        s.office_train_csv,
        "--train-images",
        s.office_train_dir,
        "--val-csv",
        s.office_val_csv,
        "--val-images",
        s.office_val_dir,
        "--out-dir",
        out,
        "--init",
        "random",
        "--backbone",
        TINY_BACKBONE,
        "--num-classes",
        s.num_classes,
        "--head-hidden",
        32,
        "--image-size",
        32,
        "--augment",
        "strong",
        "--epochs",
        epochs,
        "--batch-size",
        8,
        "--num-workers",
        workers,
        "--precision",
        "fp32",
        "--device",
        "cpu",
        "--seed",
        3,
        "--no-save-features",
    )


@pytest.mark.slow
def test_killed_classification_run_resumes_to_identical_weights(tmp_path, synthetic_sets):
    # cls train has no --deterministic switch; its CPU kernels are deterministic already, and every
    # epoch re-seeds the order, the augmentations and dropout (and so the seeds of workers, if any:
    # --num-workers 2 resumes exactly too, but 0 is the command's default and workers add half again
    # to the test's time).
    epochs, workers = 8, 0  # 8: on a fast CPU an epoch here takes ~0.1 s, and the kill must land before the end
    killed = tmp_path / "killed"
    _run_killed_and_resumed(
        _cls_args(synthetic_sets, killed, epochs, workers),
        _cls_args(synthetic_sets, tmp_path / "straight", epochs, workers),
        killed,
        epochs,
    )
    a = _assert_same_run(
        tmp_path / "straight",
        killed,
        ("state_dict", "optimizer", "scheduler", "scaler", "epoch", "step", "best_acc", "best_epoch"),
    )
    assert a["epoch"] == epochs
    for split in ("train", "val"):
        assert _logged_epochs(killed, split) == list(range(1, epochs + 1))
    best_a = load_checkpoint(tmp_path / "straight" / "best.pt")
    best_b = load_checkpoint(killed / "best.pt")
    _assert_same(best_a["state_dict"], best_b["state_dict"], "best.state_dict")


#: Saves last.pt over and over, each a 64 MB checkpoint whose every value equals its epoch.
SAVE_FOREVER = """
import sys, torch
from hw1.core import save_checkpoint
epoch = 1
while True:
    save_checkpoint({"epoch": epoch, "w": torch.full((16_000_000,), float(epoch))}, sys.argv[1])
    epoch += 1
"""


def test_process_killed_while_saving_leaves_a_whole_checkpoint(tmp_path):
    target = tmp_path / "last.pt"
    proc = subprocess.Popen(
        [sys.executable, "-c", SAVE_FOREVER, str(target)], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.time() + 300
        # a temp file exists while a save is under way and last.pt already holds an earlier one
        while (
            time.time() < deadline
            and proc.poll() is None
            and not (target.is_file() and list(tmp_path.glob(".last.pt.*.tmp")))
        ):
            time.sleep(0.01)
        assert proc.poll() is None, "the saving process died by itself"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    loaded = load_checkpoint(target)  # whole, not the half-written one
    assert loaded["epoch"] >= 1 and bool((loaded["w"] == loaded["epoch"]).all())
    save_checkpoint({"epoch": 0}, target)  # the next save removes what the killed one left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.pt"]
