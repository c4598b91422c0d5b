"""Figures without pyplot: an Agg canvas per figure, so drawing is thread-safe, never opens a
window and never touches matplotlib's global backend or state."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
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
    """Write ``fig`` as a PNG at ``path`` (atomically, see :func:`write_atomically`) and return the path."""
    return write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"))


def write_atomically(path: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path`` (parent folders created), then rename it to
    ``path``: the file appears whole or not at all, with the mode of any file the user writes (0644 under
    umask 022). hw1-viz depends on no other hw1 package, so this is its own version of
    ``hw1.core.atomic_files.atomic_write``; every file hw1-viz writes goes through it."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:12]}.tmp")  # unique per call (threads)
    try:
        write(tmp)  # a plain open(): the umask's mode, as for any file
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out
