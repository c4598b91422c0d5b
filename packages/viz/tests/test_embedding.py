from __future__ import annotations

import numpy as np
import pytest

from hw1.viz import VizInputError, embed, embedding_silhouette

#: Well-separated clusters must keep a silhouette above this on the 2-D embedding.
MIN_SILHOUETTE = 0.7


@pytest.mark.parametrize("method", ["tsne", "pca"])
def test_embedding_separates_clusters(method, clustered_features):
    feats, labels = clustered_features()
    emb = embed(feats, method=method, seed=0)
    assert emb.shape == (len(labels), 2)
    assert np.isfinite(emb).all()
    assert embedding_silhouette(emb, labels) > MIN_SILHOUETTE


def test_tsne_is_deterministic_with_a_seed(clustered_features):
    feats, _ = clustered_features(n_per_class=30, dims=80)  # > 50 dims: PCA first
    a = embed(feats, method="tsne", seed=3)
    b = embed(feats, method="tsne", seed=3)
    assert np.allclose(a, b)


def test_mixed_labels_score_lower_than_true_labels(clustered_features):
    feats, labels = clustered_features()
    emb = embed(feats, method="pca")
    shuffled = np.random.default_rng(0).permutation(labels)
    assert embedding_silhouette(emb, shuffled) < embedding_silhouette(emb, labels) - 0.5


def test_small_sets_and_bad_inputs():
    emb = embed(np.random.default_rng(0).normal(size=(10, 4)), method="tsne")  # perplexity capped
    assert emb.shape == (10, 2)
    assert np.isnan(embedding_silhouette(emb, np.zeros(10)))
    with pytest.raises(VizInputError, match="2-D array"):
        embed(np.zeros(5))
    with pytest.raises(VizInputError, match="NaN"):
        embed(np.full((5, 3), np.nan))
    with pytest.raises(VizInputError, match="unknown embedding method"):
        embed(np.zeros((5, 3)), method="umap")
