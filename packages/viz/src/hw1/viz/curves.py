"""Training curves from a ``metrics.jsonl`` log.

The log holds one JSON object per line, ``{"epoch":…, "step":…, "split":…, <metric>: value…}``
(written by every hw1 training loop). Each numeric field becomes a line; fields are grouped
into one panel per family — loss, accuracy / IoU, learning rate, and anything else — with one
line per (split, field): train solid, validation dashed. When a split logs several records per
epoch (e.g. per-step training loss), the panel shows their mean per epoch, so every line shares
the epoch axis. The file is read with :mod:`json` here, so hw1-viz needs no other hw1 package.
"""

from __future__ import annotations

import json
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

#: Panel order and titles.
FAMILIES = ("loss", "accuracy / IoU", "learning rate", "other")


def read_metrics_jsonl(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Records of a ``metrics.jsonl``; blank lines and a torn last line (a run killed while
    writing) are skipped. :class:`VizInputError` when the file is missing or holds no record."""
    p = Path(path)
    if not p.is_file():
        raise VizInputError(f"{p}: metrics file not found; pass the metrics.jsonl of a run")
    records = []
    lines = p.read_text(encoding="utf-8", errors="replace").splitlines()
    for i, line in enumerate(lines):
        line = line.strip()
        if not line:
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            if i == len(lines) - 1:
                continue  # torn last line
            raise VizInputError(f"{p}:{i + 1}: not a JSON object ({exc.msg}); the file is not a metrics.jsonl") from exc
        if isinstance(rec, dict):
            records.append(rec)
    if not records:
        raise VizInputError(f"{p}: no metric records; has the run logged an epoch yet?")
    return records


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


def metric_series(records: Sequence[dict[str, Any]]) -> tuple[str, dict[tuple[str, str], list[tuple[float, float]]]]:
    """``(x_name, {(split, metric): [(x, y), …]})`` from records: x is ``epoch`` when every
    measuring record has one (values averaged per epoch), else ``step``, else the record's index."""
    measuring = [r for r in records if any(k not in INDEX_FIELDS and _is_number(v) for k, v in r.items())]
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
        for key, value in rec.items():
            if key in INDEX_FIELDS or not _is_number(value):
                continue
            sums[(split, key)][x].append(float(value))
    series = {k: sorted((x, sum(v) / len(v)) for x, v in xs.items()) for k, xs in sums.items()}
    return x_name, series


def plot_training_curves(
    records: Sequence[dict[str, Any]],
    out_path: str | os.PathLike[str],
    *,
    title: str | None = None,
) -> Path:
    """Draw one panel per metric family (see :func:`metric_family`) with one line per
    (split, metric) and write the PNG; :class:`VizInputError` when no numeric metric is found."""
    x_name, series = metric_series(records)
    if not series:
        raise VizInputError("the metrics hold no numeric values to plot")
    by_family: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for split, key in sorted(series):
        by_family[metric_family(key)].append((split, key))
    families = [f for f in FAMILIES if f in by_family]
    fig = new_figure(4.6 * len(families), 3.8)
    axes = fig.subplots(1, len(families), squeeze=False)[0]
    colour_of: dict[str, int] = {}
    for ax, family in zip(axes, families, strict=True):
        for split, key in by_family[family]:
            pts = series[(split, key)]
            xs = [p[0] for p in pts]
            ys = [p[1] for p in pts]
            colour = f"C{colour_of.setdefault(key, len(colour_of)) % 10}"
            style = "-" if split.startswith("train") else "--" if split.startswith("val") else ":"
            ax.plot(xs, ys, style, color=colour, marker="o" if len(pts) <= 30 else None, markersize=3,
                    label=f"{split} {key}")
        ax.set_title(family, fontsize=10)
        ax.set_xlabel(x_name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        if family == "learning rate":
            ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
    if title:
        fig.suptitle(title, fontsize=11)
    return save_figure(fig, out_path)
