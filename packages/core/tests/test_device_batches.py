import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader, DistributedSampler

from hw1.core.device_batches import (
    DeviceBatchSampler,
    apply_seeded,
    epoch_batches,
    memory_budget_bytes,
    resolve_data_pipeline,
    seeded_draw,
    shard_parameters,
    step_seed,
)
from hw1.core.errors import Hw1Error
from hw1.core.image_store import open_folder_store


@pytest.fixture()
def store(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(23):
        Image.fromarray(np.full((6, 6, 3), i, np.uint8)).save(root / f"{i:02d}.png")
    return open_folder_store(root, 6, cache_dir=tmp_path / "cache")


@pytest.mark.parametrize("world_size", [1, 2, 3])
def test_epoch_order_equals_the_distributed_sampler_and_loader(world_size):
    for rank in range(world_size):
        sampler = DistributedSampler(
            range(23), num_replicas=world_size, rank=rank, shuffle=True, seed=5, drop_last=True
        )
        sampler.set_epoch(3)
        expected = [b.tolist() for b in DataLoader(list(sampler), batch_size=4, drop_last=True)]
        got = [b.tolist() for b in epoch_batches(23, 4, seed=5, epoch=3, rank=rank, world_size=world_size)]
        assert got == expected


@pytest.mark.parametrize("resident", [True, False])
def test_batches_are_the_stored_images_as_float_nchw(store, resident):
    sampler = DeviceBatchSampler(store, 4, "cpu", seed=1, resident=resident)
    batches = list(sampler.epoch(2))
    assert len(batches) == sampler.steps_per_epoch == 5
    order = epoch_batches(23, 4, seed=1, epoch=2)
    for idx, batch in zip(order, batches, strict=True):
        image = batch["image"]
        assert image.shape == (4, 3, 6, 6) and image.dtype == torch.float32
        assert torch.allclose(image[:, 1, 2, 3] * 255, idx.float())  # pixel value = file number
    resumed = list(sampler.epoch(2, start_step=3))
    assert all(torch.equal(a["image"], b["image"]) for a, b in zip(resumed, batches[3:], strict=True))


def test_streamed_epoch_stops_cleanly_when_abandoned(store):
    sampler = DeviceBatchSampler(store, 2, "cpu", seed=0, resident=False)
    it = sampler.epoch(0)
    next(it)
    it.close()  # the gathering thread must end, not hang on a full queue
    assert len(list(sampler.epoch(0))) == 11


def test_auto_pipeline_follows_the_memory_budget():
    cpu = torch.device("cpu")
    budget = memory_budget_bytes(cpu)
    assert 0 < budget <= 8 * 1024**3
    assert resolve_data_pipeline("auto", budget, cpu) == "device"
    assert resolve_data_pipeline("auto", budget + 1, cpu) == "workers"
    assert resolve_data_pipeline("workers", 1, cpu) == "workers"
    with pytest.raises(Hw1Error, match="auto, device, workers"):
        resolve_data_pipeline("gpu", 1, cpu)


def test_count_and_last_partial_batch(store):
    sampler = DeviceBatchSampler(store, 4, "cpu", seed=0, count=10, drop_last=False)
    batches = [b["image"][:, 0, 0, 0] * 255 for b in sampler.epoch(0)]
    assert len(batches) == sampler.steps_per_epoch == 3 and [len(b) for b in batches] == [4, 4, 2]
    assert sorted(torch.cat(batches).round().long().tolist()) == list(range(10))


def test_sharded_parameters_give_each_rank_its_global_positions():
    drawn = seeded_draw(
        lambda: {"p": torch.rand(6), "order": torch.arange(6), "forward_input_shape": torch.ones(4)}, seed=3
    )
    again = seeded_draw(lambda: {"p": torch.rand(6)}, seed=3)
    assert torch.equal(drawn["p"], again["p"])
    parts = [shard_parameters(drawn, 6, r, 2) for r in range(2)]
    assert torch.equal(parts[1]["p"], drawn["p"][1::2]) and torch.equal(parts[0]["order"], drawn["order"])
    assert step_seed(0, 1, 2) == step_seed(0, 1, 2) != step_seed(0, 1, 3)


class _Crop(torch.nn.Module):
    """A kornia-shaped random step: per-sample offsets drawn for the input shape, output of size ``size``."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.flags = {"size": (size, size)}
        self.shapes: list[torch.Size] = []

    def forward_parameters(self, shape: torch.Size) -> dict[str, torch.Tensor]:
        self.shapes.append(shape)
        return {"offset": torch.rand(shape[0])}

    def forward(self, images: torch.Tensor, params: dict[str, torch.Tensor]) -> torch.Tensor:
        size = self.flags["size"][0]
        return images[..., :size, :size] + params["offset"].view(-1, 1, 1, 1)


def test_seeded_steps_augment_a_sharded_batch_like_one_process():
    crop, later, images = _Crop(4), _Crop(2), torch.rand(6, 3, 8, 8)
    steps = [crop, torch.nn.Identity(), later]  # Identity: no random parameters, applied as is
    whole = apply_seeded(steps, images, seed=5, rank=0, world_size=1)
    assert whole.shape == (6, 3, 2, 2) and later.shapes == [torch.Size([6, 3, 4, 4])]  # the crop's output size
    parts = [apply_seeded(steps, images[r::2], seed=5, rank=r, world_size=2) for r in range(2)]
    assert torch.equal(parts[0], whole[0::2]) and torch.equal(parts[1], whole[1::2])
    assert crop.shapes[-1] == torch.Size([6, 3, 8, 8])  # drawn for the global batch on every rank


def test_ordered_batches_follow_the_given_indices(store):
    sampler = DeviceBatchSampler(store, 4, "cpu", seed=0, resident=False)
    got = [(b["image"][:, 0, 0, 0] * 255).round().long().tolist() for b in sampler.ordered([5, 1, 22, 0, 7, 3])]
    assert got == [[5, 1, 22, 0], [7, 3]]
