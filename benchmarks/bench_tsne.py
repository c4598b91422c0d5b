"""Figure 5: t-SNE of 4,000 × 2,048 features — ``hw1.viz.embed`` (openTSNE after PCA to 50 dims)
against scikit-learn's ``TSNE`` on the same features with the same ``n_jobs``. Each side runs once
and is timed in wall seconds and in CPU seconds (all the process's threads): on a shared machine
the wall time mostly measures the other jobs, the CPU time the work."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from harness import Figure
from sklearn.manifold import TSNE

from hw1.viz import embed


def _features(n: int, dim: int, classes: int = 20, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 1, (classes, dim))
    return (centers[rng.integers(0, classes, n)] + rng.normal(0, 1.5, (n, dim))).astype(np.float32)


#: ``--study-sizes``: Office-Home's ~4,000 images × ResNet-50's 2,048 features (also the full size).
STUDY_POINTS = 4000


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call of ``fn``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def run(quick: bool, study: bool = False) -> list[Figure]:
    n = STUDY_POINTS if study or not quick else 1000
    x = _features(n, 2048)
    ours = _timed(lambda: embed(x, method="tsne", seed=0, n_jobs=2))
    sk = _timed(lambda: TSNE(n_components=2, random_state=0, n_jobs=2, init="pca").fit_transform(x))
    base = {"unit": "s", "higher_is_better": False, "baseline_name": "scikit-learn TSNE (n_jobs=2)", "goal": 1.5}
    extra = {"wall_s": [round(ours[0], 2), round(sk[0], 2)], "cpu_s": [round(ours[1], 2), round(sk[1], 2)]}
    return [
        Figure(
            name=f"t-SNE of {n} x 2048 features",
            value=ours[0],
            baseline=sk[0],
            notes=f"wall: ours {ours[0]:.1f} s vs {sk[0]:.1f} s",
            extra=extra,
            **base,
        ),
        Figure(
            name=f"t-SNE of {n} x 2048 features, CPU time",
            value=ours[1],
            baseline=sk[1],
            notes=f"CPU: ours {ours[1]:.1f} s vs {sk[1]:.1f} s (same run as the wall-time row)",
            extra=extra,
            **base,
        ),
    ]
