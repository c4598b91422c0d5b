import json
import logging
import os

import numpy as np
import pytest
from PIL import Image

from hw1.core.errors import Hw1DataError
from hw1.core.image_store import default_cache_dir, open_folder_store, resize_center_crop, store_bytes


def _folder(root, count=5, size=12):
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    pixels = {}
    for i in range(count):
        arr = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        Image.fromarray(arr).save(root / f"img{i}.png")
        pixels[f"img{i}.png"] = arr
    return pixels


def test_store_holds_the_decoded_pixels_and_is_reused(tmp_path, caplog):
    pixels = _folder(tmp_path / "imgs")
    first = open_folder_store(tmp_path / "imgs", 12, cache_dir=tmp_path / "cache")
    assert first.rebuilt and len(first) == 5 and first.arrays["image"].shape == (5, 12, 12, 3)
    for name, row in zip(first.names, first.arrays["image"], strict=True):
        assert np.array_equal(row, pixels[os.path.basename(name)])
    assert first.nbytes == store_bytes(5, (12, 12))
    caplog.set_level(logging.WARNING, "hw1.core")
    again = open_folder_store(tmp_path / "imgs", 12, cache_dir=tmp_path / "cache")
    assert not again.rebuilt and again.path == first.path and not caplog.records
    other = open_folder_store(tmp_path / "imgs", 8, cache_dir=tmp_path / "cache")
    assert other.rebuilt and other.path != first.path and other.arrays["image"].shape == (5, 8, 8, 3)


@pytest.mark.parametrize("change", ["added", "removed", "modified"])
def test_changed_folder_rebuilds_with_a_message(tmp_path, caplog, change):
    _folder(tmp_path / "imgs")
    open_folder_store(tmp_path / "imgs", 12, cache_dir=tmp_path / "cache")
    if change == "added":
        Image.fromarray(np.full((12, 12, 3), 7, np.uint8)).save(tmp_path / "imgs" / "new.png")
    elif change == "removed":
        (tmp_path / "imgs" / "img3.png").unlink()
    else:
        Image.fromarray(np.full((12, 12, 3), 9, np.uint8)).save(tmp_path / "imgs" / "img0.png")
        st = (tmp_path / "imgs" / "img0.png").stat()
        os.utime(tmp_path / "imgs" / "img0.png", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    caplog.set_level(logging.WARNING, "hw1.core")
    store = open_folder_store(tmp_path / "imgs", 12, cache_dir=tmp_path / "cache")
    assert store.rebuilt
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and f"1 {change}" in lines[0] and "rebuilding" in lines[0]
    if change == "modified":
        assert (store.arrays["image"][0] == 9).all()
    assert len(store) == {"added": 6, "removed": 4, "modified": 5}[change]


@pytest.mark.parametrize("damage", ["truncated", "flipped", "manifest"])
def test_damaged_store_is_rebuilt(tmp_path, caplog, damage):
    pixels = _folder(tmp_path / "imgs")
    store = open_folder_store(tmp_path / "imgs", 12, cache_dir=tmp_path / "cache")
    data = store.path / "image.u8"
    if damage == "truncated":
        data.write_bytes(data.read_bytes()[:-10])
    elif damage == "flipped":
        raw = bytearray(data.read_bytes())
        raw[100] ^= 0xFF
        data.write_bytes(bytes(raw))
    else:
        (store.path / "manifest.json").write_text("{not json")
    caplog.set_level(logging.WARNING, "hw1.core")
    again = open_folder_store(tmp_path / "imgs", 12, cache_dir=tmp_path / "cache")
    assert again.rebuilt and "rebuilding" in caplog.records[0].getMessage()
    assert np.array_equal(again.arrays["image"][1], pixels["img1.png"])


def test_killed_build_leaves_no_complete_looking_store(tmp_path, monkeypatch):
    _folder(tmp_path / "imgs")
    from hw1.core import image_store

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(image_store, "_crc", boom)
    with pytest.raises(KeyboardInterrupt):
        open_folder_store(tmp_path / "imgs", 12, cache_dir=tmp_path / "cache")
    assert not any((tmp_path / "cache").iterdir())  # neither the store nor its temporary folder
    monkeypatch.undo()
    assert open_folder_store(tmp_path / "imgs", 12, cache_dir=tmp_path / "cache").rebuilt


def test_bad_images_are_reported_skipped_and_remembered(tmp_path, caplog):
    pixels = _folder(tmp_path / "imgs", count=3)
    (tmp_path / "imgs" / "bad.jpg").write_text("not an image")
    (tmp_path / "imgs" / "empty.png").write_bytes(b"")
    caplog.set_level(logging.WARNING, "hw1.core")
    store = open_folder_store(tmp_path / "imgs", 12, cache_dir=tmp_path / "cache")
    assert len(store) == 3 and len(store.skipped) == 2
    assert [os.path.basename(n) for n in store.names] == ["img0.png", "img1.png", "img2.png"]
    assert np.array_equal(store.arrays["image"][2], pixels["img2.png"])
    messages = [r.getMessage() for r in caplog.records]
    assert any("bad.jpg: not a readable image" in m for m in messages)
    assert messages[-1].startswith("skipped 2 of 5 images")
    caplog.clear()
    again = open_folder_store(tmp_path / "imgs", 12, cache_dir=tmp_path / "cache")
    assert not again.rebuilt and len(again.skipped) == 2  # reported again, not decoded again
    assert sum("skipped:" in r.getMessage() for r in caplog.records) == 2


def test_nothing_readable_and_empty_folder_are_data_errors(tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.jpg").write_text("nope")
    with pytest.raises(Hw1DataError, match="none of the 1 image files could be read"):
        open_folder_store(tmp_path / "bad", 8, cache_dir=tmp_path / "cache", report=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(Hw1DataError, match="no images found"):
        open_folder_store(tmp_path / "empty", 8, cache_dir=tmp_path / "cache")


def test_resize_covers_then_crops_the_centre():
    wide = Image.fromarray(
        np.concatenate(
            [np.zeros((10, 10, 3), np.uint8), np.full((10, 20, 3), 255, np.uint8), np.zeros((10, 10, 3), np.uint8)],
            axis=1,
        )
    )
    out = resize_center_crop(wide, (5, 5), Image.NEAREST)
    assert out.size == (5, 5) and (np.asarray(out) == 255).all()


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HW1_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c" / "images"
    monkeypatch.delenv("HW1_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert default_cache_dir() == tmp_path / "x" / "hw1" / "images"


def test_manifest_records_sources_and_skips(tmp_path):
    _folder(tmp_path / "imgs", count=2)
    store = open_folder_store(tmp_path / "imgs", 12, cache_dir=tmp_path / "cache")
    manifest = json.loads((store.path / "manifest.json").read_text())
    assert manifest["format"] == "hw1-image-store/1" and manifest["size"] == [12, 12]
    assert [os.path.basename(r[0]) for r in manifest["listing"]] == ["img0.png", "img1.png"]
