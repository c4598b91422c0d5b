"""Training curves from the records of a ``metrics.jsonl`` log (one JSON object per line, ``{"epoch":…,
"step":…, "split":…, <metric>: value…}``, as every hw1 training loop writes it and
``hw1.core.read_metrics`` reads it); :func:`curve_panels` groups the metrics into panels."""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hw1.viz.errors import VizInputError
from hw1.viz.figure import new_figure, save_figure

#: Fields that index a record rather than measure something.
INDEX_FIELDS = frozenset({"epoch", "step", "split", "time", "rank", "world_size"})

#: Panel order and titles of the metric families (then nested dicts, then other metrics).
FAMILIES = ("loss", "accuracy / IoU", "learning rate")

#: Panels per row of the figure.
PANELS_PER_ROW = 4


def metric_family(name: str) -> str:
    """The panel a metric belongs to: ``loss``, ``accuracy / IoU``, ``learning rate`` or ``other``."""
    key = name.lower()
    if "loss" in key:
        return "loss"
    if key in ("lr", "learning_rate") or key.startswith("lr_") or key.endswith("_lr"):
        return "learning rate"
    if any(tag in key for tag in ("acc", "iou", "top1", "top5", "knn", "precision", "recall", "f1")):
        return "accuracy / IoU"
    return "other"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _numeric_fields(record: dict[str, Any]) -> list[tuple[str, float]]:
    """``(name, value)`` of a record's numeric fields; a nested dict of numbers contributes
    ``parent/child`` names (one level deep)."""
    out = []
    for key, value in record.items():
        if key in INDEX_FIELDS:
            continue
        if _is_number(value):
            out.append((str(key), float(value)))
        elif isinstance(value, dict):
            out.extend((f"{key}/{sub}", float(v)) for sub, v in value.items() if _is_number(v))
    return out


def metric_series(records: Sequence[dict[str, Any]]) -> tuple[str, dict[tuple[str, str], list[tuple[float, float]]]]:
    """``(x_name, {(split, metric): [(x, y), …]})`` from records: x is ``epoch`` when every
    measuring record has one (values averaged per epoch), else ``step``, else the record's index.
    Nested dicts of numbers become ``parent/child`` metrics."""
    measuring = [r for r in records if _numeric_fields(r)]
    if all(_is_number(r.get("epoch")) for r in measuring):
        x_name = "epoch"
    elif all(_is_number(r.get("step")) for r in measuring):
        x_name = "step"
    else:
        x_name = "record"
    sums: dict[tuple[str, str], dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for i, rec in enumerate(measuring):
        x = float(rec[x_name]) if x_name != "record" else float(i)
        split = str(rec.get("split", "all"))
        for key, value in _numeric_fields(rec):
            sums[(split, key)][x].append(value)
    series = {k: sorted((x, sum(v) / len(v)) for x, v in xs.items()) for k, xs in sums.items()}
    return x_name, series


def curve_panels(series: dict[tuple[str, str], list[tuple[float, float]]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """``[(panel title, [(split, metric), …]), …]``: the families of :data:`FAMILIES` first, then
    one panel per nested dict (``parent/child`` metrics, titled "parent per class"), then one per
    remaining metric whose value changes at least once."""
    families: dict[str, list[tuple[str, str]]] = defaultdict(list)
    nested: dict[str, list[tuple[str, str]]] = defaultdict(list)
    others: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for split, key in series:  # order of first appearance: classes stay in their logged order
        if "/" in key:
            nested[key.split("/", 1)[0]].append((split, key))
        elif metric_family(key) in FAMILIES:
            families[metric_family(key)].append((split, key))
        else:
            others[key].append((split, key))
    panels = [(f, families[f]) for f in FAMILIES if f in families]
    panels += [(f"{parent} per class", members) for parent, members in nested.items()]
    for key, members in others.items():
        values = {y for member in members for _, y in series[member]}
        if len(values) > 1:  # a logged constant (e.g. k of a kNN monitor) says nothing over time
            panels.append((key, members))
    return panels


def plot_training_curves(
    records: Sequence[dict[str, Any]],
    out_path: str | os.PathLike[str],
    *,
    title: str | None = None,
) -> Path:
    """Draw the panels of :func:`curve_panels` (up to four per row) with one line per (split, metric),
    train solid and validation dashed, and write the PNG; :class:`VizInputError` when no numeric
    metric is found."""
    x_name, series = metric_series(records)
    panels = curve_panels(series)
    if not panels:
        raise VizInputError("the metrics hold no numeric values to plot")
    ncols = min(PANELS_PER_ROW, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    fig = new_figure(4.6 * ncols, 3.6 * nrows + (0.3 if title else 0.0))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    colour_of: dict[str, int] = {}
    for ax, (panel, members) in zip(axes, panels, strict=False):
        for split, key in members:
            pts = series[(split, key)]
            colour = f"C{colour_of.setdefault(key, len(colour_of)) % 10}"
            style = "-" if split.startswith("train") else "--" if split.startswith("val") else ":"
            label = f"{split} {key.split('/', 1)[1]}" if "/" in key else f"{split} {key}"
            xs, ys = zip(*pts, strict=True)
            ax.plot(xs, ys, style, color=colour, marker="o" if len(pts) <= 30 else None, markersize=3, label=label)
        ax.set_title(panel, fontsize=10)
        ax.set_xlabel(x_name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        if panel == "learning rate":
            ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=11)
    return save_figure(fig, out_path)
