from __future__ import annotations

import numpy as np
import pytest

from hw1.viz import VizInputError, sam_overlay, save_sam_overlay


def test_sam_overlay_draws_small_masks_on_top(tmp_path, check_png):
    img = np.full((40, 40, 3), 128, dtype=np.uint8)
    big = np.zeros((40, 40), dtype=bool)
    big[5:35, 5:35] = True
    small = np.zeros((40, 40), dtype=bool)
    small[15:25, 15:25] = True
    out = sam_overlay(img, [small, big], alpha=0.5, edge_width=1)
    # Untouched outside all masks; the small mask's interior differs from the big mask's interior.
    assert np.array_equal(out[0, 0], img[0, 0])
    assert not np.array_equal(out[20, 20], out[10, 10])
    # Outline pixels are the opaque mask colour, the fill is a blend of it.
    assert not np.array_equal(out[5, 20], out[10, 20])
    path = save_sam_overlay(img, [small, big], tmp_path / "sam.png")
    check_png(path, min_size=(40, 40), max_size=(40, 40))
    with pytest.raises(VizInputError, match="mask 0"):
        sam_overlay(img, [np.zeros((3, 3), dtype=bool)])
