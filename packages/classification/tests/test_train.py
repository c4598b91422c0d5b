import numpy as np
import pytest
import torch

from hw1.classification import load_classifier, train_classifier
from hw1.core import Hw1Error, create_backbone, load_checkpoint


def test_frozen_backbone_and_its_batchnorm_stats_do_not_move(tiny_config, backbone_files):
    start = create_backbone("resnet18")
    start.load_state_dict({k: v for k, v in load_checkpoint(backbone_files["ssl"]).items()})
    result = train_classifier(tiny_config(setting="E", ssl_backbone=str(backbone_files["ssl"]), augment="standard"))
    model, ckpt = load_classifier(f"{result['run_dir']}/last.pt")
    assert ckpt["frozen"] is True
    for key, value in start.state_dict().items():
        assert torch.equal(model.backbone.state_dict()[key], value), key  # weights and running stats alike
    assert result["epochs"] == 2


def test_cached_features_train_the_same_head_as_images(tiny_config, backbone_files, tmp_path):
    common = dict(setting="D", supervised_backbone=str(backbone_files["supervised"]), augment="none", epochs=3)
    a = train_classifier(tiny_config(out_dir=str(tmp_path / "images"), cache_features=False, **common))
    b = train_classifier(tiny_config(out_dir=str(tmp_path / "cached"), cache_features=True, **common))
    head_a = load_classifier(f"{a['run_dir']}/last.pt")[0].head.state_dict()
    head_b = load_classifier(f"{b['run_dir']}/last.pt")[0].head.state_dict()
    for key in head_a:
        # tolerance: the backbone runs on differently sized batches in the two paths
        assert torch.allclose(head_a[key].float(), head_b[key].float(), atol=1e-4, rtol=1e-3), key
    assert a["best_acc"] == pytest.approx(b["best_acc"], abs=1e-9)


def test_cache_features_needs_a_frozen_backbone(tiny_config):
    with pytest.raises(Hw1Error, match="needs a frozen backbone"):
        train_classifier(tiny_config(setting="A", cache_features=True))


def test_run_folder_features_and_metrics(tiny_config, tiny_data):
    result = train_classifier(tiny_config(setting="A"))
    run = result["run_dir"]
    for name in ("features_first.npz", "features_last.npz"):
        with np.load(f"{run}/{name}", allow_pickle=False) as f:
            assert f["features"].shape == (24, 32)  # 4 classes x 6 train images, head hidden 32
            assert sorted(set(f["labels"].tolist())) == [0, 1, 2, 3]
            assert len(f["filenames"]) == 24
    lines = open(f"{run}/metrics.jsonl").read().splitlines()
    assert len(lines) == 4  # train + val per epoch
    assert 0.0 <= result["best_acc"] <= 1.0


def test_resume_continues_to_the_same_weights(tiny_config, tmp_path):
    train_classifier(tiny_config(setting="A", out_dir=str(tmp_path / "a"), epochs=2, deterministic=True))
    train_classifier(tiny_config(setting="A", out_dir=str(tmp_path / "b"), epochs=2, deterministic=True,
                                 stop_after_epoch=1))
    assert load_checkpoint(tmp_path / "b" / "last.pt")["epoch"] == 1
    with pytest.raises(Hw1Error, match="pass --resume"):
        train_classifier(tiny_config(setting="A", out_dir=str(tmp_path / "b"), epochs=2))
    train_classifier(tiny_config(setting="A", out_dir=str(tmp_path / "b"), epochs=2, deterministic=True, resume=True))
    a = load_checkpoint(tmp_path / "a" / "last.pt")
    b = load_checkpoint(tmp_path / "b" / "last.pt")
    assert a["step"] == b["step"]
    for key, value in a["state_dict"].items():
        assert torch.allclose(value.float(), b["state_dict"][key].float(), atol=1e-5), key
    records = [line for line in open(tmp_path / "b" / "metrics.jsonl").read().splitlines()]
    assert len(records) == 4  # epoch 1 and 2, train + val, nothing logged twice
