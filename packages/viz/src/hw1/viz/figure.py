"""Figures without pyplot: an Agg canvas per figure, so drawing is thread-safe, never opens a
window and never touches matplotlib's global backend or state."""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: Resolution of every PNG hw1-viz writes.
DEFAULT_DPI = 100


def new_figure(width_in: float, height_in: float) -> Figure:
    """A :class:`~matplotlib.figure.Figure` of the given size (inches) on an Agg canvas."""
    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path: str | os.PathLike[str], *, dpi: int = DEFAULT_DPI) -> Path:
    """Write ``fig`` as a PNG at ``path`` (parent folders created) and return the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi, format="png")
    return out
