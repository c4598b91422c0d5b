import numpy as np
import pytest
import torch
from PIL import Image

from hw1.core import Hw1DataError
from hw1.segmentation.codec import write_mask
from hw1.segmentation.dataset import IMAGENET_NORMALIZATION, SegmentationPairs, image_to_tensor, list_pairs


def make_pair(folder, pair_id, labels, image=None):
    folder.mkdir(parents=True, exist_ok=True)
    labels = np.asarray(labels, dtype=np.uint8)
    if image is None:
        image = np.full(labels.shape + (3,), 128, np.uint8)
    Image.fromarray(image).save(folder / f"{pair_id}_sat.png")  # lossless, so values are exact
    write_mask(labels, folder / f"{pair_id}_mask.png")


def test_list_pairs_sorted_by_id(tmp_path):
    for pair_id in ("0104", "0013", "0062"):
        make_pair(tmp_path, pair_id, [[0, 1]])
    (tmp_path / "notes.txt").write_text("ignored")
    pairs = list_pairs(tmp_path)
    assert [p[2] for p in pairs] == ["0013", "0062", "0104"]
    assert pairs[0][0].name == "0013_sat.png" and pairs[0][1].name == "0013_mask.png"


def test_sat_without_mask_is_named(tmp_path):
    make_pair(tmp_path, "0000", [[0]])
    Image.new("RGB", (2, 2)).save(tmp_path / "0007_sat.jpg")
    with pytest.raises(Hw1DataError, match=r"1 satellite image\(s\) have no xxxx_mask\.png: 0007_sat\.jpg"):
        list_pairs(tmp_path)


def test_mask_without_sat_is_named(tmp_path):
    make_pair(tmp_path, "0000", [[0]])
    write_mask(np.zeros((2, 2), np.uint8), tmp_path / "0005_mask.png")
    with pytest.raises(Hw1DataError, match=r"0005_mask\.png"):
        list_pairs(tmp_path)


def test_empty_and_missing_folders(tmp_path):
    with pytest.raises(Hw1DataError, match="no xxxx_sat.jpg images"):
        list_pairs(tmp_path)
    with pytest.raises(Hw1DataError, match="folder not found"):
        SegmentationPairs(tmp_path / "nope")


def test_items_are_normalised_tensors_with_class_ids(tmp_path):
    labels = np.array([[0, 1, 2], [3, 4, 6]])
    image = np.arange(18, dtype=np.uint8).reshape(2, 3, 3) * 10
    make_pair(tmp_path, "0001", labels, image)
    ds = SegmentationPairs(tmp_path)
    assert len(ds) == 1 and ds.ids == ["0001"]
    x, y, pair_id = ds[0]
    assert pair_id == "0001"
    assert x.shape == (3, 2, 3) and x.dtype == torch.float32
    assert y.dtype == torch.int64 and y.tolist() == labels.tolist()
    mean = torch.tensor(IMAGENET_NORMALIZATION["mean"]).view(3, 1, 1)
    std = torch.tensor(IMAGENET_NORMALIZATION["std"]).view(3, 1, 1)
    expected = (torch.from_numpy(image).permute(2, 0, 1).float() / 255 - mean) / std
    torch.testing.assert_close(x, expected)
    assert ds.normalization == IMAGENET_NORMALIZATION and ds.normalization is not IMAGENET_NORMALIZATION


def test_custom_normalisation_is_applied_and_exposed(tmp_path):
    make_pair(tmp_path, "0001", [[5]], np.full((1, 1, 3), 255, np.uint8))
    norm = {"mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}
    x, _, _ = SegmentationPairs(tmp_path, normalization=norm)[0]
    assert x.flatten().tolist() == [2.0, 2.0, 2.0]
    assert image_to_tensor(np.zeros((1, 1, 3), np.float32), norm).flatten().tolist() == [0.0, 0.0, 0.0]


def test_image_mask_size_mismatch_is_named(tmp_path):
    make_pair(tmp_path, "0002", [[0, 0]], np.zeros((1, 2, 3), np.uint8))
    write_mask(np.zeros((3, 3), np.uint8), tmp_path / "0002_mask.png")
    with pytest.raises(Hw1DataError, match=r"0002_mask\.png: mask is 3x3 but 0002_sat\.png is 2x1"):
        SegmentationPairs(tmp_path)[0]


def test_red_choice_reaches_the_codec(tmp_path):
    make_pair(tmp_path, "0003", [[0, 0]])
    Image.fromarray(np.array([[[255, 0, 0], [0, 0, 0]]], np.uint8)).save(tmp_path / "0003_mask.png")
    with pytest.raises(Hw1DataError, match="red"):
        SegmentationPairs(tmp_path)[0]
    assert SegmentationPairs(tmp_path, red="unknown")[0][1].tolist() == [[6, 6]]


def test_synthetic_split_loads(synthetic_seg_data):
    ds = SegmentationPairs(synthetic_seg_data / "validation")
    x, y, pair_id = ds[0]
    assert pair_id == "0000" and x.shape == (3, 64, 64) and y.shape == (64, 64)
