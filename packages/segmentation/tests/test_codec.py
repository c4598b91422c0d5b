import itertools

import numpy as np
import pytest
from PIL import Image

from hw1.core import Hw1DataError
from hw1.segmentation.codec import code_image, decode_mask, encode_mask, mask_codes, read_mask, write_mask
from hw1.segmentation.palette import PALETTE

#: Channel values around the official threshold and at the extremes.
LEVELS = (0, 1, 64, 127, 128, 129, 200, 254, 255)


def official_decode(rgb: np.ndarray) -> np.ndarray:
    """The official read_masks body, for one mask (code 4 left at -1 instead of np.empty garbage)."""
    mask = (rgb >= 128).astype(int)
    mask = 4 * mask[:, :, 0] + 2 * mask[:, :, 1] + mask[:, :, 2]
    out = np.full(mask.shape, -1)
    out[mask == 3] = 0
    out[mask == 6] = 1
    out[mask == 5] = 2
    out[mask == 2] = 3
    out[mask == 1] = 4
    out[mask == 7] = 5
    out[mask == 0] = 6
    return out


def all_level_combinations() -> np.ndarray:
    combos = np.array(list(itertools.product(LEVELS, repeat=3)), dtype=np.uint8)
    return combos.reshape(len(LEVELS) ** 2, len(LEVELS), 3)


def test_pure_palette_decodes_to_class_ids():
    assert decode_mask(PALETTE[None]).tolist() == [[0, 1, 2, 3, 4, 5, 6]]


def test_threshold_edges_match_the_official_decoding():
    rgb = all_level_combinations()
    expected = official_decode(rgb)
    got = decode_mask(rgb, red="unknown")
    hole = expected == -1
    assert hole.any() and (~hole).any()
    np.testing.assert_array_equal(got[~hole], expected[~hole])
    assert (got[hole] == 6).all()


def test_127_and_128_fall_on_either_side():
    rgb = np.array([[[127, 128, 128], [128, 127, 127], [127, 127, 127], [128, 128, 128]]], dtype=np.uint8)
    # codes: 011 Urban, 100 red hole, 000 Unknown, 111 Barren
    assert mask_codes(rgb).tolist() == [[3, 4, 0, 7]]
    assert decode_mask(rgb, red="unknown").tolist() == [[0, 6, 6, 5]]


@pytest.mark.parametrize("scale", [1, 2, 4, 8])
def test_code_image_equals_mask_codes_for_every_level(scale):
    rgb = np.array(list(itertools.product(LEVELS, repeat=3)), dtype=np.uint8).reshape(27, 27, 3)
    got = np.asarray(code_image(Image.fromarray(rgb, "RGB"), scale=scale))
    np.testing.assert_array_equal(got, mask_codes(rgb) * scale)


def test_code_image_refuses_non_rgb_and_odd_scales():
    with pytest.raises(ValueError, match="RGB"):
        code_image(Image.new("L", (2, 2)))
    with pytest.raises(ValueError, match="scale"):
        code_image(Image.new("RGB", (2, 2)), scale=3)


def test_red_hole_is_an_error_naming_file_and_count():
    rgb = np.zeros((4, 4, 3), dtype=np.uint8)
    rgb[0, :3] = (200, 10, 10)
    with pytest.raises(Hw1DataError, match=r"somewhere/0001_mask\.png: 3 pixel\(s\) are red"):
        decode_mask(rgb, source="somewhere/0001_mask.png")


def test_red_hole_opt_in_maps_to_unknown():
    rgb = np.full((2, 2, 3), 255, dtype=np.uint8)
    rgb[1, 1] = (255, 0, 0)
    assert decode_mask(rgb, red="unknown").tolist() == [[5, 5], [5, 6]]


def test_unknown_red_choice_is_rejected():
    with pytest.raises(ValueError, match="red must be one of"):
        decode_mask(np.zeros((1, 1, 3), np.uint8), red="ignore")


def test_decode_rejects_bad_arrays():
    with pytest.raises(ValueError, match="uint8"):
        decode_mask(np.zeros((2, 2, 3), np.float32))
    with pytest.raises(ValueError, match="shape"):
        decode_mask(np.zeros((2, 2), np.uint8))


def test_encode_decode_round_trip():
    labels = np.random.default_rng(0).integers(0, 7, (33, 17)).astype(np.uint8)
    rgb = encode_mask(labels)
    assert rgb.shape == (33, 17, 3) and rgb.dtype == np.uint8
    np.testing.assert_array_equal(decode_mask(rgb), labels)


def test_encode_rejects_out_of_range_ids():
    with pytest.raises(ValueError, match="0..6"):
        encode_mask(np.array([[0, 7]]))


def test_write_and_read_mask_file(tmp_path):
    labels = np.random.default_rng(1).integers(0, 7, (20, 30)).astype(np.uint8)
    path = write_mask(labels, tmp_path / "sub" / "0007_mask.png")
    with Image.open(path) as img:
        assert img.mode == "RGB" and img.format == "PNG" and img.size == (30, 20)
    np.testing.assert_array_equal(read_mask(path), labels)
    assert [p.name for p in path.parent.iterdir()] == ["0007_mask.png"]  # no temp file left


def test_palette_mode_png_decodes_through_its_rgb(tmp_path):
    labels = np.arange(7, dtype=np.uint8).repeat(3).reshape(3, 7)
    # Indices deliberately differ from class ids: only the palette colours may matter.
    indices = (6 - labels).astype(np.uint8)
    img = Image.fromarray(indices, "P")
    img.putpalette(PALETTE[::-1].reshape(-1).tolist())
    img.save(tmp_path / "p.png")
    np.testing.assert_array_equal(read_mask(tmp_path / "p.png"), labels)


def test_rgba_png_decodes_through_its_rgb(tmp_path):
    labels = np.random.default_rng(2).integers(0, 7, (8, 8)).astype(np.uint8)
    rgba = np.concatenate([encode_mask(labels), np.zeros((8, 8, 1), np.uint8)], axis=-1)
    rgba[::2, :, 3] = 255  # alpha must not change the decoding
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    np.testing.assert_array_equal(read_mask(tmp_path / "a.png"), labels)
    np.testing.assert_array_equal(decode_mask(rgba), labels)


def test_read_mask_red_hole_names_the_file(tmp_path):
    rgb = np.zeros((5, 5, 3), np.uint8)
    rgb[2, 2] = (255, 0, 0)
    Image.fromarray(rgb).save(tmp_path / "0003_mask.png")
    with pytest.raises(Hw1DataError, match=r"0003_mask\.png: 1 pixel\(s\) are red"):
        read_mask(tmp_path / "0003_mask.png")
    assert read_mask(tmp_path / "0003_mask.png", red="unknown")[2, 2] == 6


def test_read_mask_unreadable_file_is_a_data_error(tmp_path):
    bad = tmp_path / "0000_mask.png"
    bad.write_bytes(b"not a png")
    with pytest.raises(Hw1DataError, match="0000_mask.png"):
        read_mask(bad)
