"""Unlabeled folder: recursive listing, unreadable files reported and skipped, clear errors."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from PIL import Image

from hw1.core import Hw1DataError
from hw1.ssl import UnlabeledImageFolder


def _write(folder, n):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.fromarray(np.full((8, 8, 3), i * 10, np.uint8)).save(folder / f"{i}.png")


def test_every_image_recursively_no_labels(tmp_path):
    _write(tmp_path / "a", 2)
    _write(tmp_path / "b" / "c", 3)
    (tmp_path / "notes.txt").write_text("not an image")
    ds = UnlabeledImageFolder(tmp_path)
    assert len(ds) == 5
    img = ds[0]
    assert img.mode == "RGB" and img.size == (8, 8)


def test_unreadable_files_are_reported_one_line_each_and_skipped(tmp_path, caplog):
    _write(tmp_path, 3)
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    (tmp_path / "empty.png").write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="hw1.ssl"):
        ds = UnlabeledImageFolder(tmp_path, transform=lambda im: im.size)
    assert len(ds) == 3
    assert len(ds.skipped) == 2
    messages = [r.getMessage() for r in caplog.records]
    assert sum("broken.jpg" in m for m in messages) == 1
    assert sum("empty.png" in m for m in messages) == 1
    assert any("skipped 2 of 5 images" in m for m in messages)
    assert all("\n" not in m for m in messages)
    assert ds[0] == (8, 8)  # the transform is applied


def test_missing_empty_and_all_bad_folders_are_data_errors(tmp_path):
    with pytest.raises(Hw1DataError, match="folder not found"):
        UnlabeledImageFolder(tmp_path / "nope")
    with pytest.raises(Hw1DataError, match="no images found"):
        UnlabeledImageFolder(tmp_path)
    (tmp_path / "x.png").write_bytes(b"garbage")
    with pytest.raises(Hw1DataError, match="none of the 1 image files"):
        UnlabeledImageFolder(tmp_path, report=False)
