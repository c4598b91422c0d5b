"""A 2-process gloo DDP run on CPU through torchrun: one run folder, rank 0 writes, equal steps."""

from __future__ import annotations

import os
import subprocess
import textwrap

import pytest
import torch

from hw1.core import read_metrics
from hw1.core.launch import torchrun_command

SCRIPT = textwrap.dedent(
    """
    import os
    import sys
    from pathlib import Path

    from hw1.core.tiny_resnet import register_tiny_resnet
    from hw1.ssl import PretrainConfig, pretrain

    register_tiny_resnet()  # the conftest model, in this process too
    images, out, sync_bn = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
    result = pretrain(PretrainConfig(
        images=images, out_dir=out, backbone="timm:hw1_test_tiny_resnet", epochs=2, batch_size=4, num_workers=0,
        image_size=32, precision="fp32", warmup_epochs=0, sync_batchnorm=sync_bn, device="cpu",
        method_options={"hidden_dim": 32, "output_dim": 16}))
    Path(out).parent.joinpath(f"result_rank{os.environ['RANK']}.txt").write_text(str(result["step"]))
    """
)


@pytest.mark.slow
@pytest.mark.ddp
def test_two_process_gloo_run(tiny_images, tmp_path):
    sync_bn = False  # PyTorch's SyncBatchNorm is GPU-only; pretrain refuses it on CPU
    script = tmp_path / "run_ddp.py"
    script.write_text(SCRIPT)
    out = tmp_path / "run"
    env = {**os.environ, "HW1_PROGRESS": "0", "OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}
    cmd = torchrun_command(2, script, tiny_images, out, "1" if sync_bn else "0")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # 24 images, 2 processes × batch 4 -> 3 steps per epoch on each rank; both ranks return
    assert [(tmp_path / f"result_rank{r}.txt").read_text() for r in (0, 1)] == ["6", "6"]
    train = [r for r in read_metrics(out / "metrics.jsonl") if r["split"] == "train"]
    assert [r["epoch"] for r in train] == [1, 2]  # written once, by rank 0
    ckpt = torch.load(out / "last.pt", weights_only=True)
    assert (ckpt["epoch"], ckpt["step"]) == (2, 6)
    assert not any(k.startswith("module.") for k in ckpt["state_dict"])
