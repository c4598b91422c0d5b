"""Shared fixtures: generated image folders (no downloads) and tiny configs.

``shapes_dataset`` draws images whose class is a shape × texture pair (circle/square/triangle ×
solid/striped) with random foreground and background colours, positions and scales, so colour
carries no class information and a good representation must ignore it.
"""

from __future__ import annotations

import os

# Busy-waiting OpenMP threads collapse (10x slower steps here) when several test processes share
# two cores; must be set before torch loads its OpenMP runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import csv  # noqa: E402
import math  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from hw1.core.tiny_resnet import register_tiny_resnet  # noqa: E402

#: A reduced-width ResNet (BasicBlock ×[1,1,1,1], channels 16-32-64-128) registered with timm, so
#: configs can name it ``timm:hw1_test_tiny_resnet``: ~10× cheaper than resnet18 on two shared cores.
TINY_BACKBONE = register_tiny_resnet()

SHAPES = ("circle", "square", "triangle")
TEXTURES = ("solid", "stripes")
NUM_CLASSES = len(SHAPES) * len(TEXTURES)
PALETTE = ((230, 60, 50), (40, 160, 70), (50, 80, 200), (235, 210, 60), (30, 30, 30), (220, 220, 220))


def draw_shape_image(label: int, rng: np.random.Generator, size: int = 48) -> Image.Image:
    """One image of class ``label`` (shape = label // 2, texture = label % 2)."""
    shape, texture = SHAPES[label // len(TEXTURES)], TEXTURES[label % len(TEXTURES)]
    # Colours come from a small palette (plus noise), so many images share a colour pair: a colour
    # shortcut cannot tell images apart and SSL has to use shape and texture.
    i, j = rng.choice(len(PALETTE), size=2, replace=False)
    bg, fg = (tuple(int(np.clip(c + rng.integers(-20, 21), 0, 255)) for c in PALETTE[k]) for k in (i, j))
    img = Image.new("RGB", (size, size), bg)
    mask = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(mask)
    r = rng.uniform(0.25, 0.42) * size
    cx, cy = rng.uniform(r, size - r), rng.uniform(r, size - r)
    if shape == "circle":
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=255)
    elif shape == "square":
        d.rectangle([cx - r, cy - r, cx + r, cy + r], fill=255)
    else:
        pts = [(cx + r * math.cos(a), cy + r * math.sin(a)) for a in (-math.pi / 2, math.pi / 6, 5 * math.pi / 6)]
        d.polygon(pts, fill=255)
    fill = Image.new("RGB", (size, size), fg)
    if texture == "stripes":
        arr = np.asarray(fill).copy()
        period = int(rng.integers(4, 7))
        yy, xx = np.mgrid[0:size, 0:size]
        stripes = ((xx + yy) // (period // 2 + 1)) % 2 == 0
        arr[stripes] = np.asarray(bg, dtype=np.uint8)
        fill = Image.fromarray(arr)
    img.paste(fill, (0, 0), mask)
    return img


def write_shapes(folder: Path, n: int, seed: int, size: int = 48, nested: bool = False) -> list[tuple[str, int]]:
    """Write ``n`` balanced images to ``folder`` and return (filename, label) rows."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        label = i % NUM_CLASSES
        name = f"{i:04d}.png"
        target = folder / (f"part{i % 3}" if nested else ".") / name
        target.parent.mkdir(parents=True, exist_ok=True)
        draw_shape_image(label, rng, size).save(target)
        rows.append((name, label))
    return rows


def write_csv(path: Path, rows: list[tuple[str, int]]) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "filename", "label"])
        for i, (name, label) in enumerate(rows):
            w.writerow([i, name, label])
    return path


@pytest.fixture(scope="session")
def tiny_images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 small unlabeled images in nested folders."""
    root = tmp_path_factory.mktemp("tiny_images")
    write_shapes(root, 24, seed=1, size=32, nested=True)
    return root


@pytest.fixture(scope="session")
def knn_split(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Labeled train/val shape images with CSVs (id,filename,label) beside them."""
    root = tmp_path_factory.mktemp("knn")
    train = write_shapes(root / "train", 24, seed=2, size=32)
    val = write_shapes(root / "val", 12, seed=3, size=32)
    return {
        "train_csv": write_csv(root / "train" / "train.csv", train),
        "val_csv": write_csv(root / "val" / "val.csv", val),
        "train_dir": root / "train",
        "val_dir": root / "val",
    }


@pytest.fixture(scope="session")
def shapes_split(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The learning check's data: 384 labeled 32 px train images (also the unlabeled pre-training
    set) and 96 validation images, CSVs beside them."""
    root = tmp_path_factory.mktemp("shapes")
    train = write_shapes(root / "train", 384, seed=2, size=32)
    val = write_shapes(root / "val", 96, seed=3, size=32)
    return {
        "train_csv": write_csv(root / "train.csv", train),
        "val_csv": write_csv(root / "val.csv", val),
        "train_dir": root / "train",
        "val_dir": root / "val",
    }


def tiny_config(images: Path, out: Path, **overrides):
    """A PretrainConfig that runs in seconds on CPU: resnet18, 32 px, small heads, no workers."""
    from hw1.ssl import PretrainConfig

    base = dict(
        images=str(images),
        out_dir=str(out),
        method="byol",
        backbone=TINY_BACKBONE,
        method_options={"hidden_dim": 128, "output_dim": 32},
        epochs=2,
        batch_size=8,
        num_workers=0,
        image_size=32,
        warmup_epochs=0.5,
        precision="fp32",
        verify_images=True,
    )
    base.update(overrides)
    return PretrainConfig(**base)


@pytest.fixture
def tiny_backbone():
    """Factory of fresh reduced-width ResNet backbones (``.num_features == 128``)."""
    from hw1.core import create_backbone

    return lambda: create_backbone(TINY_BACKBONE)


@pytest.fixture(scope="session")
def make_config():
    """Factory fixture for :func:`tiny_config` (tests cannot import conftest helpers directly)."""
    return tiny_config


@pytest.fixture(autouse=True)
def _quiet_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.setenv("HW1_PROGRESS", "0")
    monkeypatch.setenv("HW1_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "hw1-cache"))  # not ~/.cache
    for var in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(var, raising=False)
    os.environ.setdefault("OMP_NUM_THREADS", "2")
