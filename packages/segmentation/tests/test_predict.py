"""Prediction: Predictor, folder streaming, naming, bad images, and the CLI round trip
(train → predict → evaluate)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from hw1.core import Hw1Error, save_checkpoint
from hw1.segmentation.checkpoint import model_checkpoint
from hw1.segmentation.codec import read_mask
from hw1.segmentation.models import create_model
from hw1.segmentation.predict import Predictor, list_prediction_inputs, mask_name, predict_folder

pytestmark = pytest.mark.usefixtures("forbid_downloads")

TINY_FCN = {"width": 0.0625, "fc_channels": 16}


@pytest.fixture
def tiny_checkpoint(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    model = create_model("fcn8s", **TINY_FCN)
    # Non-zero score layers so the untrained net predicts several classes.
    for conv in (model.score_fr, model.score_pool3, model.score_pool4):
        torch.nn.init.normal_(conv.weight, std=0.5)
    return save_checkpoint(
        model_checkpoint(model, "fcn8s", {"num_classes": 7, **TINY_FCN}, image_size=None, epoch=1), tmp_path / "tiny.pt"
    )


def _write_image(path: Path, h: int, w: int, seed: int) -> None:
    rgb = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(path, quality=90)


def test_mask_names() -> None:
    assert mask_name("a/0013_sat.jpg") == "0013_mask.png"
    assert mask_name("tile.png") == "tile_mask.png"


def test_inputs_prefer_sat_files(tmp_path: Path) -> None:
    for name in ("0000_sat.jpg", "0000_mask.png", "0001_sat.jpg"):
        _write_image(tmp_path / name, 8, 8, 0)
    assert [p.name for p in list_prediction_inputs(tmp_path)] == ["0000_sat.jpg", "0001_sat.jpg"]
    (tmp_path / "0000_sat.jpg").unlink()
    (tmp_path / "0001_sat.jpg").rename(tmp_path / "field.jpg")
    assert [p.name for p in list_prediction_inputs(tmp_path)] == ["field.jpg"]


def test_predict_array_any_size(tiny_checkpoint: Path) -> None:
    predictor = Predictor(tiny_checkpoint, device="cpu", precision="fp32")
    rgb = np.random.default_rng(0).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    labels = predictor.predict_array(rgb)
    assert labels.shape == (37, 53) and labels.dtype == np.uint8 and labels.max() <= 6
    assert len(np.unique(labels)) > 1
    # Resize-and-back and TTA keep the shape.
    assert Predictor(tiny_checkpoint, device="cpu", size=32, tta=True).predict_array(rgb).shape == (37, 53)
    with pytest.raises(Hw1Error):
        predictor.predict_array(rgb[..., 0])


def test_predict_folder_writes_palette_masks_at_input_size(tiny_checkpoint: Path, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    _write_image(src / "0000_sat.jpg", 40, 48, 1)
    _write_image(src / "0001_sat.jpg", 40, 48, 2)
    _write_image(src / "0002_sat.jpg", 33, 21, 3)
    _write_image(src / "0000_mask.png", 40, 48, 4)  # ground truth beside the images: not an input
    out = tmp_path / "out" / "nested"
    report = predict_folder(tiny_checkpoint, src, out, device="cpu", precision="fp32", batch_size=2, num_workers=1)
    assert report.ok and report.written == 3
    assert sorted(p.name for p in out.iterdir()) == ["0000_mask.png", "0001_mask.png", "0002_mask.png"]
    predictor = Predictor(tiny_checkpoint, device="cpu", precision="fp32")
    for i, (h, w) in enumerate([(40, 48), (40, 48), (33, 21)]):
        img = Image.open(out / f"{i:04d}_mask.png")
        assert img.mode == "RGB" and img.size == (w, h)
        expected = predictor.predict_array(np.asarray(Image.open(src / f"{i:04d}_sat.jpg").convert("RGB")))
        np.testing.assert_array_equal(read_mask(out / f"{i:04d}_mask.png"), expected)


def test_output_dir_must_differ_from_input(tiny_checkpoint: Path, tmp_path: Path) -> None:
    _write_image(tmp_path / "0000_sat.jpg", 16, 16, 0)
    with pytest.raises(Hw1Error, match="--force"):
        predict_folder(tiny_checkpoint, tmp_path, tmp_path, device="cpu", num_workers=0)
    report = predict_folder(tiny_checkpoint, tmp_path, tmp_path, device="cpu", num_workers=0, force=True)
    assert report.written == 1 and (tmp_path / "0000_mask.png").is_file()


def test_cli_predict_skips_a_bad_image_and_exits_1(tiny_checkpoint: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    cli = pytest.importorskip("hw1.cli.main", reason="hw1-cli not installed (package tested alone)").cli

    src = tmp_path / "in"
    src.mkdir()
    _write_image(src / "0000_sat.jpg", 32, 32, 0)
    (src / "0001_sat.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a jpeg")
    _write_image(src / "0002_sat.jpg", 32, 32, 2)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["seg", "predict", str(tiny_checkpoint), str(src), str(out), "--workers", "0"])
    assert result.exit_code == 1, result.output
    assert "0001_sat.jpg" in result.output and "wrote 2 masks" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["0000_mask.png", "0002_mask.png"]


def test_cli_predict_passes_decode_and_writer_threads(
    tiny_checkpoint: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from hw1.segmentation import predict as predict_module
    from hw1.segmentation.prediction_inputs import DECODE_CHOICES

    seg_cli = pytest.importorskip("hw1.cli.seg", reason="hw1-cli not installed (package tested alone)")
    assert seg_cli.PREDICT_DECODE == DECODE_CHOICES
    seen: dict = {}
    real = predict_module.predict_folder

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(predict_module, "predict_folder", spy)
    src = tmp_path / "in"
    src.mkdir()
    _write_image(src / "0000_sat.jpg", 32, 32, 0)
    args = [str(tiny_checkpoint), str(src), str(tmp_path / "out"), "--num-workers", "0", "--device", "cpu"]
    result = CliRunner().invoke(seg_cli.seg, ["predict", *args, "--decode", "pil", "--writer-threads", "1"])
    assert result.exit_code == 0, result.output
    assert seen["decode"] == "pil" and seen["writer_threads"] == 1
    assert (tmp_path / "out" / "0000_mask.png").is_file()
    bad = CliRunner().invoke(seg_cli.seg, ["predict", *args, "--decode", "gpu"])
    assert bad.exit_code == 2 and "auto" in bad.output


def test_cli_predict_bad_checkpoint_exits_2(tmp_path: Path) -> None:
    from click.testing import CliRunner

    cli = pytest.importorskip("hw1.cli.main", reason="hw1-cli not installed (package tested alone)").cli

    bad = tmp_path / "bad.pt"
    save_checkpoint({"state_dict": {}}, bad)
    (tmp_path / "in").mkdir()
    _write_image(tmp_path / "in" / "0000_sat.jpg", 16, 16, 0)
    result = CliRunner().invoke(cli, ["seg", "predict", str(bad), str(tmp_path / "in"), str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "not an hw1 segmentation checkpoint" in result.output


def test_cli_models_lists_the_registry() -> None:
    from click.testing import CliRunner

    cli = pytest.importorskip("hw1.cli.main", reason="hw1-cli not installed (package tested alone)").cli

    result = CliRunner().invoke(cli, ["seg", "models"])
    assert result.exit_code == 0
    for name in ("fcn32s", "deeplabv3_resnet101", "smp:DeepLabV3Plus:ENCODER"):
        assert name in result.output


@pytest.mark.slow
def test_cli_train_predict_evaluate_round_trip(seg_train_data: Path, tmp_path: Path) -> None:
    """The mIoU of ``hw1 seg evaluate`` on ``hw1 seg predict``'s masks equals the validation mIoU
    the training loop logged for the same checkpoint: one scoring path."""
    from click.testing import CliRunner

    cli = pytest.importorskip("hw1.cli.main", reason="hw1-cli not installed (package tested alone)").cli
    from hw1.core import read_metrics

    runner = CliRunner()
    run = tmp_path / "run"
    result = runner.invoke(
        cli,
        [
            "seg",
            "train",
            "--data-dir",
            str(seg_train_data),
            "--out-dir",
            str(run),
            "--model",
            "fcn8s",
            "--model-kwargs",
            "width=0.0625,fc_channels=16,batch_norm=true",
            "--epochs",
            "1",
            "--batch-size",
            "4",
            "--max-train",
            "8",
            "--image-size",
            "48",
            "--workers",
            "0",
            "--precision",
            "fp32",
            "--optimizer",
            "adamw",
            "--lr",
            "0.003",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "best val mIoU" in result.output
    val_dir = tmp_path / "val"
    shutil.copytree(seg_train_data / "validation", val_dir)
    pred = tmp_path / "pred"
    result = runner.invoke(
        cli, ["seg", "predict", str(run / "best.pt"), str(val_dir), str(pred), "--precision", "fp32", "--workers", "0"]
    )
    assert result.exit_code == 0, result.output
    assert len(list(pred.glob("*_mask.png"))) == len(list(val_dir.glob("*_sat.jpg")))
    result = runner.invoke(cli, ["seg", "evaluate", str(val_dir), str(pred), "--json"])
    assert result.exit_code == 0, result.output
    evaluated = json.loads(result.output)
    logged = [r for r in read_metrics(run / "metrics.jsonl") if r["split"] == "val"][-1]
    assert evaluated["mean_iou_nansafe"] == pytest.approx(logged["mean_iou_nansafe"], abs=1e-6)
    for name, iou in evaluated["per_class_iou"].items():
        if iou is None:
            assert logged["iou"][name] is None
        else:
            assert iou == pytest.approx(logged["iou"][name], abs=1e-6, nan_ok=True)


def test_fast_writer_and_device_decoding_give_the_same_masks(tiny_checkpoint: Path, tmp_path: Path) -> None:
    """Masks of the fast path (compress level 1, a writer per CPU; JPEGs decoded by torchvision on
    the model's device) decode to exactly the pixels of the previous writer (level 6, PIL decode)."""
    from hw1.segmentation.codec import write_mask
    from hw1.segmentation.synthetic import make_synthetic_segmentation

    root = make_synthetic_segmentation(tmp_path / "data", n_train=0, n_val=5, size=48, seed=3)
    src = root / "validation"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(src / "0005_sat.jpg")  # grayscale JPEG
    (src / "0006_sat.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    predictor = Predictor(tiny_checkpoint, device="cpu", precision="fp32")
    outs = {}
    for decode in ("pil", "device"):
        outs[decode] = tmp_path / decode
        report = predict_folder(predictor, src, outs[decode], batch_size=3, num_workers=0, decode=decode)
        assert report.written == 6 and [Path(p).name for p, _ in report.failed] == ["0006_sat.jpg"]
        assert "0006_sat.jpg" in report.failed[0][1]
    previous = tmp_path / "previous"
    for image in sorted(src.glob("000[0-5]_sat.jpg")):  # the previous path: PIL decode, default writer
        labels = predictor.predict_array(np.asarray(Image.open(image).convert("RGB")))
        write_mask(labels, previous / mask_name(image), compress_level=6)
    for mask in sorted(previous.iterdir()):
        expected = np.asarray(Image.open(mask))
        for decode in ("pil", "device"):
            np.testing.assert_array_equal(np.asarray(Image.open(outs[decode] / mask.name)), expected)
            np.testing.assert_array_equal(read_mask(outs[decode] / mask.name), read_mask(mask))
    with pytest.raises(Hw1Error, match="decode"):
        predict_folder(predictor, src, tmp_path / "x", decode="gpu")
