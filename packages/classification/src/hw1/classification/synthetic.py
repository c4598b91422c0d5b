"""Generated stand-ins for the study's classification data: an Office-Home-shaped labeled set and
a Mini-ImageNet-shaped unlabeled set whose images share visual primitives.

Every image is one object drawn from a vocabulary of *primitives* — 13 shape families (disc,
square, triangle, …) and 8 fill textures (solid, stripes, checker, dots, …) — at a random size and
position on a noisy background. A class is one (shape, texture) pair; Office and Mini take
*disjoint* sets of pairs, so the class sets differ but the primitives are the same, and a backbone
pre-trained on Mini separates Office classes far better than a random-init one.

Colour is pure nuisance: every image paints its background, fill and texture with the same three
palette colours in a random order (plus pixel noise). Random conv features are dominated by
colour, size and position, so a head on a frozen random backbone learns little; an SSL backbone
has learnt, from crops and colour jitter, to ignore exactly those, and the same head on it does
far better (``tests/test_ssl_helps_classification.py``). Shapes are never rotated, so every
family (e.g. square and diamond) is distinct.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from hw1.core.csv_files import write_csv, write_predictions_csv
from hw1.core.errors import Hw1Error

SHAPES = (
    "disc",
    "square",
    "triangle",
    "inverted_triangle",
    "ring",
    "cross",
    "diamond",
    "horizontal_bar",
    "vertical_bar",
    "crescent",
    "half_disc",
    "frame",
    "x_cross",
)
TEXTURES = (
    "solid",
    "horizontal_stripes",
    "vertical_stripes",
    "diagonal_stripes",
    "checker",
    "dots",
    "concentric",
    "grid",
)
#: The three colours every image uses (background, fill, texture in a random order).
PALETTE = np.array([(214, 69, 65), (62, 150, 81), (57, 94, 196)], dtype=np.float32) / 255.0


@dataclass(frozen=True)
class SyntheticClassificationSet:
    """Where :func:`make_synthetic_classification` wrote the two sets and how many images."""

    root: Path
    office_train_csv: Path
    office_val_csv: Path
    office_train_dir: Path
    office_val_dir: Path
    mini_dir: Path
    mini_labels_csv: Path
    num_classes: int
    num_mini_classes: int
    n_train: int
    n_val: int
    n_mini: int


def _shape_mask(shape: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Inside-test of a unit-sized shape in its own coordinates (u right, v down)."""
    r = np.sqrt(u * u + v * v)
    au, av = np.abs(u), np.abs(v)
    if shape == "disc":
        return r < 1.0
    if shape == "square":
        return np.maximum(au, av) < 0.85
    if shape == "triangle":
        return (v < 0.7) & (v > -0.95 + 1.73 * au)
    if shape == "inverted_triangle":
        return (v > -0.7) & (v < 0.95 - 1.73 * au)
    if shape == "ring":
        return (r < 1.0) & (r > 0.55)
    if shape == "cross":
        return ((au < 0.3) & (av < 1.0)) | ((av < 0.3) & (au < 1.0))
    if shape == "diamond":
        return au + av < 1.1
    if shape == "horizontal_bar":
        return (av < 0.4) & (au < 1.0)
    if shape == "vertical_bar":
        return (au < 0.4) & (av < 1.0)
    if shape == "crescent":
        return (r < 1.0) & (np.sqrt((u - 0.45) ** 2 + v * v) > 0.75)
    if shape == "half_disc":
        return (r < 1.0) & (v > -0.1)
    if shape == "frame":
        return (np.maximum(au, av) < 0.9) & (np.maximum(au, av) > 0.5)
    if shape == "x_cross":
        return ((np.abs(u - v) < 0.4) | (np.abs(u + v) < 0.4)) & (np.maximum(au, av) < 0.85)
    raise ValueError(shape)


def _texture(texture: str, u: np.ndarray, v: np.ndarray, freq: float) -> np.ndarray:
    """Texture value in {0, 1}: which of the object's two colours a pixel takes."""
    if texture == "solid":
        return np.zeros_like(u)
    if texture == "horizontal_stripes":
        return (np.sin(freq * np.pi * v) > 0).astype(np.float32)
    if texture == "vertical_stripes":
        return (np.sin(freq * np.pi * u) > 0).astype(np.float32)
    if texture == "diagonal_stripes":
        return (np.sin(freq * np.pi * (u + v) / np.sqrt(2.0)) > 0).astype(np.float32)
    if texture == "checker":
        return ((np.floor(freq * 0.5 * (u + 2)) + np.floor(freq * 0.5 * (v + 2))) % 2).astype(np.float32)
    if texture == "dots":
        fu = (u * freq * 0.5) % 1.0 - 0.5
        fv = (v * freq * 0.5) % 1.0 - 0.5
        return (fu * fu + fv * fv < 0.09).astype(np.float32)
    if texture == "concentric":
        return (np.sin(freq * np.pi * np.sqrt(u * u + v * v)) > 0).astype(np.float32)
    if texture == "grid":
        fu = (u * freq * 0.5) % 1.0
        fv = (v * freq * 0.5) % 1.0
        return ((fu < 0.3) | (fv < 0.3)).astype(np.float32)
    raise ValueError(texture)


def render_object_image(rng: np.random.Generator, shape: int, texture: int, size: int) -> np.ndarray:
    """One image (uint8 HxWx3): a ``SHAPES[shape]`` object filled with ``TEXTURES[texture]``, radius
    28–45 % of the image, anywhere inside it, the three palette colours in a random order."""
    background, fill, pattern = PALETTE[rng.permutation(len(PALETTE))]
    img = np.broadcast_to(background, (size, size, 3)) + rng.normal(0.0, 0.04, (size, size, 3)).astype(np.float32)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    radius = size * rng.uniform(0.28, 0.45)
    cx, cy = rng.uniform(radius, size - radius), rng.uniform(radius, size - radius)
    u, v = (xx - cx) / radius, (yy - cy) / radius
    mask = _shape_mask(SHAPES[shape], u, v)
    t = _texture(TEXTURES[texture], u, v, freq=rng.uniform(2.5, 3.5))[..., None]
    painted = fill[None, None, :] * (1.0 - t) + pattern[None, None, :] * t
    img = np.where(mask[..., None], painted, img)
    return (img.clip(0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def make_synthetic_classification(
    out_dir: str | os.PathLike[str],
    *,
    num_classes: int = 65,
    n_train_per_class: int = 8,
    n_val_per_class: int = 2,
    n_mini: int = 640,
    num_mini_classes: int = 32,
    size: int = 64,
    mini_size: int = 84,
    seed: int = 0,
) -> SyntheticClassificationSet:
    """Write a generated Office-Home-shaped labeled set and a Mini-ImageNet-shaped set.

    Layout under ``out_dir``: ``office/train/``, ``office/val/`` (files ``<label>_<k>.jpg`` as in
    the real data), ``office/train.csv`` and ``office/val.csv`` (``id,filename,label``),
    ``mini/train/<i>.jpg`` (unlabeled images, ``mini_size`` pixels) and ``mini/labels.csv``
    (``id,filename,label`` over Mini's hidden classes, for a supervised stand-in backbone and kNN
    monitoring); ``office/classes.csv`` and ``mini/classes.csv`` (``label,shape,texture``) say what
    each class is. Class definitions and images are fully determined by ``seed``.
    """
    for name, value in (
        ("num_classes", num_classes),
        ("n_train_per_class", n_train_per_class),
        ("n_mini", n_mini),
        ("num_mini_classes", num_mini_classes),
    ):
        if value < 1:
            raise Hw1Error(f"{name} must be at least 1 (got {value})")
    if n_val_per_class < 0:
        raise Hw1Error(f"n_val_per_class must be >= 0 (got {n_val_per_class})")
    if size < 16 or mini_size < 16:
        raise Hw1Error(f"image sizes must be at least 16 pixels (got {size}, {mini_size})")
    pool = [(s, t) for s in range(len(SHAPES)) for t in range(len(TEXTURES))]
    if num_classes + num_mini_classes > len(pool):
        raise Hw1Error(
            f"{num_classes} Office + {num_mini_classes} Mini classes exceed the {len(pool)} "
            f"(shape, texture) pairs: lower --n-classes or --n-mini-classes"
        )
    root = Path(out_dir)
    office, mini = root / "office", root / "mini"
    for d in (office / "train", office / "val", mini / "train"):
        d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    class_order = rng.permutation(len(pool))
    office_classes = [pool[i] for i in class_order[:num_classes]]
    mini_classes = [pool[i] for i in class_order[num_classes : num_classes + num_mini_classes]]
    for folder, classes in ((office, office_classes), (mini, mini_classes)):
        write_csv(
            folder / "classes.csv",
            [(k, SHAPES[sh], TEXTURES[tx]) for k, (sh, tx) in enumerate(classes)],
            header=("label", "shape", "texture"),
        )

    splits = {"train": n_train_per_class, "val": n_val_per_class}
    counts = {}
    for split, per_class in splits.items():
        rows = []
        for label in range(num_classes):
            for k in range(per_class):
                name = f"{label}_{k}.jpg"
                arr = render_object_image(rng, *office_classes[label], size)
                Image.fromarray(arr).save(office / split / name, quality=92)
                rows.append((len(rows), name, label))
        order = rng.permutation(len(rows))  # the real CSVs are not sorted by class
        rows = [(i, rows[j][1], rows[j][2]) for i, j in enumerate(order)]
        write_predictions_csv(office / f"{split}.csv", rows)
        counts[split] = len(rows)

    mini_rows = []
    for i in range(n_mini):
        label = int(rng.integers(num_mini_classes))
        name = f"{i:05d}.jpg"
        image = render_object_image(rng, *mini_classes[label], mini_size)
        Image.fromarray(image).save(mini / "train" / name, quality=92)
        mini_rows.append((i, name, label))
    write_predictions_csv(mini / "labels.csv", mini_rows)
    return SyntheticClassificationSet(
        root=root,
        office_train_csv=office / "train.csv",
        office_val_csv=office / "val.csv",
        office_train_dir=office / "train",
        office_val_dir=office / "val",
        mini_dir=mini / "train",
        mini_labels_csv=mini / "labels.csv",
        num_classes=num_classes,
        num_mini_classes=num_mini_classes,
        n_train=counts["train"],
        n_val=counts["val"],
        n_mini=n_mini,
    )


#: The smallest useful set, for tests and smoke runs: 4 Office classes × 1 train / 1 val image and 4 Mini
#: images at 32 px (a fraction of a second to write).
TINY_CLASSIFICATION: dict[str, int] = dict(
    num_classes=4, n_train_per_class=1, n_val_per_class=1, n_mini=4, num_mini_classes=4, size=32, mini_size=32
)


def make_tiny_classification(out_dir: str | os.PathLike[str], **sizes: int) -> SyntheticClassificationSet:
    """:func:`make_synthetic_classification` at :data:`TINY_CLASSIFICATION`'s sizes; ``sizes`` (any of its
    keyword arguments, ``seed`` too) override them."""
    return make_synthetic_classification(out_dir, **{**TINY_CLASSIFICATION, **sizes})
