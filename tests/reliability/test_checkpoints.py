"""A checkpoint crafted to run code when unpickled is refused by every command that loads one,
with one line naming the file — and the code never runs."""

import os

import pytest
import torch
from PIL import Image


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.fixture
def evil(tmp_path):
    marker = str(tmp_path / "pwned")
    path = tmp_path / "evil.pt"
    torch.save({"format": "hw1-segmentation/1", "state_dict": {}, "payload": _RunsCode(marker)}, path)
    return path, tmp_path / "pwned"


def _inputs(tmp_path, corpus):
    import numpy as np

    from hw1.segmentation import encode_mask

    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(corpus.rgb(0)).save(folder / "0000_sat.jpg")
    csv_path = tmp_path / "test.csv"
    csv_path.write_text("id,filename,label\n0,0000_sat.jpg,1\n")
    for split in ("train", "validation"):
        (tmp_path / "p2" / split).mkdir(parents=True)
        Image.fromarray(corpus.rgb(1)).save(tmp_path / "p2" / split / "0000_sat.jpg")
        Image.fromarray(encode_mask(np.zeros((32, 32), int))).save(tmp_path / "p2" / split / "0000_mask.png")
    return folder, csv_path


@pytest.mark.parametrize(
    "command",
    [
        "seg predict",
        "ssl export",
        "cls predict",
        "cls export-backbone",
        "seg sam",
        "seg train --weights",
        "cls train --init",
    ],
)
def test_every_loader_refuses_code_in_a_checkpoint(tmp_path, corpus, hw1, evil, command):
    path, marker = evil
    folder, csv_path = _inputs(tmp_path, corpus)
    out = tmp_path / "out"
    args = {
        "seg predict": ["seg", "predict", path, folder, out],
        "ssl export": ["ssl", "export", path, out / "b.pt"],
        "cls predict": ["cls", "predict", path, csv_path, folder, out / "p.csv"],
        "cls export-backbone": ["cls", "export-backbone", path, out / "b.pt"],
        "seg sam": ["seg", "sam", folder / "0000_sat.jpg", "--checkpoint", path, "--model-type", "vit_b", "--out", out],
        "seg train --weights": [
            "seg",
            "train",
            "--data-dir",
            tmp_path / "p2",
            "--out-dir",
            out,
            "--model",
            "smp:Unet:resnet18",
            "--weights",
            path,
        ],
        "cls train --init": [
            "cls",
            "train",
            "--train-csv",
            csv_path,
            "--train-images",
            folder,
            "--val-csv",
            csv_path,
            "--val-images",
            folder,
            "--init",
            path,
            "--out-dir",
            out,
        ],
    }[command]
    line = corpus.one_line_error(hw1(*args))
    assert "evil.pt" in line, line
    assert not marker.exists()
