"""``hw1 viz …`` through Click's test runner on the real command tree."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from hw1.cli.main import cli


@pytest.fixture
def runner():
    return CliRunner()


def _png_size(path):
    with Image.open(path) as img:
        assert img.format == "PNG"
        img.load()
        return img.size


def _write_pair(folder, sid, rng, size=48):
    """A satellite image + palette mask pair with two classes (Urban left, Water right)."""
    from hw1.segmentation import PALETTE

    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 256, size=(size, size, 3), dtype=np.uint8)).save(folder / f"{sid}_sat.jpg")
    labels = np.zeros((size, size), dtype=np.uint8)
    labels[:, size // 2 :] = 4
    Image.fromarray(PALETTE[labels]).save(folder / f"{sid}_mask.png")
    return labels


def test_tsne_command(runner, tmp_path):
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 15)
    centres = rng.normal(0, 10, size=(4, 32))
    for name, feats in (
        ("first", rng.normal(size=(60, 32))),
        ("last", centres[labels] + rng.normal(0, 0.3, size=(60, 32))),
    ):
        np.savez(
            tmp_path / f"{name}.npz",
            features=feats.astype(np.float32),
            labels=labels,
            filenames=np.array([f"{i}.jpg" for i in range(60)]),
        )
    out = tmp_path / "tsne.png"
    result = runner.invoke(
        cli, ["viz", "tsne", str(tmp_path / "first.npz"), str(tmp_path / "last.npz"), str(out), "--method", "pca"]
    )
    assert result.exit_code == 0, result.output
    sils = [
        float(line.split("silhouette ")[1].split()[0]) for line in result.output.splitlines() if "silhouette" in line
    ]
    assert len(sils) == 2 and sils[1] > sils[0]
    w, h = _png_size(out)
    assert 600 <= w <= 3000 and 300 <= h <= 1500
    bad = runner.invoke(cli, ["viz", "tsne", str(tmp_path / "none.npz"), str(tmp_path / "last.npz"), str(out)])
    assert bad.exit_code == 2 and "error: " in bad.output and "Traceback" not in bad.output


def test_overlay_command_matches_library(runner, tmp_path):
    from hw1.segmentation import PALETTE
    from hw1.viz import mask_overlay

    rng = np.random.default_rng(0)
    labels = _write_pair(tmp_path, "0013", rng)
    out = tmp_path / "bare.png"
    result = runner.invoke(
        cli,
        [
            "viz",
            "overlay",
            str(tmp_path / "0013_sat.jpg"),
            str(tmp_path / "0013_mask.png"),
            str(out),
            "--no-legend",
            "--edge-width",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    sat = np.asarray(Image.open(tmp_path / "0013_sat.jpg").convert("RGB"))
    assert np.array_equal(np.asarray(Image.open(out).convert("RGB")), mask_overlay(sat, labels, PALETTE, edge_width=3))
    fig = tmp_path / "fig.png"
    assert (
        runner.invoke(
            cli, ["viz", "overlay", str(tmp_path / "0013_sat.jpg"), str(tmp_path / "0013_mask.png"), str(fig)]
        ).exit_code
        == 0
    )
    w, h = _png_size(fig)
    assert 300 <= w <= 2000 and 300 <= h <= 2000
    Image.fromarray(np.zeros((10, 10, 3), dtype=np.uint8)).save(tmp_path / "small_mask.png")
    bad = runner.invoke(
        cli, ["viz", "overlay", str(tmp_path / "0013_sat.jpg"), str(tmp_path / "small_mask.png"), str(fig)]
    )
    assert bad.exit_code == 2 and "10x10" in bad.output


def _tiny_stage_checkpoints(run_dir):
    import torch

    from hw1.core import IMAGENET_NORMALIZATION, save_checkpoint
    from hw1.segmentation.checkpoint import CHECKPOINT_FORMAT, model_spec, plain_state_dict
    from hw1.segmentation.models import create_model

    kwargs = {"num_classes": 7, "width": 0.0625, "fc_channels": 8}
    for i, stage in enumerate(("early", "middle", "final")):
        torch.manual_seed(i)
        model = create_model("fcn32s", weights=None, **kwargs)
        save_checkpoint(
            {
                "format": CHECKPOINT_FORMAT,
                "model": model_spec("fcn32s", kwargs),
                "state_dict": plain_state_dict(model),
                "normalization": IMAGENET_NORMALIZATION,
                "image_size": None,
                "epoch": i + 1,
            },
            run_dir / f"stage_{stage}.pt",
        )


def test_stages_command(runner, tmp_path):
    rng = np.random.default_rng(0)
    data = tmp_path / "p2_data" / "validation"
    for sid in ("0000", "0001", "0002", "0003"):
        _write_pair(data, sid, rng, size=64)
    run = tmp_path / "run"
    run.mkdir()
    missing = runner.invoke(cli, ["viz", "stages", str(run), str(data), str(tmp_path / "s.png")])
    assert missing.exit_code == 2 and "stage_early.pt" in missing.output
    _tiny_stage_checkpoints(run)
    out = tmp_path / "stages.png"
    # The p2_data root works too; 0013/0062/0104 are absent, so the first three ids are used.
    result = runner.invoke(cli, ["viz", "stages", str(run), str(tmp_path / "p2_data"), str(out), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert "3 images x 3 stages" in result.output
    w, h = _png_size(out)
    assert 900 <= w <= 2500 and 500 <= h <= 1500
    bad = runner.invoke(cli, ["viz", "stages", str(run), str(data), str(out), "--ids", "0013"])
    assert bad.exit_code == 2 and "0013" in bad.output


def test_curves_command(runner, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    lines = [
        {"epoch": e, "step": e * 10, "split": s, "loss": 1.0 / e, "miou": 0.1 * e, "lr": 0.01}
        for e in range(1, 4)
        for s in ("train", "val")
    ]
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    out = tmp_path / "curves.png"
    result = runner.invoke(cli, ["viz", "curves", str(run), str(out)])
    assert result.exit_code == 0, result.output
    w, h = _png_size(out)
    assert 900 <= w <= 2000 and 250 <= h <= 800
    bad = runner.invoke(cli, ["viz", "curves", str(tmp_path / "nothing.jsonl"), str(out)])
    assert bad.exit_code == 2 and "not found" in bad.output
    (tmp_path / "empty.jsonl").write_text("\n")
    (tmp_path / "bad.jsonl").write_text("garbage\n{}\n")
    for name, message in (("empty.jsonl", "no metric records"), ("bad.jsonl", "bad.jsonl:1: not a JSON object")):
        bad = runner.invoke(cli, ["viz", "curves", str(tmp_path / name), str(out)])
        assert bad.exit_code == 2 and message in bad.output, bad.output


def test_confusion_command_reads_evaluate_json(runner, tmp_path):
    rng = np.random.default_rng(0)
    gt, pred = tmp_path / "gt", tmp_path / "pred"
    for sid in ("0000", "0001"):
        _write_pair(gt, sid, rng)
        _write_pair(pred, sid, rng)
    ev = runner.invoke(cli, ["seg", "evaluate", str(gt), str(pred), "--json"])
    assert ev.exit_code == 0, ev.output
    (tmp_path / "eval.json").write_text(ev.output)
    out = tmp_path / "cm.png"
    result = runner.invoke(cli, ["viz", "confusion", str(tmp_path / "eval.json"), str(out)])
    assert result.exit_code == 0, result.output
    w, h = _png_size(out)
    assert 600 <= w <= 2500 and 300 <= h <= 1200
    (tmp_path / "x.json").write_text('{"mean_iou": 0.5}')
    bad = runner.invoke(cli, ["viz", "confusion", str(tmp_path / "x.json"), str(out)])
    assert bad.exit_code == 2 and "'confusion'" in bad.output and "hw1 seg evaluate" in bad.output
