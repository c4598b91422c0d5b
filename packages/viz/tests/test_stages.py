from __future__ import annotations

import numpy as np
import pytest

from hw1.viz import VizInputError, stage_panel


def test_stage_panel_grid(tmp_path, palette, class_names, check_png):
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8) for _ in range(3)]
    gts = [rng.integers(0, 7, size=(32, 32)) for _ in range(3)]
    preds = {s: [rng.integers(0, 7, size=(32, 32)) for _ in range(3)] for s in ("early", "middle", "final")}
    out = stage_panel(
        images,
        gts,
        preds,
        palette,
        tmp_path / "stages.png",
        row_titles=["0013", "0062", "0104"],
        class_names=class_names,
    )
    arr = check_png(out, min_size=(1000, 600), max_size=(2500, 1500))
    assert arr.shape[1] > arr.shape[0]  # 5 columns, 3 rows: wider than tall


def test_stage_panel_without_ground_truth_and_bad_counts(tmp_path, palette, check_png):
    img = np.zeros((16, 16, 3), dtype=np.uint8)
    lab = np.zeros((16, 16), dtype=int)
    check_png(stage_panel([img], [None], {"final": [lab]}, palette, tmp_path / "p.png"), min_size=(200, 100))
    with pytest.raises(VizInputError, match="has 2 predictions for 1 images"):
        stage_panel([img], [lab], {"final": [lab, lab]}, palette, tmp_path / "q.png")
