"""Outputs are readable like any file the user writes: atomic writers (temp file + rename) keep the
umask's mode, 0644 under umask 022, not mkstemp's 0600 — masks, CSVs, checkpoints, figures, JSON."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_checkpoint_is_0644(tmp_path: Path, umask_022: None) -> None:
    import torch

    from hw1.core import load_checkpoint, save_checkpoint

    path = save_checkpoint({"state_dict": {"w": torch.ones(3)}}, tmp_path / "best.pt")
    assert _mode(path) == 0o644
    assert torch.equal(load_checkpoint(path)["state_dict"]["w"], torch.ones(3))


def test_mask_png_is_0644(tmp_path: Path, umask_022: None) -> None:
    from hw1.segmentation.codec import read_mask, write_mask

    labels = np.arange(7, dtype=np.uint8).repeat(4).reshape(4, 7)
    path = write_mask(labels, tmp_path / "out" / "0000_mask.png")
    assert _mode(path) == 0o644
    assert np.array_equal(read_mask(path), labels)


def test_generated_ground_truth_masks_are_0644(tmp_path: Path, umask_022: None) -> None:
    from hw1.segmentation.synthetic import make_synthetic_segmentation

    root = make_synthetic_segmentation(tmp_path / "p2", n_train=2, n_val=1, size=32, seed=0)
    files = [p for p in Path(root).rglob("*") if p.is_file()]
    assert any(p.name.endswith("_mask.png") for p in files)
    assert {_mode(p) for p in files} == {0o644}


def test_predictions_and_generated_csvs_are_0644(tmp_path: Path, umask_022: None) -> None:
    from hw1.classification.synthetic import make_tiny_classification
    from hw1.core.csv_files import write_predictions_csv

    out = tmp_path / "pred.csv"
    assert write_predictions_csv(out, [(0, "a.jpg", 3), (1, "b.jpg", 64)]) == 2
    assert _mode(out) == 0o644
    assert out.read_text(encoding="utf-8") == "id,filename,label\n0,a.jpg,3\n1,b.jpg,64\n"
    synth = make_tiny_classification(tmp_path / "cls")
    csvs = sorted(Path(synth.root).rglob("*.csv"))
    assert len(csvs) >= 4 and {_mode(p) for p in csvs} == {0o644}


def test_figure_png_is_0644(tmp_path: Path, umask_022: None) -> None:
    from hw1.viz.figure import new_figure, save_figure

    fig = new_figure(2, 2)
    fig.add_subplot().plot([0, 1], [1, 0])
    path = save_figure(fig, tmp_path / "figs" / "curve.png")
    assert _mode(path) == 0o644
    assert path.read_bytes().startswith(b"\x89PNG") and not list(path.parent.glob(".*.tmp"))


def test_viz_png_and_scores_are_atomic_and_0644(tmp_path: Path, umask_022: None) -> None:
    from hw1.viz.figure import write_atomically
    from hw1.viz.overlay import write_png
    from hw1.viz.scatter import EmbeddingComparison

    png = write_png(np.zeros((4, 4, 3), np.uint8), tmp_path / "figs" / "overlay.png")
    scores = EmbeddingComparison(png, ("first", "last"), (0.1, 0.2), "tsne").write_scores(
        tmp_path / "figs" / "tsne.json", titles=["first", "last"], first="a.npz", last="b.npz"
    )
    assert {_mode(png), _mode(scores)} == {0o644}
    assert png.read_bytes().startswith(b"\x89PNG") and '"silhouette_last": 0.2' in scores.read_text()

    def torn(tmp: Path) -> None:
        tmp.write_text("half a file")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):  # a failed write keeps the old file and leaves no temp file
        write_atomically(scores, torn)
    assert '"silhouette_last": 0.2' in scores.read_text() and not list(png.parent.glob(".*.tmp"))


def test_metrics_rewrite_is_0644(tmp_path: Path, umask_022: None) -> None:
    from hw1.core import MetricsLogger, read_metrics

    log = MetricsLogger(tmp_path / "metrics.jsonl", enabled=True)
    for epoch in (1, 2, 3):
        log.log(epoch=epoch, split="train", loss=1.0 / epoch)
    log.truncate_after(2)
    assert [r["epoch"] for r in read_metrics(log.path)] == [1, 2]
    assert _mode(log.path) == 0o644


def test_a_stricter_umask_and_an_existing_files_mode_are_kept(tmp_path: Path) -> None:
    from hw1.core.atomic_files import write_text_atomic

    old = os.umask(0o077)
    try:
        private = write_text_atomic(tmp_path / "private.txt", "x")
        assert _mode(private) == 0o600  # the user asked for private files
        shared = tmp_path / "shared.txt"
        shared.write_text("old", encoding="utf-8")
        shared.chmod(0o664)
        write_text_atomic(shared, "new")  # overwriting keeps the file's mode, as open("w") would
        assert _mode(shared) == 0o664 and shared.read_text(encoding="utf-8") == "new"
    finally:
        os.umask(old)


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    from hw1.core.csv_files import write_predictions_csv

    out = tmp_path / "pred.csv"
    write_predictions_csv(out, [(0, "a.jpg", 1)])

    def rows_that_fail() -> Iterator[tuple[int, str, int]]:
        yield 0, "a.jpg", 2
        raise RuntimeError("model crashed")

    with pytest.raises(RuntimeError, match="model crashed"):
        write_predictions_csv(out, rows_that_fail())
    assert out.read_text(encoding="utf-8") == "id,filename,label\n0,a.jpg,1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pred.csv"]
