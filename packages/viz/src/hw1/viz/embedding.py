"""2-D embeddings of feature vectors (t-SNE with openTSNE, or PCA) and how well they separate.

t-SNE (openTSNE, seeded: the same input and seed give the same picture) runs on at most 50
dimensions: wider features (e.g. ResNet-50's 2048) are first reduced with PCA (in float32, one BLAS
thread), which removes noise and makes the neighbour search fast. Each setting below was measured on
4,000 x 2,048 features (`benchmarks/bench_tsne.py`, 2 CPUs, OMP_WAIT_POLICY=PASSIVE); the KL
divergence and silhouette of the result stay those of openTSNE's defaults (within 0.5%).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from openTSNE import TSNE
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

from hw1.viz.errors import VizInputError

#: t-SNE input width: features wider than this are PCA-reduced first.
PCA_DIMS_BEFORE_TSNE = 50
#: Below this many samples t-SNE runs single-threaded (threads cost more than they save).
SMALL_SET = 1000
#: Up to this many samples t-SNE's neighbours are exact (brute force on the <= 50 PCA dimensions):
#: cheaper than openTSNE's approximate (Annoy) index at these sizes, and exact. Measured CPU-s,
#: exact against Annoy: 0.3 vs 1.1 at 4,000 points, 2.6 vs 7.9 at 20,000, 7.4 vs 20.7 at 40,000.
EXACT_NEIGHBOURS_UP_TO = 50_000
#: The early-exaggeration phase (at most 250 iterations, at least ``EE_MIN_ITER``) ends once its KL
#: divergence improves by less than this fraction per ``EE_CHECK_EVERY`` iterations. On the bench's
#: features it ends at 150-175 of 250 with the same final KL and silhouette (within 0.2%).
EE_TOL = 0.02
EE_MIN_ITER = 100
EE_CHECK_EVERY = 25


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
    exact neighbours up to ``EXACT_NEIGHBOURS_UP_TO`` samples, early exaggeration until it has
    converged, ``n_jobs`` threads from ``SMALL_SET`` samples on, one thread below); the perplexity
    is capped at ``(N - 1) / 3`` so small sets work. ``method="pca"``: the first two
    principal components. The result is deterministic for a given ``seed``.
    """
    x = _check_features(features)
    if method not in ("tsne", "pca"):
        raise VizInputError(f"unknown embedding method {method!r}; use 'tsne' or 'pca'")
    # One BLAS thread: OpenBLAS's two made the PCA of 4,000 x 2,048 features 4-7x slower in wall time
    # (0.75-1.45 s against 0.2 s).
    with threadpool_limits(limits=1, user_api="blas"):
        return _pca(x, 2, seed) if method == "pca" else _tsne(x, seed, perplexity, n_jobs)


def _tsne(x: np.ndarray, seed: int, perplexity: float, n_jobs: int) -> np.ndarray:
    if x.shape[1] > PCA_DIMS_BEFORE_TSNE:
        x = _pca(x.astype(np.float32), min(PCA_DIMS_BEFORE_TSNE, x.shape[0]), seed)
    perplexity = float(min(perplexity, max(1.0, (x.shape[0] - 1) / 3.0)))
    n = x.shape[0]
    tsne = TSNE(
        n_components=2,
        perplexity=perplexity,
        initialization="pca",
        neighbors="exact" if n <= EXACT_NEIGHBOURS_UP_TO else "auto",
        random_state=seed,
        n_jobs=n_jobs if n >= SMALL_SET else 1,  # threads only pay off on larger sets
        verbose=False,
    )
    emb = tsne.prepare_initial(x)
    ee = dict(exaggeration=tsne.early_exaggeration, momentum=tsne.initial_momentum, inplace=True)
    emb = emb.optimize(tsne.early_exaggeration_iter, callbacks=[_Plateau()], callbacks_every_iters=EE_CHECK_EVERY, **ee)
    emb = emb.optimize(tsne.n_iter, exaggeration=tsne.exaggeration, momentum=tsne.final_momentum, inplace=True)
    return np.asarray(emb, dtype=np.float64)


class _Plateau:
    """openTSNE callback: stop once the KL divergence improves by less than ``EE_TOL`` (relative)
    between two checks, after at least ``EE_MIN_ITER`` iterations."""

    def __init__(self) -> None:
        self.last = float("inf")

    def __call__(self, iteration: int, error: float, embedding: object) -> bool:
        done = iteration >= EE_MIN_ITER and self.last - error < EE_TOL * self.last
        self.last = error
        return done


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
