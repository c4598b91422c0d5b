from __future__ import annotations

import numpy as np
import pytest

from hw1.viz import VizInputError, iou_from_confusion, plot_confusion


def test_iou_from_confusion_matches_definition():
    m = np.array([[5, 1, 0], [2, 3, 0], [0, 0, 0]])
    iou = iou_from_confusion(m)
    assert iou[0] == pytest.approx(5 / (7 + 6 - 5))
    assert iou[1] == pytest.approx(3 / (4 + 5 - 3))
    assert np.isnan(iou[2])


def test_confusion_figure(tmp_path, class_names, check_png):
    rng = np.random.default_rng(0)
    m = rng.integers(0, 100, size=(7, 7)) + np.eye(7, dtype=int) * 500
    out = plot_confusion(m, tmp_path / "cm.png", class_names=class_names, miou_classes=range(6), title="val")
    check_png(out, min_size=(600, 300), max_size=(2500, 1200))
    with pytest.raises(VizInputError, match="square"):
        plot_confusion(np.zeros((2, 3)), tmp_path / "x.png")
    with pytest.raises(VizInputError, match="class names"):
        plot_confusion(m, tmp_path / "x.png", class_names=["a"])
