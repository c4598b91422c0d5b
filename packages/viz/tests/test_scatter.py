from __future__ import annotations

import json

import numpy as np
import pytest

from hw1.viz import (
    EmbeddingComparison,
    FeatureSet,
    VizInputError,
    class_styles,
    plot_embedding_comparison,
    read_feature_file,
)


def test_class_styles_distinct_for_65_classes():
    styles = class_styles(65)
    assert len(styles) == 65
    assert len(set(styles)) == 65


def test_first_vs_last_epoch_figure(tmp_path, clustered_features, check_png):
    rng = np.random.default_rng(0)
    feats, labels = clustered_features(n_per_class=12, dims=64, classes=65, spread=0.3)
    noisy = rng.normal(size=feats.shape).astype(np.float32)  # "first epoch": no structure
    first = FeatureSet(noisy, labels, np.array([f"{i}.jpg" for i in range(len(labels))]))
    last = FeatureSet(feats, labels, first.filenames)
    result = plot_embedding_comparison([first, last], tmp_path / "tsne.png", method="pca")
    check_png(result.path, min_size=(800, 400), max_size=(3000, 1500))
    assert result.silhouettes[1] > result.silhouettes[0] + 0.3
    assert "silhouette" in result.titles[0] and "2-D PCA" in result.titles[0]


def test_comparison_scores_json(tmp_path):
    comparison = EmbeddingComparison(path=tmp_path / "t.png", titles=("a", "b"), silhouettes=(0.1, 0.5), method="pca")
    out = comparison.write_scores(
        tmp_path / "sub" / "s.json", titles=["epoch 1", "epoch 9"], first="f.npz", last="l.npz"
    )
    assert json.loads(out.read_text(encoding="utf-8")) == {
        "method": "pca",
        "titles": ["epoch 1", "epoch 9"],
        "first": "f.npz",
        "last": "l.npz",
        "silhouette_first": 0.1,
        "silhouette_last": 0.5,
    }
    three = EmbeddingComparison(path=out, titles=("a", "b", "c"), silhouettes=(0.1, 0.2, 0.3), method="pca")
    with pytest.raises(VizInputError, match="two panels"):
        three.write_scores(tmp_path / "x.json", titles=["a", "b", "c"], first="f", last="l")


def test_read_feature_file(tmp_path):
    good = tmp_path / "f.npz"
    np.savez(good, features=np.zeros((4, 3)), labels=np.arange(4), filenames=np.array(["a", "b", "c", "d"]))
    fs = read_feature_file(good)
    assert fs.features.shape == (4, 3) and list(fs.filenames) == ["a", "b", "c", "d"]
    bad = tmp_path / "bad.npz"
    np.savez(bad, feats=np.zeros((4, 3)))
    with pytest.raises(VizInputError, match="missing array"):
        read_feature_file(bad)
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, features=np.zeros((4, 3)), labels=np.arange(5))
    with pytest.raises(VizInputError, match="do not match"):
        read_feature_file(wrong)
    (tmp_path / "junk.npz").write_text("not a zip")
    with pytest.raises(VizInputError, match="not a readable"):
        read_feature_file(tmp_path / "junk.npz")
    with pytest.raises(VizInputError, match="not found"):
        read_feature_file(tmp_path / "missing.npz")
