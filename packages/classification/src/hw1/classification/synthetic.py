"""Generated stand-ins for the study's classification data: an Office-Home-shaped labeled set and
a Mini-ImageNet-shaped unlabeled set whose images share visual primitives.

Every image is drawn from a small vocabulary of *primitives*: shape families (disc, square,
triangle, ring, cross, diamond, bar, crescent), fill textures (solid, stripes, checker, dots,
concentric rings, gradient) and random colours on a noisy background. A Mini class is one object
(shape × texture); an Office class is an unordered *pair* of objects (two shape × texture parts,
sides swapped at random). The class sets differ, but the primitives are the same, so a backbone
trained on Mini (supervised on its hidden labels, or self-supervised) has features that separate
Office classes far better than a random-init backbone. Colour never identifies a class: the
signal is shape and texture.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from hw1.core.errors import Hw1Error

SHAPES = ("disc", "square", "triangle", "ring", "cross", "diamond", "bar", "crescent")
TEXTURES = ("solid", "stripes", "checker", "dots", "rings", "gradient")


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
    """Inside-test of a unit-sized shape in its own (rotated, scaled) coordinates."""
    r = np.sqrt(u * u + v * v)
    if shape == "disc":
        return r < 1.0
    if shape == "square":
        return np.maximum(np.abs(u), np.abs(v)) < 0.85
    if shape == "triangle":
        return (v > -0.6) & (v < 0.95 - 1.73 * np.abs(u))
    if shape == "ring":
        return (r < 1.0) & (r > 0.6)
    if shape == "cross":
        return ((np.abs(u) < 0.3) & (np.abs(v) < 1.0)) | ((np.abs(v) < 0.3) & (np.abs(u) < 1.0))
    if shape == "diamond":
        return np.abs(u) + np.abs(v) < 1.1
    if shape == "bar":
        return (np.abs(v) < 0.35) & (np.abs(u) < 1.0)
    if shape == "crescent":
        return (r < 1.0) & (np.sqrt((u - 0.45) ** 2 + v * v) > 0.75)
    raise ValueError(shape)


def _texture(texture: str, u: np.ndarray, v: np.ndarray, freq: float) -> np.ndarray:
    """Texture value in [0, 1] that mixes an object's two colours."""
    if texture == "solid":
        return np.zeros_like(u)
    if texture == "stripes":
        return (np.sin(freq * np.pi * u) > 0).astype(np.float32)
    if texture == "checker":
        return ((np.floor(freq * 0.5 * (u + 2)) + np.floor(freq * 0.5 * (v + 2))) % 2).astype(np.float32)
    if texture == "dots":
        fu = (u * freq * 0.5) % 1.0 - 0.5
        fv = (v * freq * 0.5) % 1.0 - 0.5
        return (fu * fu + fv * fv < 0.09).astype(np.float32)
    if texture == "rings":
        return (np.sin(freq * np.pi * np.sqrt(u * u + v * v)) > 0).astype(np.float32)
    if texture == "gradient":
        return np.clip((u + 1.0) / 2.0, 0.0, 1.0)
    raise ValueError(texture)


def _hsv_to_rgb(h: float, s: float, v: float) -> np.ndarray:
    i = int(h * 6.0) % 6
    f = h * 6.0 - int(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    return np.array([(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i], dtype=np.float32)


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A low-contrast colour field: a smooth random tint plus pixel noise."""
    base = _hsv_to_rgb(rng.random(), rng.uniform(0.05, 0.35), rng.uniform(0.35, 0.85))
    coarse = rng.normal(0.0, 0.06, size=(4, 4, 3)).astype(np.float32)
    smooth = np.asarray(
        Image.fromarray(((coarse + 0.5) * 255).clip(0, 255).astype(np.uint8)).resize((size, size), Image.BILINEAR),
        dtype=np.float32,
    ) / 255.0 - 0.5
    noise = rng.normal(0.0, 0.03, size=(size, size, 3)).astype(np.float32)
    return base[None, None, :] + smooth + noise


def _draw_object(
    img: np.ndarray, rng: np.random.Generator, shape: str, texture: str, cx: float, cy: float, radius: float,
    grid: tuple[np.ndarray, np.ndarray],
) -> None:
    """Paint one textured shape in place, in random colours and orientation."""
    yy, xx = grid
    angle = rng.uniform(0.0, 2.0 * np.pi)
    ca, sa = np.cos(angle), np.sin(angle)
    dx, dy = (xx - cx) / radius, (yy - cy) / radius
    u, v = ca * dx + sa * dy, -sa * dx + ca * dy
    mask = _shape_mask(shape, u, v)
    hue = rng.random()
    c1 = _hsv_to_rgb(hue, rng.uniform(0.6, 1.0), rng.uniform(0.75, 1.0))
    c2 = _hsv_to_rgb((hue + rng.uniform(0.25, 0.75)) % 1.0, rng.uniform(0.5, 1.0), rng.uniform(0.15, 0.5))
    t = _texture(texture, u, v, freq=rng.uniform(2.5, 4.0))[..., None]
    fill = c1[None, None, :] * (1.0 - t) + c2[None, None, :] * t
    img[mask] = fill[mask]


def _distinct_combos(rng: np.random.Generator, n: int, parts: int) -> list[tuple[tuple[int, int], ...]]:
    """``n`` class definitions, each an unordered tuple of ``parts`` (shape, texture) objects;
    any two classes differ in at least two of their primitives, so no pair is near-identical."""
    pool = [(s, t) for s in range(len(SHAPES)) for t in range(len(TEXTURES))]
    if parts == 1:
        if n > len(pool):
            raise Hw1Error(f"at most {len(pool)} single-object classes can be generated (asked {n})")
        order = rng.permutation(len(pool))[:n]
        return [(pool[i],) for i in order]
    chosen: list[tuple[tuple[int, int], ...]] = []
    seen: set[tuple[tuple[int, int], ...]] = set()
    tries = 0
    while len(chosen) < n:
        tries += 1
        if tries > 200000:
            raise Hw1Error(f"cannot generate {n} distinct pair classes; use fewer classes")
        a, b = pool[rng.integers(len(pool))], pool[rng.integers(len(pool))]
        combo = tuple(sorted((a, b)))
        if combo in seen:
            continue
        close = False
        for other in chosen:
            for oa, ob in (other, other[::-1]):
                for ca, cb in ((a, b), (b, a)):
                    same = (ca[0] == oa[0]) + (ca[1] == oa[1]) + (cb[0] == ob[0]) + (cb[1] == ob[1])
                    if same >= 3:
                        close = True
        if close:
            continue
        seen.add(combo)
        chosen.append(combo)
    return chosen


def render_office_image(rng: np.random.Generator, combo: tuple[tuple[int, int], ...], size: int) -> np.ndarray:
    """One Office-shaped image (uint8 HxWx3): the class's two objects side by side, order random."""
    img = _background(rng, size)
    grid = np.mgrid[0:size, 0:size].astype(np.float32)
    parts = list(combo)
    if rng.random() < 0.5:
        parts.reverse()
    for side, (s, t) in enumerate(parts):
        cx = size * (0.27 + 0.46 * side + rng.uniform(-0.04, 0.04))
        cy = size * rng.uniform(0.3, 0.7)
        _draw_object(img, rng, SHAPES[s], TEXTURES[t], cx, cy, size * rng.uniform(0.17, 0.22), (grid[0], grid[1]))
    return (img.clip(0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def render_mini_image(rng: np.random.Generator, combo: tuple[tuple[int, int], ...], size: int) -> np.ndarray:
    """One Mini-shaped image (uint8 HxWx3): the class's single object, roughly centred."""
    img = _background(rng, size)
    grid = np.mgrid[0:size, 0:size].astype(np.float32)
    (s, t), = combo
    cx, cy = size * rng.uniform(0.38, 0.62), size * rng.uniform(0.38, 0.62)
    _draw_object(img, rng, SHAPES[s], TEXTURES[t], cx, cy, size * rng.uniform(0.25, 0.36), (grid[0], grid[1]))
    return (img.clip(0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def _write_split(rows: list[tuple[int, str, int]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "filename", "label"])
        w.writerows(rows)


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
    monitoring). Class definitions and images are fully determined by ``seed``.
    """
    for name, value in (("num_classes", num_classes), ("n_train_per_class", n_train_per_class),
                        ("n_mini", n_mini), ("num_mini_classes", num_mini_classes)):
        if value < 1:
            raise Hw1Error(f"{name} must be at least 1 (got {value})")
    if n_val_per_class < 0:
        raise Hw1Error(f"n_val_per_class must be >= 0 (got {n_val_per_class})")
    if size < 16 or mini_size < 16:
        raise Hw1Error(f"image sizes must be at least 16 pixels (got {size}, {mini_size})")
    root = Path(out_dir)
    office, mini = root / "office", root / "mini"
    for d in (office / "train", office / "val", mini / "train"):
        d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    office_classes = _distinct_combos(rng, num_classes, parts=2)
    mini_classes = _distinct_combos(rng, num_mini_classes, parts=1)

    splits = {"train": n_train_per_class, "val": n_val_per_class}
    counts = {}
    for split, per_class in splits.items():
        rows = []
        for label in range(num_classes):
            for k in range(per_class):
                name = f"{label}_{k}.jpg"
                arr = render_office_image(rng, office_classes[label], size)
                Image.fromarray(arr).save(office / split / name, quality=92)
                rows.append((len(rows), name, label))
        order = rng.permutation(len(rows))  # the real CSVs are not sorted by class
        rows = [(i, rows[j][1], rows[j][2]) for i, j in enumerate(order)]
        _write_split(rows, office / f"{split}.csv")
        counts[split] = len(rows)

    mini_rows = []
    for i in range(n_mini):
        label = int(rng.integers(num_mini_classes))
        name = f"{i:05d}.jpg"
        Image.fromarray(render_mini_image(rng, mini_classes[label], mini_size)).save(mini / "train" / name, quality=92)
        mini_rows.append((i, name, label))
    _write_split(mini_rows, mini / "labels.csv")
    return SyntheticClassificationSet(
        root=root, office_train_csv=office / "train.csv", office_val_csv=office / "val.csv",
        office_train_dir=office / "train", office_val_dir=office / "val", mini_dir=mini / "train",
        mini_labels_csv=mini / "labels.csv", num_classes=num_classes, num_mini_classes=num_mini_classes,
        n_train=counts["train"], n_val=counts["val"], n_mini=n_mini,
    )
