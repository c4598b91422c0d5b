"""The id,filename,label CSV reader of the kNN monitor."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from hw1.core import Hw1DataError
from hw1.ssl import read_labeled_csv


def _images(folder, names):
    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(folder / n)


def test_integer_labels_and_default_image_folder(tmp_path):
    _images(tmp_path, ["0_1.jpg", "3_2.jpg"])
    (tmp_path / "train.csv").write_text("id,filename,label\n0,0_1.jpg,0\n1,3_2.jpg,3\n")
    data = read_labeled_csv(tmp_path / "train.csv")
    assert data.labels == [0, 3]
    assert data.classes == ["0", "1", "2", "3"]
    assert data.paths[1] == tmp_path / "3_2.jpg"


def test_class_names_and_shared_numbering(tmp_path):
    _images(tmp_path / "img", ["a.png", "b.png", "c.png"])
    (tmp_path / "train.csv").write_text("id,filename,label\n0,a.png,dog\n1,b.png,cat\n")
    (tmp_path / "val.csv").write_text("id,filename,label\n0,c.png,dog\n")
    train = read_labeled_csv(tmp_path / "train.csv", tmp_path / "img")
    val = read_labeled_csv(tmp_path / "val.csv", tmp_path / "img", classes=train.classes)
    assert train.classes == ["cat", "dog"] and train.labels == [1, 0]
    assert val.labels == [1]
    (tmp_path / "val2.csv").write_text("id,filename,label\n0,c.png,bird\n")
    with pytest.raises(Hw1DataError, match="'bird' is not a class"):
        read_labeled_csv(tmp_path / "val2.csv", tmp_path / "img", classes=train.classes)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("id,name,label\n0,a.png,1\n", "expected a header"),
        ("id,filename,label\n", "no rows"),
        ("id,filename,label\n0,a.png,\n", "without filename or label"),
        ("id,filename,label\n0,zzz.png,1\n", "1 image.*not found.*zzz.png"),
    ],
)
def test_bad_csvs_are_one_line_data_errors(tmp_path, text, match):
    _images(tmp_path, ["a.png"])
    (tmp_path / "x.csv").write_text(text)
    with pytest.raises(Hw1DataError, match=match) as info:
        read_labeled_csv(tmp_path / "x.csv")
    assert "\n" not in str(info.value)


def test_missing_csv_or_folder(tmp_path):
    with pytest.raises(Hw1DataError, match="CSV file not found"):
        read_labeled_csv(tmp_path / "none.csv")
    (tmp_path / "x.csv").write_text("id,filename,label\n")
    with pytest.raises(Hw1DataError, match="image folder"):
        read_labeled_csv(tmp_path / "x.csv", tmp_path / "nodir")


@pytest.mark.parametrize("name", ["../outside.png", "/tmp/outside.png"])
def test_names_outside_the_image_folder_are_refused(tmp_path, name):
    _images(tmp_path / "img", ["a.png"])
    (tmp_path / "outside.png").write_bytes((tmp_path / "img" / "a.png").read_bytes())
    (tmp_path / "x.csv").write_text(f"id,filename,label\n0,a.png,0\n1,{name},1\n")
    with pytest.raises(Hw1DataError, match=r"x\.csv: row 3: .*relative to the image folder"):
        read_labeled_csv(tmp_path / "x.csv", tmp_path / "img")
