import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from hw1.core import Hw1DataError, list_images, open_image, read_rgb, relative_image_name


def test_rgb_modes_convert_by_their_rgb_values(tmp_path):
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[..., 0] = 200
    rgb[..., 2] = 30
    Image.fromarray(rgb).convert("RGBA").save(tmp_path / "rgba.png")
    Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE).save(tmp_path / "p.png")
    p = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE)
    p.info["transparency"] = 0
    p.save(tmp_path / "p_trans.png", transparency=0)
    Image.fromarray(rgb).convert("CMYK").save(tmp_path / "cmyk.jpg", quality=100)
    for name in ("rgba.png", "p.png", "p_trans.png"):
        assert np.array_equal(read_rgb(tmp_path / name), rgb), name
    cmyk = read_rgb(tmp_path / "cmyk.jpg")
    assert cmyk.shape == (4, 4, 3) and abs(int(cmyk[0, 0, 0]) - 200) <= 3


def test_gray_and_16_bit_become_three_equal_channels(tmp_path):
    Image.fromarray(np.full((3, 5), 77, np.uint8), "L").save(tmp_path / "l.png")
    Image.fromarray(np.full((3, 5), 77, np.uint8), "L").convert("LA").save(tmp_path / "la.png")
    Image.fromarray(np.full((3, 5), 65535, np.uint16)).save(tmp_path / "i16.png")
    assert read_rgb(tmp_path / "l.png").tolist() == [[[77] * 3] * 5] * 3
    assert read_rgb(tmp_path / "la.png")[0, 0].tolist() == [77, 77, 77]
    img = open_image(tmp_path / "i16.png")
    assert img.mode == "RGB" and np.asarray(img)[0, 0].tolist() == [255, 255, 255]


def test_truncated_empty_and_fake_images_name_the_file(tmp_path):
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(tmp_path / "full.jpg")
    data = (tmp_path / "full.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "notes.jpg").write_text("not an image")
    with pytest.raises(Hw1DataError, match=r"cut\.jpg: cannot decode image .*truncated"):
        open_image(tmp_path / "cut.jpg")
    with pytest.raises(Hw1DataError, match=r"empty\.png: empty file"):
        open_image(tmp_path / "empty.png")
    with pytest.raises(Hw1DataError, match=r"notes\.jpg: not a readable image"):
        open_image(tmp_path / "notes.jpg")
    with pytest.raises(Hw1DataError, match="not found"):
        open_image(tmp_path / "missing.png")


def _png_declaring(width, height):
    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def test_decompression_bombs_are_refused_before_decoding(tmp_path):
    (tmp_path / "bomb.png").write_bytes(_png_declaring(100_000, 100_000))
    with pytest.raises(Hw1DataError, match=r"bomb\.png: .*decompression bomb"):
        open_image(tmp_path / "bomb.png")
    Image.new("RGB", (50, 50)).save(tmp_path / "big.png")
    with pytest.raises(Hw1DataError, match=r"big\.png: image declares 50x50 pixels"):
        open_image(tmp_path / "big.png", max_pixels=1000)


def test_list_images_filters_and_sorts(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("b.JPG", "a.png", "sub/c.jpg", "readme.txt", ".hidden.png"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in list_images(tmp_path)] == ["a.png", "b.JPG"]
    assert [p.name for p in list_images(tmp_path, recursive=True)] == ["a.png", "b.JPG", "c.jpg"]
    with pytest.raises(Hw1DataError, match="folder not found"):
        list_images(tmp_path / "nope")


@pytest.mark.parametrize("name", ["", "../secret.jpg", "a/../../b.jpg", "/etc/passwd", "C:\\x.jpg", "..\\x.jpg"])
def test_list_names_that_leave_the_folder_are_refused(name):
    with pytest.raises(Hw1DataError, match=r"list\.csv: row 7: file name .* relative to the image folder"):
        relative_image_name(name, "list.csv", 7)


def test_relative_list_names_pass_unchanged():
    assert relative_image_name("sub/0_1.jpg", "list.csv", 2) == "sub/0_1.jpg"
