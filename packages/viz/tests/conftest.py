"""Shared fixtures of hw1-viz tests: a PNG checker and small synthetic inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

#: The study's 7 land-cover colours (hw1-segmentation's PALETTE; copied: viz imports no hw1 package).
PALETTE = np.array(
    [[0, 255, 255], [255, 255, 0], [255, 0, 255], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0]],
    dtype=np.uint8,
)
CLASS_NAMES = ("Urban", "Agriculture", "Rangeland", "Forest", "Water", "Barren", "Unknown")


@pytest.fixture
def palette() -> np.ndarray:
    return PALETTE.copy()


@pytest.fixture
def class_names() -> tuple[str, ...]:
    return CLASS_NAMES


@pytest.fixture
def check_png():
    """Return a checker: the file is a decodable PNG whose size lies in the given ranges."""

    def check(
        path: Path, *, min_size: tuple[int, int] = (100, 100), max_size: tuple[int, int] = (5000, 5000)
    ) -> np.ndarray:
        path = Path(path)
        assert path.is_file() and path.stat().st_size > 0
        with Image.open(path) as img:
            assert img.format == "PNG"
            img.load()
            w, h = img.size
            arr = np.asarray(img.convert("RGB"))
        assert min_size[0] <= w <= max_size[0], (w, h)
        assert min_size[1] <= h <= max_size[1], (w, h)
        assert arr.std() > 0, "figure is blank"
        return arr

    return check


@pytest.fixture
def clustered_features():
    """Three well-separated Gaussian clusters in 64-D: (features, labels)."""

    def make(n_per_class: int = 60, dims: int = 64, classes: int = 3, spread: float = 0.5, seed: int = 0):
        rng = np.random.default_rng(seed)
        centres = rng.normal(0, 10, size=(classes, dims))
        feats = np.concatenate([c + rng.normal(0, spread, size=(n_per_class, dims)) for c in centres])
        labels = np.repeat(np.arange(classes), n_per_class)
        return feats.astype(np.float32), labels

    return make
