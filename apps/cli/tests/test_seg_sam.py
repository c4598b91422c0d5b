"""``hw1 seg sam`` end to end on a tiny randomly initialised SAM."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

pytest.importorskip("segment_anything")

from hw1.cli.main import cli  # noqa: E402
from hw1.segmentation.sam import SAM_ARCHITECTURES  # noqa: E402
from hw1.segmentation.sam.tiny import save_tiny_sam  # noqa: E402


@pytest.fixture
def tiny_sam(tmp_path):
    yield save_tiny_sam(tmp_path / "sam_tiny.pth", "cli_tiny")
    SAM_ARCHITECTURES.pop("cli_tiny", None)


def test_seg_sam_writes_json_and_overlays(tmp_path, tiny_sam):
    images = tmp_path / "images"
    images.mkdir()
    rng = np.random.default_rng(0)
    for sid in ("0013", "0062"):
        Image.fromarray(rng.integers(0, 256, size=(40, 52, 3), dtype=np.uint8)).save(images / f"{sid}_sat.jpg")
    (images / "0104_sat.jpg").write_bytes(b"broken")
    out = tmp_path / "out"
    args = [
        "seg",
        "sam",
        str(images),
        "--checkpoint",
        str(tiny_sam),
        "--model-type",
        "cli_tiny",
        "--out",
        str(out),
        "--points-per-side",
        "4",
        "--pred-iou-thresh",
        "0",
        "--stability-score-thresh",
        "0",
        "--device",
        "cpu",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output  # one broken image: reported, others written
    assert "0104_sat.jpg" in result.output
    for sid in ("0013", "0062"):
        doc = json.loads((out / f"{sid}_sat_sam.json").read_text())
        assert doc["width"] == 52 and doc["height"] == 40 and doc["masks"]
        assert {"segmentation", "area", "bbox", "predicted_iou", "stability_score"} <= set(doc["masks"][0])
        with Image.open(out / f"{sid}_sat_sam.png") as img:
            assert img.format == "PNG" and img.size == (52, 40)
    assert not (out / "0104_sat_sam.json").exists()


def test_seg_sam_checkpoint_errors(tmp_path, tiny_sam):
    img = tmp_path / "a.jpg"
    Image.fromarray(np.zeros((16, 16, 3), dtype=np.uint8)).save(img)
    missing = CliRunner().invoke(
        cli,
        [
            "seg",
            "sam",
            str(img),
            "--checkpoint",
            str(tmp_path / "sam_vit_b_01ec64.pth"),
            "--model-type",
            "vit_b",
            "--device",
            "cpu",
        ],
    )
    assert missing.exit_code == 2 and "checkpoint file not found" in missing.output
    unknown = CliRunner().invoke(
        cli, ["seg", "sam", str(img), "--checkpoint", str(tiny_sam), "--model-type", "vit_x", "--device", "cpu"]
    )
    assert unknown.exit_code == 2 and "unknown SAM model type" in unknown.output


def test_the_pipeline_sam_step_writes_overlays_and_a_command_line_that_parses_back(tmp_path, tiny_sam):
    import shlex

    import click

    from hw1.cli.study.context import StudyContext
    from hw1.cli.study.layout import StudyData
    from hw1.cli.study.profiles import PROFILES
    from hw1.cli.study.seg_steps import run_sam

    validation = tmp_path / "hw1_data" / "p2_data" / "validation"
    validation.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for sid in ("0013", "0062"):
        Image.fromarray(rng.integers(0, 256, size=(40, 52, 3), dtype=np.uint8)).save(validation / f"{sid}_sat.jpg")
    ctx = StudyContext(
        data=StudyData(tmp_path / "hw1_data"),
        out=tmp_path / "out",
        profile=PROFILES["micro"],
        device="cpu",
        sam_checkpoint=tiny_sam,
        sam_model_type="cli_tiny",
    )
    assert run_sam(ctx) is None and not ctx.notes
    assert {p.name for p in (tmp_path / "out" / "sam").iterdir()} == {
        f"{sid}_sat_sam.{ext}" for sid in ("0013", "0062") for ext in ("json", "png")
    }
    words = shlex.split(ctx.commands[0])
    sam = cli.get_command(click.Context(cli), "seg").get_command(click.Context(cli), "sam")
    params = sam.make_context("sam", words[3:]).params
    assert words[1:3] == ["seg", "sam"] and params["model_type"] == "cli_tiny" and params["device"] == "cpu"
    assert params["out_dir"] == str(tmp_path / "out" / "sam") and params["checkpoint"] == str(tiny_sam)
