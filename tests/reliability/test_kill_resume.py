"""SIGKILL a training run mid-way; --resume continues from the last checkpoint and ends with the
same weights as a run that was never interrupted (CPU, fixed seed, deterministic mode)."""

import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from hw1.core import load_checkpoint


def _train_args(data, out, epochs):
    return [sys.executable, "-m", "hw1.cli.main", "seg", "train", "--data-dir", str(data), "--out-dir", str(out),
            "--model", "fcn32s", "--model-kwargs", "width=0.125,fc_channels=32", "--epochs", str(epochs),
            "--batch-size", "4", "--workers", "0", "--device", "cpu", "--precision", "fp32", "--deterministic",
            "--optimizer", "adamw", "--lr", "0.001", "--seed", "3"]


@pytest.mark.slow
def test_killed_segmentation_run_resumes_to_identical_weights(tmp_path):
    from hw1.segmentation.synthetic import make_synthetic_segmentation

    data = make_synthetic_segmentation(tmp_path / "p2", n_train=24, n_val=4, size=64, seed=1)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HW1_PROGRESS": "0"}
    epochs = 4
    subprocess.run(_train_args(data, tmp_path / "straight", epochs), check=True, env=env, capture_output=True,
                   timeout=600)

    killed = tmp_path / "killed"
    proc = subprocess.Popen(_train_args(data, killed, epochs), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if (killed / "last.pt").is_file() and load_checkpoint(killed / "last.pt")["epoch"] >= 1:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be killed; make it longer"
    time.sleep(0.5)  # somewhere inside the next epoch
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    interrupted_at = load_checkpoint(killed / "last.pt")["epoch"]
    assert 1 <= interrupted_at < epochs
    assert not [p for p in killed.iterdir() if p.name.endswith(".tmp")]  # no half-written checkpoint

    subprocess.run([*_train_args(data, killed, epochs), "--resume"], check=True, env=env, capture_output=True,
                   timeout=600)
    a = load_checkpoint(tmp_path / "straight" / "last.pt")
    b = load_checkpoint(killed / "last.pt")
    assert a["epoch"] == b["epoch"] == epochs and a["step"] == b["step"]
    for key, value in a["state_dict"].items():
        assert torch.equal(value, b["state_dict"][key]), key
    epochs_logged = [line for line in (killed / "metrics.jsonl").read_text().splitlines() if '"split": "val"' in line]
    assert len(epochs_logged) == epochs  # the killed epoch is not logged twice
