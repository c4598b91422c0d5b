"""Pre-training through the device pipeline: auto choice, store reuse and rebuild, skipped images."""

import logging
import shutil

import torch

from hw1.core import device_batches
from hw1.core.distributed import DistributedContext
from hw1.core.image_store import open_folder_store
from hw1.ssl import pretrain
from hw1.ssl.device_augmentations import build_device_two_view_augmentation
from hw1.ssl.device_pipeline import DeviceTwoViewBatches, choose_pipeline


def test_auto_takes_device_when_the_decoded_folder_fits(tiny_images, monkeypatch):
    cpu = torch.device("cpu")
    assert choose_pipeline("auto", tiny_images, 32, cpu) == "device"
    monkeypatch.setattr(device_batches, "memory_budget_bytes", lambda device: 24 * 32 * 32 * 3 - 1)
    assert choose_pipeline("auto", tiny_images, 32, cpu) == "workers"
    assert choose_pipeline("device", tiny_images, 32, cpu) == "device"


def test_two_view_batches_follow_the_sampler_order(tiny_images, tmp_path):
    ctx = DistributedContext()
    store = open_folder_store(tiny_images, 32, cache_dir=str(tmp_path / "cache"))
    batches = DeviceTwoViewBatches(store, build_device_two_view_augmentation("byol", 32), 8, ctx, seed=0)
    assert len(batches) == 3
    torch.manual_seed(1)
    first = list(batches.epoch(4))
    torch.manual_seed(1)
    again = list(batches.epoch(4))
    assert all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in zip(first, again, strict=True))
    assert first[0][0].shape == (8, 3, 32, 32) and not torch.equal(first[0][0], first[0][1])


def test_device_and_workers_runs_and_a_bad_image_is_skipped(tiny_images, tmp_path, make_config, caplog):
    images = tmp_path / "imgs"
    shutil.copytree(tiny_images, images)
    (images / "broken.jpg").write_text("not an image")
    caplog.set_level(logging.WARNING)
    device_run = pretrain(make_config(images, tmp_path / "dev", epochs=1, data_pipeline="device"))
    assert device_run["skipped_images"] == 1 and device_run["step"] == 3
    assert any("broken.jpg: not a readable image" in r.getMessage() for r in caplog.records)
    workers_run = pretrain(make_config(images, tmp_path / "wrk", epochs=1, data_pipeline="workers"))
    assert workers_run["skipped_images"] == 1 and workers_run["step"] == 3
    caplog.clear()
    (images / "extra.png").write_bytes((images / "broken.jpg").read_bytes())  # the folder changed
    pretrain(make_config(images, tmp_path / "dev2", epochs=1, data_pipeline="device"))
    assert any("source changed (1 added" in r.getMessage() for r in caplog.records)
