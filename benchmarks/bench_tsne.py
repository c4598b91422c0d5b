"""Figure 5: t-SNE of 4,000 × 2,048 features — ``hw1.viz.embed`` (openTSNE after PCA to 50 dims)
against scikit-learn's ``TSNE`` on the same features with the same thread count."""

from __future__ import annotations

import numpy as np
from harness import Figure, best_time
from sklearn.manifold import TSNE

from hw1.viz import embed


def _features(n: int, dim: int, classes: int = 20, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 1, (classes, dim))
    return (centers[rng.integers(0, classes, n)] + rng.normal(0, 1.5, (n, dim))).astype(np.float32)


#: ``--study-sizes``: Office-Home's ~4,000 images × ResNet-50's 2,048 features (also the full size).
STUDY_POINTS = 4000


def run(quick: bool, study: bool = False) -> list[Figure]:
    n = STUDY_POINTS if study or not quick else 1000
    x = _features(n, 2048)
    t_ours, _ = best_time(lambda: embed(x, method="tsne", seed=0), 1)
    t_sk, _ = best_time(lambda: TSNE(n_components=2, random_state=0, n_jobs=2, init="pca").fit_transform(x), 1)
    return [
        Figure(
            name=f"t-SNE of {n} x 2048 features",
            unit="s",
            value=t_ours,
            baseline=t_sk,
            higher_is_better=False,
            baseline_name="scikit-learn TSNE (n_jobs=2)",
            goal=1.5,
            notes=f"ours {t_ours:.1f} s vs {t_sk:.1f} s",
        )
    ]
