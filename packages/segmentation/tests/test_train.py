"""Training: a tiny run learns and writes its run directory; resume is exact; config errors."""

from __future__ import annotations

import json
import math

import pytest
import torch

from hw1.core import Hw1CheckpointError, Hw1Error, load_checkpoint, read_metrics, save_checkpoint
from hw1.segmentation.checkpoint import (
    CHECKPOINT_FORMAT,
    load_model_from_checkpoint,
    model_checkpoint,
)
from hw1.segmentation.models import create_model
from hw1.segmentation.palette import CLASS_NAMES
from hw1.segmentation.train import SegTrainConfig, stage_epochs, train_segmentation

pytestmark = pytest.mark.usefixtures("forbid_downloads")

#: A tiny FCN that trains in seconds (fp32: exact reruns; bf16 is the fast path on CPUs with native bf16).
TINY_FCN = {"width": 0.0625, "fc_channels": 16, "dropout": 0.2}


def tiny_config(data_dir: object, out_dir: object, **overrides: object) -> SegTrainConfig:
    """A one-epoch fp32 run of :data:`TINY_FCN` on 4 training and 1 validation pair at 32 px, single
    process; ``overrides`` replace any field."""
    fields = dict(
        model="fcn32s",
        model_kwargs=TINY_FCN,
        epochs=1,
        batch_size=4,
        max_train=4,
        max_val=1,
        image_size=32,
        num_workers=0,
        precision="fp32",
    )
    return SegTrainConfig(data_dir=str(data_dir), out_dir=str(out_dir), **{**fields, **overrides})


def test_stage_epochs() -> None:
    assert stage_epochs(1) == {"early": 1, "middle": 1, "final": 1}
    assert stage_epochs(4) == {"early": 1, "middle": 2, "final": 4}
    assert stage_epochs(5) == {"early": 1, "middle": 3, "final": 5}


@pytest.mark.slow
def test_tiny_run_learns_and_writes_the_run_directory(seg_train_data, tmp_path) -> None:
    out = tmp_path / "run"
    config = tiny_config(
        seg_train_data,
        out,
        model="smp:Unet:resnet18",
        model_kwargs={"encoder_depth": 3, "decoder_channels": [32, 16, 16]},
        optimizer="adamw",
        lr=3e-3,
        schedule="cosine",
        epochs=3,
        max_train=None,
        max_val=None,
        image_size=None,
        seed=0,
    )
    result = train_segmentation(config)
    history = result["history"]
    first, best = history[0]["mean_iou_nansafe"], result["best_mean_iou"]
    # Margin: the best epoch's mIoU beats the first epoch's by at least 0.08 (absolute); measured
    # on this data: about 0.05 after epoch 1 (one class everywhere), 0.15-0.25 after epoch 3.
    assert best >= first + 0.08, history
    assert result["best_epoch"] > 1
    for name in (
        "last.pt",
        "best.pt",
        "stage_early.pt",
        "stage_middle.pt",
        "stage_final.pt",
        "metrics.jsonl",
        "config.json",
    ):
        assert (out / name).is_file(), name
    records = read_metrics(out / "metrics.jsonl")
    val = [r for r in records if r["split"] == "val"]
    assert [r["epoch"] for r in val] == [1, 2, 3]
    assert set(val[0]["iou"]) == set(CLASS_NAMES) and "mean_iou" in val[0] and "loss" in val[0]
    assert all(r["loss"] > 0 for r in records if r["split"] == "train")
    assert json.loads((out / "config.json").read_text())["model"] == "smp:Unet:resnet18"
    stages = {s: load_checkpoint(out / f"stage_{s}.pt")["epoch"] for s in ("early", "middle", "final")}
    assert stages == {"early": 1, "middle": 2, "final": 3}
    best_ckpt = load_checkpoint(out / "best.pt")
    assert best_ckpt["format"] == CHECKPOINT_FORMAT and best_ckpt["epoch"] == result["best_epoch"]
    assert best_ckpt["model"] == {
        "name": "smp:Unet:resnet18",
        "kwargs": {"num_classes": 7, "encoder_depth": 3, "decoder_channels": [32, 16, 16]},
    }
    assert best_ckpt["normalization"]["mean"] == pytest.approx([0.485, 0.456, 0.406])
    assert "optimizer" in load_checkpoint(out / "last.pt") and "optimizer" not in best_ckpt
    model, _ = load_model_from_checkpoint(out / "best.pt")
    with torch.no_grad():
        assert model(torch.randn(1, 3, 37, 41)).shape == (1, 7, 37, 41)


@pytest.mark.slow
def test_resume_continues_exactly(seg_train_data, tmp_path) -> None:
    common = dict(
        optimizer="sgd",
        lr=0.02,
        warmup_epochs=0.5,
        schedule="poly",
        epochs=2,
        accumulate=2,
        max_train=12,
        max_val=4,
        image_size=48,
        num_workers=1,
        seed=7,
    )
    straight = train_segmentation(tiny_config(seg_train_data, tmp_path / "a", **common))
    first = train_segmentation(tiny_config(seg_train_data, tmp_path / "b", stop_after_epoch=1, **common))
    assert first["epochs_run"] == 1 and not (tmp_path / "b" / "stage_final.pt").exists()
    resumed = train_segmentation(tiny_config(seg_train_data, tmp_path / "b", resume=True, **common))
    assert resumed["epochs_run"] == 1
    a, b = load_checkpoint(tmp_path / "a" / "last.pt"), load_checkpoint(tmp_path / "b" / "last.pt")
    assert a["step"] == b["step"] == 2 * math.ceil(3 / 2)
    for key, value in a["state_dict"].items():
        assert torch.equal(value, b["state_dict"][key]), key
    assert a["scheduler"]["last_epoch"] == b["scheduler"]["last_epoch"]
    strip = [{k: v for k, v in r.items() if k != "time"} for r in read_metrics(tmp_path / "a" / "metrics.jsonl")]
    again = [{k: v for k, v in r.items() if k != "time"} for r in read_metrics(tmp_path / "b" / "metrics.jsonl")]
    assert strip == again
    assert straight["history"][-1]["mean_iou_nansafe"] == resumed["history"][-1]["mean_iou_nansafe"]
    assert b["best_mean_iou_nansafe"] == resumed["best_mean_iou"] and "best_miou" not in b


def test_resume_reads_a_best_score_saved_before_0_4(seg_train_data, tmp_path) -> None:
    """A last.pt written before 0.4 names the best score ``best_miou``; resume keeps it as the best."""
    common = dict(epochs=2, max_train=4, max_val=2)
    train_segmentation(tiny_config(seg_train_data, tmp_path, stop_after_epoch=1, **common))
    last = load_checkpoint(tmp_path / "last.pt")
    last["best_miou"] = 2.0  # above any mean IoU: epoch 2 must not replace best.pt
    del last["best_mean_iou_nansafe"]
    save_checkpoint(last, tmp_path / "last.pt")
    resumed = train_segmentation(tiny_config(seg_train_data, tmp_path, resume=True, **common))
    assert resumed["best_mean_iou"] == 2.0 and resumed["best_epoch"] == 1
    assert load_checkpoint(tmp_path / "best.pt")["epoch"] == 1


def _fake_run(folder, model_name: str = "fcn32s") -> None:
    model = create_model(model_name, **TINY_FCN)
    save_checkpoint(
        model_checkpoint(model, model_name, {"num_classes": 7, **TINY_FCN}, epoch=1, step=1), folder / "last.pt"
    )


def test_existing_run_needs_resume(seg_train_data, tmp_path) -> None:
    _fake_run(tmp_path)
    with pytest.raises(Hw1Error, match="--resume"):
        train_segmentation(tiny_config(seg_train_data, tmp_path))


def test_resume_without_a_run_or_with_another_model(seg_train_data, tmp_path) -> None:
    with pytest.raises(Hw1CheckpointError, match="nothing to resume"):
        train_segmentation(tiny_config(seg_train_data, tmp_path / "none", resume=True))
    _fake_run(tmp_path)
    with pytest.raises(Hw1CheckpointError, match="same --model"):
        train_segmentation(tiny_config(seg_train_data, tmp_path, model="fcn16s", resume=True))


@pytest.mark.parametrize("bad", [{"optimizer": "lbfgs"}, {"epochs": 0}, {"lr": -1.0}, {"image_size": 2}])
def test_bad_config_is_a_user_error(tmp_path, bad) -> None:
    with pytest.raises(Hw1Error):
        train_segmentation(SegTrainConfig(data_dir=str(tmp_path), out_dir=str(tmp_path / "o"), **bad))


def test_missing_data_dir(tmp_path) -> None:
    with pytest.raises(Hw1Error, match="data folder not found"):
        train_segmentation(SegTrainConfig(data_dir=str(tmp_path / "nope"), out_dir=str(tmp_path / "o")))


def test_model_options_are_typed() -> None:
    """What ``hw1 seg train --model-option`` does: string values bound to the model's keyword arguments."""
    from hw1.core.options import bind_options
    from hw1.segmentation.models import model_options

    def bind(model: str, options: dict[str, str]) -> dict[str, object]:
        return bind_options(model_options(model), options, what=f"model {model!r}", option="--model-option")

    assert bind("fcn32s", {"width": "0.25", "batch_norm": "True"}) == {"width": 0.25, "batch_norm": True}
    assert bind("smp:Unet:resnet18", {"decoder_channels": "[32, 16, 16]"}) == {"decoder_channels": [32, 16, 16]}


def test_biases_and_norm_weights_get_no_weight_decay(seg_train_data, tmp_path) -> None:
    config = tiny_config(
        seg_train_data,
        tmp_path,
        model="smp:Unet:resnet18",
        model_kwargs={"encoder_depth": 3, "decoder_channels": [16, 8, 8]},
        optimizer="sgd",
        weight_decay=1e-3,
    )
    result = train_segmentation(config)
    assert result["epoch"] == 1 and (tmp_path / "config.json").is_file()
    groups = load_checkpoint(tmp_path / "last.pt")["optimizer"]["param_groups"]
    model = create_model("smp:Unet:resnet18", num_classes=7, encoder_depth=3, decoder_channels=[16, 8, 8])
    one_dim = sum(1 for p in model.parameters() if p.ndim <= 1)
    assert [g["weight_decay"] for g in groups] == [1e-3, 0.0]
    assert len(groups[1]["params"]) == one_dim > 0  # every bias and BatchNorm weight, undecayed


def test_auto_precision_probes_the_model(seg_train_data, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("hw1.core.precision.cpu_has_native_bf16", lambda: True)
    monkeypatch.setattr("hw1.core.precision.PROBE_MIN_RUN_STEPS", 0)
    train_segmentation(tiny_config(seg_train_data, tmp_path, precision="auto"))
    assert load_checkpoint(tmp_path / "last.pt")["precision"] in ("fp32", "bf16")
