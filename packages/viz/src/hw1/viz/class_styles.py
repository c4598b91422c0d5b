"""Colours and markers that keep up to ~100 classes apart in one scatter plot.

65 Office-Home classes are more than any qualitative colour map holds, so each class gets a
(colour, marker) pair: 20 colours of ``tab20`` cycled over marker shapes. Two classes share a
colour only when their markers differ.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps

#: Marker shapes cycled once the 20 colours are used up (filled shapes read best when small).
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def class_styles(num_classes: int) -> list[tuple[tuple[float, float, float, float], str]]:
    """``num_classes`` distinct ``(rgba colour, marker)`` pairs: class ``k`` gets colour
    ``tab20[k % 20]`` and marker ``MARKERS[k // 20]`` (up to 160 distinct pairs)."""
    if num_classes < 0:
        raise ValueError("num_classes must be >= 0")
    cmap = colormaps["tab20"]
    return [(tuple(float(v) for v in cmap(k % 20)), MARKERS[(k // 20) % len(MARKERS)]) for k in range(num_classes)]


def distinct_colors(n: int, *, seed: int = 0) -> np.ndarray:
    """``n`` well-spread RGB colours as ``(n, 3) uint8``: golden-ratio hue steps with a little
    seeded jitter in saturation/value, so neighbouring masks never get near-equal colours."""
    import colorsys

    rng = np.random.default_rng(seed)
    out = np.zeros((n, 3), dtype=np.uint8)
    hue = float(rng.random())
    for i in range(n):
        hue = (hue + 0.618033988749895) % 1.0
        sat = 0.65 + 0.35 * float(rng.random())
        val = 0.75 + 0.25 * float(rng.random())
        r, g, b = colorsys.hsv_to_rgb(hue, sat, val)
        out[i] = (round(r * 255), round(g * 255), round(b * 255))
    return out
