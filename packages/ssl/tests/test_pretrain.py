"""The pre-training loop: outputs, checkpoint format, metrics, kNN monitor, resume, errors."""

from __future__ import annotations

import shutil

import pytest
import torch

from hw1.core import Hw1CheckpointError, Hw1DataError, Hw1Error, read_metrics
from hw1.ssl import CHECKPOINT_FORMAT, pretrain


def test_run_writes_checkpoint_metrics_and_knn(tiny_images, knn_split, tmp_path, make_config):
    cfg = make_config(
        tiny_images,
        tmp_path / "run",
        epochs=2,
        save_every=1,
        knn_train_csv=str(knn_split["train_csv"]),
        knn_val_csv=str(knn_split["val_csv"]),
    )
    result = pretrain(cfg)
    run = tmp_path / "run"
    assert result["run_dir"] == str(run) and result["step"] == 6  # 24 images / batch 8 × 2 epochs
    assert {p.name for p in run.iterdir()} >= {
        "last.pt",
        "epoch_0001.pt",
        "epoch_0002.pt",
        "metrics.jsonl",
        "config.json",
    }

    ckpt = torch.load(run / "last.pt", weights_only=True)  # plain data only
    assert ckpt["format"] == CHECKPOINT_FORMAT == "hw1-ssl/1"
    assert ckpt["model"] == {
        "method": "byol",
        "backbone": "timm:hw1_test_tiny_resnet",
        "num_features": 128,
        "method_kwargs": {"hidden_dim": 128, "output_dim": 32, "momentum_start": 0.99, "momentum_end": 1.0},
    }
    assert (ckpt["epoch"], ckpt["step"]) == (2, 6)
    assert ckpt["config"]["method"] == "byol"
    assert {"optimizer", "scheduler", "scaler", "normalization"} <= set(ckpt)

    records = read_metrics(run / "metrics.jsonl")
    train = [r for r in records if r["split"] == "train"]
    knn = [r for r in records if r["split"] == "knn"]
    assert [r["epoch"] for r in train] == [1, 2]
    assert [r["epoch"] for r in knn] == [0, 1, 2]  # random-init baseline, then every epoch
    for r in train:
        assert set(r) >= {"loss", "lr", "momentum", "feature_std", "step"}
        assert 0.0 < r["feature_std"] < 1.0
    assert train[0]["momentum"] < train[1]["momentum"] == 1.0  # EMA schedule reaches 1 at the end
    assert all(0.0 <= r["knn_top1"] <= 1.0 for r in knn)
    assert result["knn_top1"] == knn[-1]["knn_top1"]


def test_resume_continues_the_same_run_with_equal_weights(tiny_images, tmp_path, make_config):
    full = make_config(tiny_images, tmp_path / "full", epochs=2, save_every=1, deterministic=True)
    pretrain(full)
    # an interrupted run: only epoch 1's checkpoint exists (and a log line from the lost epoch 2)
    part = tmp_path / "part"
    part.mkdir()
    shutil.copy(tmp_path / "full" / "epoch_0001.pt", part / "last.pt")
    lines = (tmp_path / "full" / "metrics.jsonl").read_text().splitlines()
    (part / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    result = pretrain(make_config(tiny_images, part, epochs=2, deterministic=True, resume=True))

    a = torch.load(tmp_path / "full" / "last.pt", weights_only=True)
    b = torch.load(part / "last.pt", weights_only=True)
    assert (b["epoch"], b["step"]) == (a["epoch"], a["step"]) == (2, 6)
    assert b["metrics"]["lr"] == a["metrics"]["lr"]
    assert b["metrics"]["momentum"] == a["metrics"]["momentum"]
    assert b["scheduler"]["last_epoch"] == a["scheduler"]["last_epoch"]
    for key, value in a["state_dict"].items():
        if isinstance(value, torch.Tensor):
            assert torch.equal(value, b["state_dict"][key]), key
    epochs = [r["epoch"] for r in read_metrics(part / "metrics.jsonl") if r["split"] == "train"]
    assert epochs == [1, 2]  # the lost epoch's line was dropped, not duplicated
    assert result["step"] == 6


def test_existing_run_needs_resume_and_resume_needs_a_run(tiny_images, tmp_path, make_config):
    pretrain(make_config(tiny_images, tmp_path / "run", epochs=1))
    with pytest.raises(Hw1Error, match="pass --resume"):
        pretrain(make_config(tiny_images, tmp_path / "run", epochs=1))
    with pytest.raises(Hw1CheckpointError, match="nothing to resume"):
        pretrain(make_config(tiny_images, tmp_path / "other", epochs=1, resume=True))


def test_bad_inputs_are_user_errors(tiny_images, tmp_path, make_config):
    with pytest.raises(Hw1DataError, match="fewer than one batch"):
        pretrain(make_config(tiny_images, tmp_path / "a", batch_size=64))
    with pytest.raises(Hw1DataError, match="folder not found"):
        pretrain(make_config(tmp_path / "missing", tmp_path / "b"))
    with pytest.raises(Hw1Error, match="unknown SSL method"):
        pretrain(make_config(tiny_images, tmp_path / "c", method="dino"))
    with pytest.raises(Hw1Error, match="both --knn-train-csv and --knn-val-csv"):
        pretrain(make_config(tiny_images, tmp_path / "d", knn_train_csv="x.csv"))
    assert not (tmp_path / "a").exists()


def test_a_checkpoint_with_hw1_ssl_0_1_config_keys_still_resumes(tiny_images, tmp_path, make_config):
    from hw1.core import save_checkpoint

    pretrain(make_config(tiny_images, tmp_path / "full", epochs=2, save_every=1))
    run = tmp_path / "old"
    run.mkdir()
    ckpt = torch.load(tmp_path / "full" / "epoch_0001.pt", weights_only=True)
    config = ckpt["config"]
    config["out"], config["workers"] = config.pop("out_dir"), config.pop("num_workers")  # 0.1 spellings
    save_checkpoint(ckpt, run / "last.pt")
    result = pretrain(make_config(tiny_images, run, epochs=2, resume=True))
    assert result["epoch"] == 2 and result["step"] == 6
    stored = torch.load(run / "last.pt", weights_only=True)["config"]
    assert stored["out_dir"] == str(run) and "out" not in stored and "workers" not in stored


def test_auto_precision_probes_the_method_and_a_resume_keeps_the_choice(
    tiny_images, tmp_path, make_config, monkeypatch
):
    monkeypatch.setattr("hw1.core.precision.cpu_has_native_bf16", lambda: True)
    monkeypatch.setattr("hw1.core.precision.PROBE_MIN_RUN_STEPS", 0)
    pretrain(make_config(tiny_images, tmp_path / "full", epochs=2, save_every=1, precision="auto"))
    first = torch.load(tmp_path / "full" / "epoch_0001.pt", weights_only=True)
    assert first["precision"] in ("fp32", "bf16")
    first["precision"] = "bf16" if first["precision"] == "fp32" else "fp32"  # as if the probe had chosen the other
    (tmp_path / "part").mkdir()
    torch.save(first, tmp_path / "part" / "last.pt")
    pretrain(make_config(tiny_images, tmp_path / "part", epochs=2, precision="auto", resume=True))
    resumed = torch.load(tmp_path / "part" / "last.pt", weights_only=True)
    assert resumed["epoch"] == 2 and resumed["precision"] == first["precision"]  # not probed again
