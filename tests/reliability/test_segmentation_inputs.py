"""hw1 seg predict / evaluate / train on hostile inputs: bad items are skipped and reported,
structural problems are one-line errors with exit 2, and nothing is written outside the output."""

import numpy as np
import pytest
import torch
from PIL import Image

from hw1.core import save_checkpoint
from hw1.segmentation import encode_mask
from hw1.segmentation.checkpoint import model_checkpoint
from hw1.segmentation.models import create_model


@pytest.fixture
def tiny_checkpoint(tmp_path):
    torch.manual_seed(0)
    kwargs = {"num_classes": 7, "width": 0.125, "fc_channels": 32}
    model = create_model("fcn32s", weights="none", **kwargs)
    return save_checkpoint(model_checkpoint(model, "fcn32s", kwargs, image_size=32), tmp_path / "ckpt" / "best.pt")


def _good_pairs(folder, corpus, n=3, size=32):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.fromarray(corpus.rgb(i, size)).save(folder / f"{i:04d}_sat.jpg")
        labels = np.random.default_rng(i).integers(0, 7, (size, size))
        Image.fromarray(encode_mask(labels)).save(folder / f"{i:04d}_mask.png")


def test_predict_skips_bad_images_writes_the_rest_and_exits_1(tmp_path, corpus, hw1, tiny_checkpoint, outside_sentinel):
    inputs = tmp_path / "in"
    _good_pairs(inputs, corpus)
    bad = corpus.write_bad_images(inputs)
    odd = corpus.write_odd_but_valid_images(inputs)
    out = tmp_path / "out"
    result = hw1("seg", "predict", tiny_checkpoint, inputs, out, "--workers", "0", "--device", "cpu")
    assert result.exit_code == 1, result.output
    written = corpus.files_under(out)
    expected = {f"{i:04d}_mask.png" for i in range(3)} | {
        p.name.replace("_sat.jpg", "_mask.png").replace("_sat.png", "_mask.png") for p in odd.values()
    }
    assert written == expected
    for path in bad.values():
        assert path.name in result.output
    for name in written:
        mask = np.asarray(Image.open(out / name))
        assert mask.shape[2] == 3 and mask.dtype == np.uint8


def test_predict_refuses_to_write_into_its_input_folder(tmp_path, corpus, hw1, tiny_checkpoint):
    inputs = tmp_path / "in"
    _good_pairs(inputs, corpus)
    before = {p: p.read_bytes() for p in inputs.iterdir()}
    corpus.one_line_error(hw1("seg", "predict", tiny_checkpoint, inputs, inputs, "--device", "cpu"))
    assert {p: p.read_bytes() for p in inputs.iterdir()} == before


def test_evaluate_lists_missing_extra_and_mismatched_masks(tmp_path, corpus, hw1):
    gt, pred = tmp_path / "gt", tmp_path / "pred"
    _good_pairs(gt, corpus)
    _good_pairs(pred, corpus)
    (pred / "0002_mask.png").unlink()
    Image.fromarray(encode_mask(np.zeros((8, 8), int))).save(pred / "0001_mask.png")
    Image.fromarray(encode_mask(np.zeros((8, 8), int))).save(pred / "9999_mask.png")
    assert "0002_mask.png" in corpus.one_line_error(hw1("seg", "evaluate", gt, pred))
    Image.fromarray(encode_mask(np.zeros((32, 32), int))).save(pred / "0002_mask.png")
    assert "9999_mask.png" in corpus.one_line_error(hw1("seg", "evaluate", gt, pred))
    (pred / "9999_mask.png").unlink()
    assert "0001_mask.png" in corpus.one_line_error(hw1("seg", "evaluate", gt, pred))


def test_evaluate_refuses_off_palette_red(tmp_path, corpus, hw1):
    gt, pred = tmp_path / "gt", tmp_path / "pred"
    _good_pairs(gt, corpus, n=1)
    _good_pairs(pred, corpus, n=1)
    red = np.zeros((32, 32, 3), np.uint8)
    red[..., 0] = 255
    Image.fromarray(red).save(pred / "0000_mask.png")
    line = corpus.one_line_error(hw1("seg", "evaluate", gt, pred))
    assert "0000_mask.png" in line and "1024" in line


def test_evaluate_on_empty_folders_is_exit_2(tmp_path, corpus, hw1):
    (tmp_path / "gt").mkdir()
    (tmp_path / "pred").mkdir()
    corpus.one_line_error(hw1("seg", "evaluate", tmp_path / "gt", tmp_path / "pred"))


def test_train_with_an_unpaired_or_size_mismatched_mask_is_exit_2(tmp_path, corpus, hw1):
    data = tmp_path / "p2"
    _good_pairs(data / "train", corpus)
    _good_pairs(data / "validation", corpus)
    (data / "train" / "0001_mask.png").unlink()
    line = corpus.one_line_error(
        hw1("seg", "train", "--data-dir", data, "--out-dir", tmp_path / "run", "--epochs", "1", "--device", "cpu")
    )
    assert "0001" in line
