"""Scatter plots of 2-D embeddings coloured by class, and the first-vs-last-epoch comparison.

Each class gets a (colour, marker) pair from :func:`hw1.viz.class_styles.class_styles`, so 65
classes stay distinguishable; the legend sits outside the axes in as many columns as needed.
The silhouette score of the 2-D embedding goes into each title so the change between epochs is
a number, not only a picture.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from hw1.viz.class_styles import class_styles
from hw1.viz.embedding import embed, embedding_silhouette
from hw1.viz.errors import VizInputError
from hw1.viz.features import FeatureSet
from hw1.viz.figure import new_figure, save_figure, write_atomically

#: Legend entries per column before another column is added.
LEGEND_ROWS = 22


def _styles(classes: np.ndarray) -> list[tuple[tuple[float, float, float, float], str]]:
    """The (colour, marker) of each of the sorted distinct ``classes``: a non-negative integer label
    ``k`` always gets ``class_styles(...)[k]`` (so two panels agree); other labels go by their order."""
    if np.issubdtype(classes.dtype, np.integer) and classes.size and classes.min() >= 0:
        styles = class_styles(int(classes.max()) + 1)
        return [styles[int(c)] for c in classes]
    return class_styles(len(classes))


def _class_name(cls: object, class_names: Sequence[str] | None) -> str:
    if class_names is not None and isinstance(cls, (int, np.integer)) and 0 <= int(cls) < len(class_names):
        return str(class_names[int(cls)])
    return str(cls)


def plot_embedding(
    ax: Axes,
    embedding: np.ndarray,
    labels: np.ndarray,
    *,
    num_classes: int | None = None,
    title: str | None = None,
    point_size: float = 8.0,
) -> None:
    """Draw ``embedding`` ``(N, 2)`` on ``ax``, one (colour, marker) per class.

    Non-negative integer labels keep the same style in every plot (so two panels agree), whatever
    ``num_classes`` says; other labels are styled by their sorted order.
    """
    emb = np.asarray(embedding)
    lab = np.asarray(labels).reshape(-1)
    if emb.ndim != 2 or emb.shape[1] != 2 or emb.shape[0] != lab.shape[0]:
        raise VizInputError(f"embedding must be (N, 2) with N labels; got {emb.shape} and {lab.shape[0]} labels")
    classes, index = np.unique(lab, return_inverse=True)
    for k, (colour, marker) in enumerate(_styles(classes)):
        pts = emb[index == k]
        ax.scatter(pts[:, 0], pts[:, 1], s=point_size, color=colour, marker=marker, linewidths=0, alpha=0.85)
    ax.set(xticks=[], yticks=[])
    if title:
        ax.set_title(title, fontsize=10)


def legend_handles(labels: np.ndarray, class_names: Sequence[str] | None = None) -> list[Line2D]:
    """One legend handle per class present in ``labels``, in the style :func:`plot_embedding` uses."""
    classes = np.unique(np.asarray(labels).reshape(-1))
    return [
        Line2D([], [], linestyle="", marker=marker, color=colour, markersize=5, label=_class_name(cls, class_names))
        for cls, (colour, marker) in zip(classes, _styles(classes), strict=True)
    ]


@dataclass(frozen=True)
class EmbeddingComparison:
    """What :func:`plot_embedding_comparison` drew: the figure path and the silhouette score of
    each panel's 2-D embedding (higher = better separated classes)."""

    path: Path
    titles: tuple[str, ...]
    silhouettes: tuple[float, ...]
    method: str

    def write_scores(
        self,
        path: str | os.PathLike[str],
        *,
        titles: Sequence[str],
        first: str | os.PathLike[str],
        last: str | os.PathLike[str],
    ) -> Path:
        """Write the scores of a first-vs-last comparison as JSON (what ``hw1 viz tsne --scores`` and the
        study's report use): ``method``, the short ``titles``, the ``first`` and ``last`` feature files
        and ``silhouette_first`` / ``silhouette_last``. Returns the path (parent folders created)."""
        if len(self.silhouettes) != 2:
            raise VizInputError(f"scores are written for two panels (first, last), not {len(self.silhouettes)}")
        doc = {
            "method": self.method,
            "titles": list(titles),
            "first": str(first),
            "last": str(last),
            "silhouette_first": float(self.silhouettes[0]),
            "silhouette_last": float(self.silhouettes[1]),
        }
        text = json.dumps(doc, indent=1) + "\n"
        return write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def plot_embedding_comparison(
    feature_sets: Sequence[FeatureSet],
    out_path: str | os.PathLike[str],
    *,
    titles: Sequence[str] = ("first epoch", "last epoch"),
    method: Literal["tsne", "pca"] = "tsne",
    seed: int = 0,
    class_names: Sequence[str] | None = None,
    n_jobs: int = 2,
) -> EmbeddingComparison:
    """Embed each feature set (same ``method`` and ``seed``) and draw them side by side with one
    shared class legend; each title carries the silhouette score of that 2-D embedding.

    The usual call passes the first- and last-epoch features of a classifier: the last panel
    should show tighter class clusters and a higher silhouette.
    """
    if len(feature_sets) == 0:
        raise VizInputError("no feature sets to draw")
    if len(titles) != len(feature_sets):
        raise VizInputError(f"{len(feature_sets)} feature sets but {len(titles)} titles")
    all_labels = np.concatenate([np.asarray(fs.labels).reshape(-1) for fs in feature_sets])
    fig = new_figure(5.2 * len(feature_sets) + 2.5, 5.4)
    axes = fig.subplots(1, len(feature_sets), squeeze=False)[0]
    method_name = "t-SNE" if method == "tsne" else "PCA"
    silhouettes, full_titles = [], []
    for ax, fs, title in zip(axes, feature_sets, titles, strict=True):
        emb = embed(fs.features, method=method, seed=seed, n_jobs=n_jobs)
        sil = embedding_silhouette(emb, fs.labels)
        silhouettes.append(sil)
        full = f"{title} — silhouette {sil:.3f} (2-D {method_name})"
        full_titles.append(full)
        plot_embedding(
            ax, emb, fs.labels, title=f"{full}\n{len(fs.labels)} samples, {len(np.unique(fs.labels))} classes"
        )
    handles = legend_handles(all_labels, class_names)
    fig.legend(
        handles=handles,
        loc="outside right upper",
        ncol=max(1, math.ceil(len(handles) / LEGEND_ROWS)),
        fontsize=6,
        frameon=False,
        handletextpad=0.2,
        columnspacing=0.6,
        borderaxespad=0.2,
    )
    path = save_figure(fig, out_path)
    return EmbeddingComparison(path=path, titles=tuple(full_titles), silhouettes=tuple(silhouettes), method=method)
