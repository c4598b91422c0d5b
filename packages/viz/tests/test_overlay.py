from __future__ import annotations

import numpy as np
import pytest

from hw1.viz import VizInputError, class_edges, mask_overlay, save_mask_overlay


def test_overlay_pixels_follow_the_official_formula(palette):
    # 20x20 image, left half class 0, right half class 4; edge width 3.
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(20, 20, 3), dtype=np.uint8)
    labels = np.zeros((20, 20), dtype=np.uint8)
    labels[:, 10:] = 4
    out = mask_overlay(img, labels, palette, edge_width=3)

    # Interior pixel far from the boundary: 0.7 * image + 0.3 * colour, truncated.
    for (y, x), cls in (((5, 2), 0), ((15, 17), 4)):
        expected = np.floor(img[y, x].astype(np.float64) * 0.7 + palette[cls].astype(np.float64) * 0.3)
        assert np.array_equal(out[y, x], expected.astype(np.uint8))
    # Edge band: columns 7..9 (class 0) and 10..12 (class 4) are opaque class colour.
    assert np.all(out[:, 7:10] == palette[0])
    assert np.all(out[:, 10:13] == palette[4])
    # Just outside the band: blended, not opaque.
    assert not np.all(out[:, 6] == palette[0])
    # The image border is not an edge.
    assert not np.all(out[0, :7] == palette[0])


def test_overlay_whole_array_against_formula(palette):
    img = np.full((12, 16, 3), 100, dtype=np.uint8)
    labels = np.full((12, 16), 3, dtype=np.int64)
    labels[4:8, 4:8] = 1
    out = mask_overlay(img, labels, palette, edge_width=1)
    edge = np.zeros((12, 16), dtype=bool)
    edge[4:8, 4:8] = True
    edge[5:7, 5:7] = False  # inner band of the square, width 1
    ring = np.zeros((12, 16), dtype=bool)
    ring[3:9, 3:9] = True
    ring[4:8, 4:8] = False
    ring[[3, 3, 8, 8], [3, 8, 3, 8]] = False  # corners are diagonal, not in the cross
    edge |= ring
    colour = palette[labels].astype(np.float64)
    expected = np.floor(100 * 0.7 + colour * 0.3)
    expected[edge] = colour[edge]
    assert np.array_equal(out, expected.astype(np.uint8))


def test_class_edges_width_and_no_border():
    labels = np.zeros((10, 10), dtype=np.int32)
    labels[:, 5:] = 1
    e = class_edges(labels, 2)
    assert e[:, 3:7].all()
    assert not e[:, :3].any() and not e[:, 7:].any()
    assert not class_edges(np.zeros((8, 8), dtype=int), 5).any()
    assert not class_edges(labels, 0).any()


def test_overlay_rejects_bad_inputs(palette):
    img = np.zeros((8, 8, 3), dtype=np.uint8)
    with pytest.raises(VizInputError, match="image is 8x8"):
        mask_overlay(img, np.zeros((4, 4), dtype=int), palette)
    with pytest.raises(VizInputError, match="palette has 7"):
        mask_overlay(img, np.full((8, 8), 9), palette)
    with pytest.raises(VizInputError, match="uint8 RGB"):
        mask_overlay(np.zeros((8, 8)), np.zeros((8, 8), dtype=int), palette)


def test_save_overlay_with_and_without_legend(tmp_path, palette, class_names, check_png):
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, size=(64, 80, 3), dtype=np.uint8)
    labels = rng.integers(0, 7, size=(64, 80))
    raw = save_mask_overlay(img, labels, palette, tmp_path / "raw.png", legend=False)
    arr = check_png(raw, min_size=(80, 64), max_size=(80, 64))
    assert np.array_equal(arr, mask_overlay(img, labels, palette))
    fig = save_mask_overlay(img, labels, palette, tmp_path / "fig.png", class_names=class_names, title="t")
    check_png(fig, min_size=(300, 300), max_size=(2000, 2000))
