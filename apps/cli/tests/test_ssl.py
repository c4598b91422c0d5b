"""``hw1 ssl`` through Click's runner: pretrain, export, methods, and one-line errors (exit 2)."""

from __future__ import annotations

import numpy as np
import torch
import torchvision
from click.testing import CliRunner
from PIL import Image

from hw1.cli.main import cli


def _images(folder, n=8):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)).save(folder / f"{i}.png")


def test_pretrain_then_export(tmp_path, monkeypatch):
    monkeypatch.setenv("HW1_PROGRESS", "0")
    _images(tmp_path / "imgs")
    runner = CliRunner()
    run = tmp_path / "run"
    result = runner.invoke(
        cli,
        [
            "ssl",
            "pretrain",
            "--images",
            str(tmp_path / "imgs"),
            "--out",
            str(run),
            "--backbone",
            "resnet18",
            "--epochs",
            "1",
            "--batch-size",
            "4",
            "--workers",
            "0",
            "--image-size",
            "32",
            "--precision",
            "fp32",
            "--warmup-epochs",
            "0",
            "--method-option",
            "hidden_dim=32",
            "--method-option",
            "output_dim=16",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "checkpoint:" in result.output and "loss" in result.output
    ckpt = torch.load(run / "last.pt", weights_only=True)
    assert ckpt["model"]["method_kwargs"]["hidden_dim"] == 32
    assert ckpt["config"]["method_options"] == {"hidden_dim": 32, "output_dim": 16}

    result = runner.invoke(cli, ["ssl", "export", str(run / "last.pt"), str(tmp_path / "backbone.pt")])
    assert result.exit_code == 0, result.output
    model = torchvision.models.resnet18(weights=None)
    model.fc = torch.nn.Identity()
    model.load_state_dict(torch.load(tmp_path / "backbone.pt", weights_only=True), strict=True)


def test_methods_lists_all_with_options():
    result = CliRunner().invoke(cli, ["ssl", "methods"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith("byol: hidden_dim=4096, output_dim=256")
    assert len(result.output.splitlines()) == 6


def test_bad_input_exits_2_with_one_line(tmp_path):
    runner = CliRunner()
    (tmp_path / "empty").mkdir()
    for args in (
        ["ssl", "pretrain", "--images", str(tmp_path / "missing"), "--out", str(tmp_path / "o1")],
        ["ssl", "pretrain", "--images", str(tmp_path / "empty"), "--out", str(tmp_path / "o2")],
        ["ssl", "pretrain", "--images", str(tmp_path / "empty"), "--method-option", "oops"],
        ["ssl", "export", str(tmp_path / "none.pt"), str(tmp_path / "b.pt")],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), result.output
