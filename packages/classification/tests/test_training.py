import dataclasses
import json

import numpy as np
import pytest
import torch

from hw1.classification import export_backbone, load_backbone, load_classifier, train_classifier
from hw1.core import Hw1Error, load_checkpoint


def test_frozen_backbone_and_its_batchnorm_stats_do_not_move(tiny_config, backbone_files):
    start, _ = load_backbone(backbone_files["ssl"], "resnet18")
    result = train_classifier(tiny_config(setting="E", augment="standard", epochs=1))
    model, ckpt = load_classifier(f"{result['run_dir']}/last.pt")
    assert ckpt["frozen"] is True and result["frozen"]
    for key, value in start.state_dict().items():
        assert torch.equal(model.backbone.state_dict()[key], value), key  # weights and running stats alike
    head0 = load_classifier(f"{result['run_dir']}/best.pt")[0].head  # the head did train
    assert head0.fc.weight.abs().sum() > 0


def test_cached_features_train_the_same_head_as_images(tiny_config, tmp_path):
    # tolerance: fp32, no augmentation, same seeded order and dropout masks; only the backbone's batch
    # composition differs between the two paths, so heads agree to 1e-4 and accuracies exactly.
    common = dict(setting="D", augment="none", epochs=2)
    a = train_classifier(tiny_config(out_dir=str(tmp_path / "images"), cache_features=False, **common))
    b = train_classifier(tiny_config(out_dir=str(tmp_path / "cached"), cache_features=True, **common))
    head_a = load_classifier(f"{a['run_dir']}/last.pt")[0].head.state_dict()
    head_b = load_classifier(f"{b['run_dir']}/last.pt")[0].head.state_dict()
    for key in head_a:
        assert torch.allclose(head_a[key].float(), head_b[key].float(), atol=1e-4, rtol=1e-3), key
    assert a["best_acc"] == pytest.approx(b["best_acc"], abs=1e-9)
    fa = np.load(f"{a['run_dir']}/features_last.npz")["features"]
    fb = np.load(f"{b['run_dir']}/features_last.npz")["features"]
    assert np.allclose(fa, fb, atol=1e-3)


def test_cache_features_needs_a_frozen_backbone(tiny_config):
    with pytest.raises(Hw1Error, match="needs a frozen backbone"):
        train_classifier(tiny_config(setting="A", cache_features=True))


def test_run_folder_resume_and_export(tiny_config, tmp_path, synth):
    cfg = tiny_config(setting="A", epochs=1, out_dir=str(tmp_path / "a"))
    result = train_classifier(cfg)
    run = result["run_dir"]
    for name in ("features_first.npz", "features_last.npz"):
        with np.load(f"{run}/{name}", allow_pickle=False) as f:
            assert f["features"].shape == (15, 32)  # 5 classes x 3 train images, head hidden 32
            assert sorted(set(f["labels"].tolist())) == [0, 1, 2, 3, 4] and len(f["filenames"]) == 15
    assert len(open(f"{run}/metrics.jsonl").read().splitlines()) == 2  # train + val per epoch
    ckpt = load_checkpoint(f"{run}/best.pt")
    assert ckpt["format"] == "hw1-classification/1" and ckpt["model"]["backbone"] == "resnet18"
    assert ckpt["epoch"] == result["best_epoch"] and ckpt["image_size"] == 32 and ckpt["num_classes"] == 5
    # resume: a 2-epoch run continues from last.pt at epoch 2 without re-logging epoch 1
    again = train_classifier(dataclasses.replace(cfg, epochs=2, resume=True))
    assert load_checkpoint(f"{run}/last.pt")["epoch"] == 2 and again["best_epoch"] >= 1
    records = [json.loads(r) for r in open(f"{run}/metrics.jsonl").read().splitlines()]
    assert [(r["epoch"], r["split"]) for r in records] == [(1, "train"), (1, "val"), (2, "train"), (2, "val")]
    assert records[2]["step"] == 2 * records[0]["step"]  # the step counter continued
    # export-backbone gives a plain backbone file that loads strictly
    out = export_backbone(f"{run}/best.pt", tmp_path / "bb.pt")
    sd = load_checkpoint(out)
    assert "conv1.weight" in sd and not any(k.startswith(("fc.", "head.", "backbone.")) for k in sd)
    model, _ = load_backbone(out, "resnet18")
    assert torch.equal(model.conv1.weight, load_classifier(f"{run}/best.pt")[0].backbone.conv1.weight)


def test_resume_refuses_a_last_pt_of_another_kind_of_run(tiny_config, tmp_path):
    from hw1.core import Hw1CheckpointError, save_checkpoint

    save_checkpoint({"format": "hw1-ssl/1", "state_dict": {}}, tmp_path / "a" / "last.pt")
    with pytest.raises(Hw1CheckpointError, match=r"last\.pt: not an hw1 classification checkpoint.*hw1 cls train"):
        train_classifier(tiny_config(setting="A", out_dir=str(tmp_path / "a"), resume=True))


@pytest.mark.parametrize("n", [16, 17, 9])
def test_training_order_gives_every_rank_an_equal_shard_of_one_permutation(n):
    from hw1.classification.training import _order

    single = _order(n, 3, 0, 0, 1, True)
    assert sorted(single) == list(range(n))  # one process keeps every sample
    shards = [_order(n, 3, 0, rank, 2, True) for rank in (0, 1)]
    # Equal lengths: DDP all-reduces every backward, so a rank with one batch more would hang.
    assert len(shards[0]) == len(shards[1]) == n // 2
    # Step k of 2 processes with batch b = step k of one process with batch 2b.
    b = 2
    for k in range(n // 2 // b):
        union = sorted(shards[0][k * b : (k + 1) * b] + shards[1][k * b : (k + 1) * b])
        assert union == sorted(single[2 * k * b : 2 * (k + 1) * b])
    assert _order(n, 0, 0, 1, 2, False) == list(range(1, n, 2))  # evaluation keeps every sample


def test_resume_without_last_checkpoint_refuses(tiny_config, tmp_path):
    from hw1.core import Hw1CheckpointError

    with pytest.raises(Hw1CheckpointError, match="nothing to resume"):
        train_classifier(tiny_config(setting="A", out_dir=str(tmp_path / "empty"), resume=True))
    assert not (tmp_path / "empty" / "last.pt").exists()


def test_run_writes_config_json_and_refuses_to_overwrite(tiny_config, tmp_path):
    cfg = tiny_config(setting="D", cache_features=True, out_dir=str(tmp_path / "d"))
    train_classifier(cfg)
    stored = json.loads((tmp_path / "d" / "config.json").read_text())
    assert stored == json.loads(json.dumps(dataclasses.asdict(cfg)))
    with pytest.raises(Hw1Error, match="already holds a run.*--resume"):
        train_classifier(cfg)


def test_a_callers_process_group_survives_training(tiny_config, tmp_path):
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        train_classifier(tiny_config(setting="D", cache_features=True))
        assert dist.is_initialized()
        dist.barrier()
    finally:
        dist.destroy_process_group()


def test_a_non_finite_loss_fails_the_run_naming_the_epoch(tiny_config, monkeypatch):
    from hw1.classification import training

    real = training.F.cross_entropy

    def poisoned(logits, target, **kw):
        loss = real(logits, target, **kw)
        return loss * float("nan") if logits.requires_grad else loss

    monkeypatch.setattr(training.F, "cross_entropy", poisoned)
    with pytest.raises(Hw1Error, match="loss became nan in epoch 1; lower --lr"):
        train_classifier(tiny_config(setting="D", cache_features=True))


def test_auto_precision_probes_the_classifier(tiny_config, monkeypatch):
    monkeypatch.setattr("hw1.core.precision.cpu_has_native_bf16", lambda: True)
    monkeypatch.setattr("hw1.core.precision.PROBE_MIN_RUN_STEPS", 0)
    result = train_classifier(tiny_config(setting="A", precision="auto"))
    assert load_checkpoint(f"{result['run_dir']}/last.pt")["precision"] in ("fp32", "bf16")
