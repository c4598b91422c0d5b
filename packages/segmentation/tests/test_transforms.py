import numpy as np
import torch
from torch.utils.data import DataLoader

from hw1.segmentation.codec import decode_mask, encode_mask, write_mask
from hw1.segmentation.dataset import SegmentationPairs
from hw1.segmentation.transforms import build_eval_transform, build_train_transform

#: With mean 0 / std 1 the normalised image is rgb / 255, so it can be decoded back to classes.
IDENTITY = {"mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0]}


def blocky_labels(size=64, block=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 7, (size // block, size // block)).repeat(block, 0).repeat(block, 1).astype(np.uint8)


def decode_normalised(image: np.ndarray) -> np.ndarray:
    return decode_mask(np.clip(np.rint(image * 255), 0, 255).astype(np.uint8), red="unknown")


def test_flips_and_rotations_keep_image_and_mask_aligned():
    labels = blocky_labels()
    transform = build_train_transform(None, IDENTITY, color_jitter=0, seed=0)
    changed = 0
    for _ in range(12):
        out = transform(image=encode_mask(labels), mask=labels)
        assert out["image"].dtype == np.float32 and out["mask"].dtype == np.uint8
        np.testing.assert_array_equal(decode_normalised(out["image"]), out["mask"])
        changed += not np.array_equal(out["mask"], labels)
    assert changed > 0  # the augmentation really moved things


def test_scale_crop_and_resize_keep_alignment_and_pure_ids():
    labels = blocky_labels(size=96, block=32)
    transform = build_train_transform(48, IDENTITY, resize=80, color_jitter=0, seed=1)
    for _ in range(8):
        out = transform(image=encode_mask(labels), mask=labels)
        assert out["mask"].shape == (48, 48) and out["image"].shape == (48, 48, 3)
        assert set(np.unique(out["mask"])) <= set(np.unique(labels))  # nearest neighbour: no new ids
        # The image is interpolated linearly, so only block borders may disagree.
        agreement = (decode_normalised(out["image"]) == out["mask"]).mean()
        assert agreement > 0.85  # a misaligned pair agrees on ~1/7 of the pixels


def test_colour_jitter_changes_only_the_image_and_seed_reproduces():
    labels = blocky_labels()
    rgb = np.full((64, 64, 3), 120, np.uint8)
    a = build_train_transform(None, IDENTITY, seed=3)
    b = build_train_transform(None, IDENTITY, seed=3)
    outs_a = [a(image=rgb, mask=labels) for _ in range(4)]
    outs_b = [b(image=rgb, mask=labels) for _ in range(4)]
    for oa, ob in zip(outs_a, outs_b, strict=True):
        np.testing.assert_array_equal(oa["image"], ob["image"])
        np.testing.assert_array_equal(oa["mask"], ob["mask"])
    assert any(not np.allclose(o["image"], 120 / 255) for o in outs_a)


def test_eval_transform_is_deterministic_normalisation_with_optional_resize():
    labels = blocky_labels()
    rgb = encode_mask(labels)
    out = build_eval_transform(IDENTITY)(image=rgb, mask=labels)
    np.testing.assert_allclose(out["image"], rgb / 255.0, atol=1e-6)
    np.testing.assert_array_equal(out["mask"], labels)
    small = build_eval_transform(IDENTITY, resize=32)(image=rgb, mask=labels)
    assert small["image"].shape == (32, 32, 3)
    np.testing.assert_array_equal(small["mask"], labels[::2, ::2])


def test_dataloader_workers_draw_different_augmentations(tmp_path):
    labels = blocky_labels(size=32, block=4)
    from PIL import Image

    for i in range(4):  # four identical pairs
        Image.fromarray(encode_mask(labels)).save(tmp_path / f"{i:04d}_sat.png")
        write_mask(labels, tmp_path / f"{i:04d}_mask.png")
    ds = SegmentationPairs(tmp_path, build_train_transform(24, IDENTITY, color_jitter=0, seed=0))
    loader = DataLoader(ds, batch_size=1, num_workers=2, generator=torch.Generator().manual_seed(0))
    masks = [y[0] for _, y, _ in loader]
    # Worker 0 serves items 0 and 2, worker 1 items 1 and 3: same input, different random crops.
    assert not torch.equal(masks[0], masks[1])
    assert not torch.equal(masks[0], masks[2])


def _dihedral_variants(labels: np.ndarray) -> dict[bytes, str]:
    variants = {}
    for k in range(4):
        variants[np.rot90(labels, k).tobytes()] = f"rot{k}"
        variants[np.rot90(labels[:, ::-1], k).tobytes()] = f"mirror-rot{k}"
    return variants


def test_seeded_transform_draws_each_step_independently():
    # A.Compose.set_random_seed gives every step the same seed: both flips then always agreed and
    # no mirrored image ever occurred. All eight flips/rotations must appear.
    labels = np.arange(16, dtype=np.uint8).reshape(4, 4)
    variants = _dihedral_variants(labels)
    transform = build_train_transform(None, IDENTITY, color_jitter=0, seed=0)
    transform.set_random_seed(11)
    seen = {variants[transform(image=np.zeros((4, 4, 3), np.uint8), mask=labels)["mask"].tobytes()] for _ in range(200)}
    assert seen == set(variants.values())


def test_sample_seed_draws_an_items_augmentation_from_its_index_alone(tmp_path):
    labels = blocky_labels(size=32, block=4)
    from PIL import Image

    for i in range(3):  # identical pairs: only the augmentation draw tells items apart
        Image.fromarray(encode_mask(labels)).save(tmp_path / f"{i:04d}_sat.png")
        write_mask(labels, tmp_path / f"{i:04d}_mask.png")
    ds = SegmentationPairs(tmp_path, build_train_transform(24, IDENTITY, color_jitter=0, seed=0))
    ds.sample_seed = 5
    forward = [ds[i][1] for i in (0, 1, 2)]
    backward = [ds[i][1] for i in (2, 1, 0)][::-1]
    assert all(torch.equal(a, b) for a, b in zip(forward, backward, strict=True))  # order does not matter
    assert not (torch.equal(forward[0], forward[1]) and torch.equal(forward[1], forward[2]))  # items differ
    ds.sample_seed = 6  # next epoch
    assert not all(torch.equal(ds[i][1], forward[i]) for i in range(3))
