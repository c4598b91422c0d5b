from __future__ import annotations

import pytest

from hw1.viz import (
    VizInputError,
    curve_panels,
    metric_family,
    metric_series,
    plot_training_curves,
)


def _log_records():
    lines = []
    for epoch in range(1, 6):
        for step in range(3):  # several train records per epoch
            lines.append(
                {
                    "epoch": epoch,
                    "step": (epoch - 1) * 3 + step,
                    "split": "train",
                    "loss": 2.0 / epoch + step * 0.01,
                    "lr": 0.1 / epoch,
                }
            )
        lines.append(
            {
                "epoch": epoch,
                "step": epoch * 3,
                "split": "val",
                "loss": 2.2 / epoch,
                "miou": 0.1 * epoch,
                "per_class_iou": [0.1] * 7,
                "time": 1.0,
                "iou": {"Urban": 0.1 * epoch, "Water": 0.2, "Barren": None},
            }
        )
        lines.append(
            {
                "epoch": epoch,
                "step": epoch * 3,
                "split": "knn",
                "knn_top1": 0.1,
                "k": 20,
                "images_per_second": 100.0 + epoch,
            }
        )
    return lines


def test_curves_figure_and_series(tmp_path, check_png):
    records = _log_records()  # a metrics.jsonl's records, as hw1.core.read_metrics returns them
    assert len(records) == 25
    x_name, series = metric_series(records)
    assert x_name == "epoch"
    assert set(series) == {
        ("train", "loss"),
        ("train", "lr"),
        ("val", "loss"),
        ("val", "miou"),
        ("val", "iou/Urban"),
        ("val", "iou/Water"),
        ("knn", "knn_top1"),
        ("knn", "k"),
        ("knn", "images_per_second"),
    }
    panels = dict(curve_panels(series))
    assert list(panels) == ["loss", "accuracy / IoU", "learning rate", "iou per class", "images_per_second"]
    assert panels["iou per class"] == [("val", "iou/Urban"), ("val", "iou/Water")]
    assert len(series[("train", "loss")]) == 5  # averaged per epoch
    assert series[("train", "loss")][0] == (1.0, pytest.approx(2.01))
    out = plot_training_curves(records, tmp_path / "curves.png", title="run")
    check_png(out, min_size=(1200, 500), max_size=(2500, 1200))  # 5 panels: 2 rows


def test_metric_families():
    assert metric_family("train_loss") == "loss"
    assert metric_family("lr") == "learning rate"
    assert metric_family("val_acc") == metric_family("miou") == metric_family("knn_top1") == "accuracy / IoU"
    assert metric_family("grad_norm") == "other"


def test_curves_errors(tmp_path):
    with pytest.raises(VizInputError, match="no numeric"):
        plot_training_curves([{"epoch": 1, "split": "train"}], tmp_path / "x.png")
