"""A full disk while a checkpoint is written: the save fails with one clear error, the previous
checkpoint stays intact and loadable, no temporary file is left, and the run resumes once there
is room again.

A full disk is simulated per process with ``RLIMIT_FSIZE``: with ``SIGXFSZ`` ignored, a write past
the limit fails with ``OSError(EFBIG)`` exactly where a full disk fails with ``ENOSPC`` (set in a
child process only, so pytest's own files are not limited).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from hw1.core import load_checkpoint, read_metrics, save_checkpoint

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE", "HW1_PROGRESS": "0"}


def _limit_file_size(max_bytes: int):
    """A ``preexec_fn`` that makes writes past ``max_bytes`` fail like a full disk."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    return apply


#: In the limited child: overwrite the checkpoint with one larger than the limit and report what
#: was raised.
SAVE_TOO_BIG = """
import json, sys, torch
from hw1.core import save_checkpoint
try:
    save_checkpoint({"epoch": 2, "state_dict": {"w": torch.ones(256, 1024)}}, sys.argv[1])
except BaseException as exc:
    print(json.dumps({"type": type(exc).__name__, "message": str(exc)}))
else:
    print(json.dumps({"type": None}))
"""


def test_save_on_a_full_disk_raises_a_clear_error_and_keeps_the_previous_checkpoint(tmp_path):
    target = tmp_path / "last.pt"
    good = {"epoch": 1, "state_dict": {"w": torch.arange(1000.0)}}
    save_checkpoint(good, target)
    before = target.read_bytes()
    assert len(before) < 64_000 < 256 * 1024 * 4  # the old file fits under the limit, the new one does not

    child = subprocess.run(
        [sys.executable, "-c", SAVE_TOO_BIG, str(target)],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_limit_file_size(64_000),
    )
    assert child.returncode == 0, child.stderr[-3000:]
    raised = json.loads(child.stdout.strip().splitlines()[-1])
    assert raised["type"] == "Hw1CheckpointError", raised  # not torch's "[enforce fail …] unexpected pos"
    message = raised["message"]
    assert "\n" not in message and str(target) in message and "free disk space" in message
    assert target.read_bytes() == before
    loaded = load_checkpoint(target)
    assert loaded["epoch"] == 1 and torch.equal(loaded["state_dict"]["w"], good["state_dict"]["w"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.pt"]  # no .tmp left behind


def _seg_train(data: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "hw1.cli.main",
        "seg",
        "train",
        "--data-dir",
        str(data),
        "--out-dir",
        str(out),
        "--model",
        "fcn32s",
        "--model-kwargs",
        "width=0.125,fc_channels=32",
        "--epochs",
        "3",
        "--batch-size",
        "4",
        "--workers",
        "0",
        "--device",
        "cpu",
        "--precision",
        "fp32",
        "--deterministic",
        "--seed",
        "3",
        *extra,
    ]


@pytest.mark.slow
def test_training_run_that_cannot_save_exits_with_one_line_and_resumes_later(tmp_path):
    from hw1.segmentation.synthetic import make_synthetic_segmentation

    data = make_synthetic_segmentation(tmp_path / "p2", n_train=8, n_val=2, size=64, seed=1)
    run = tmp_path / "run"
    first = subprocess.run(
        _seg_train(data, run, "--stop-after-epoch", "2"), env=ENV, capture_output=True, text=True, timeout=600
    )
    assert first.returncode == 0, first.stderr[-3000:]
    last = run / "last.pt"
    saved = last.read_bytes()
    assert load_checkpoint(last)["epoch"] == 2

    # The limit leaves room for metrics.jsonl and config.json but not for epoch 3's checkpoints.
    full = subprocess.run(
        _seg_train(data, run, "--resume"),
        env=ENV,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=_limit_file_size(len(saved) // 4),
    )
    assert full.returncode == 2, (full.returncode, full.stderr[-3000:])
    assert "Traceback" not in full.stderr
    errors = [line for line in full.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "could not write the checkpoint" in errors[0] and "free disk space" in errors[0], (
        full.stderr
    )
    assert last.read_bytes() == saved and load_checkpoint(last)["epoch"] == 2
    assert not [p.name for p in run.iterdir() if p.name.endswith(".tmp")]

    again = subprocess.run(_seg_train(data, run, "--resume"), env=ENV, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert load_checkpoint(last)["epoch"] == 3
    # the epoch whose save failed is logged once, by the run that saved it
    assert [r["epoch"] for r in read_metrics(run / "metrics.jsonl") if r["split"] == "val"] == [1, 2, 3]
