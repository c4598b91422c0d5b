"""2-D embeddings of feature vectors (t-SNE with openTSNE, or PCA) and how well they separate.

t-SNE runs on at most 50 dimensions: wider features (e.g. ResNet-50's 2048) are first reduced
with PCA, which removes noise and makes the neighbour search fast. openTSNE is used when
installed; scikit-learn's TSNE is the fallback. Both are seeded, so the same input and seed give
the same picture.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score

from hw1.viz.errors import VizInputError

#: t-SNE input width: features wider than this are PCA-reduced first.
PCA_DIMS_BEFORE_TSNE = 50
#: Below this many samples t-SNE runs single-threaded (threads cost more than they save).
SMALL_SET = 1000


def _check_features(features: np.ndarray) -> np.ndarray:
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2:
        raise VizInputError(f"features must be a 2-D array (samples, dims), got shape {x.shape}")
    if x.shape[0] < 3:
        raise VizInputError(f"need at least 3 samples to embed, got {x.shape[0]}")
    if not np.all(np.isfinite(x)):
        raise VizInputError("features contain NaN or infinite values; check the feature file")
    return x


def embed(
    features: np.ndarray,
    method: Literal["tsne", "pca"] = "tsne",
    seed: int = 0,
    *,
    perplexity: float = 30.0,
    n_jobs: int = 2,
) -> np.ndarray:
    """Embed ``features`` ``(N, D)`` into 2-D and return ``(N, 2) float64``.

    ``method="tsne"``: PCA to 50 dimensions when ``D > 50``, then openTSNE (PCA initialisation,
    ``n_jobs`` threads from 1000 samples on, one thread below) or scikit-learn's TSNE when openTSNE is missing; the perplexity is capped
    at ``(N - 1) / 3`` so small sets work. ``method="pca"``: the first two principal components.
    The result is deterministic for a given ``seed``.
    """
    x = _check_features(features)
    if method == "pca":
        return _pca(x, 2, seed)
    if method != "tsne":
        raise VizInputError(f"unknown embedding method {method!r}; use 'tsne' or 'pca'")
    if x.shape[1] > PCA_DIMS_BEFORE_TSNE:
        x = _pca(x, min(PCA_DIMS_BEFORE_TSNE, x.shape[0]), seed)
    perplexity = float(min(perplexity, max(1.0, (x.shape[0] - 1) / 3.0)))
    try:
        from openTSNE import TSNE as OpenTSNE
    except ImportError:  # scikit-learn fallback: slower, same kind of picture
        from sklearn.manifold import TSNE

        return np.asarray(
            TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed, n_jobs=n_jobs).fit_transform(x),
            dtype=np.float64,
        )
    # Threads only pay off on larger sets; on small ones their start-up and sync cost dominates.
    jobs = n_jobs if x.shape[0] >= SMALL_SET else 1
    tsne = OpenTSNE(
        n_components=2, perplexity=perplexity, initialization="pca", random_state=seed, n_jobs=jobs, verbose=False
    )
    return np.asarray(tsne.fit(x), dtype=np.float64)


def _pca(x: np.ndarray, dims: int, seed: int) -> np.ndarray:
    dims = max(1, min(dims, x.shape[0], x.shape[1]))
    out = PCA(n_components=dims, random_state=seed).fit_transform(x)
    if out.shape[1] < 2:  # 1-D features: pad so a scatter still has two axes
        out = np.concatenate([out, np.zeros((out.shape[0], 2 - out.shape[1]))], axis=1)
    return np.asarray(out, dtype=np.float64)


def embedding_silhouette(embedding: np.ndarray, labels: np.ndarray) -> float:
    """Silhouette score (scikit-learn, Euclidean) of ``labels`` on the 2-D ``embedding``, in
    ``[-1, 1]``: higher means classes form tighter, better separated clusters. NaN when fewer than
    two classes (or every sample its own class) make the score undefined."""
    emb = np.asarray(embedding, dtype=np.float64)
    lab = np.asarray(labels).reshape(-1)
    if emb.shape[0] != lab.shape[0]:
        raise VizInputError(f"{emb.shape[0]} embedded points but {lab.shape[0]} labels")
    n_labels = len(np.unique(lab))
    if n_labels < 2 or n_labels >= len(lab):
        return float("nan")
    return float(silhouette_score(emb, lab, metric="euclidean"))
