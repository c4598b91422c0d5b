"""Synthetic satellite land-cover pairs in the ``p2_data`` layout, for demos and tests.

Each image is generated, vectorised in numpy, from a random land-cover map: smooth irregular
regions (the arg-max of class-biased low-frequency noise fields, with domain-warped boundaries,
and a hidden terrain height that puts Water in valleys and Forest/Barren on heights, so
neighbourhoods carry context), rare Unknown patches, and a class appearance that a model can learn
but not trivially: class colours drawn per image so that they overlap between classes (Agriculture, Rangeland and Barren
share browns and yellows; Forest and Water share dark tones), class textures (urban street grids,
striped agricultural parcels, forest canopy blobs, flat water …), illumination changes (gain, white
balance, haze and a low-frequency shading field), sensor noise and JPEG artefacts (quality 85–90).
Masks are written in pure palette colours with :func:`~hw1.segmentation.codec.write_mask`.

Ids are 4-digit, zero-padded and contiguous from ``0000`` in each split, so the study's chosen
validation ids 0013, 0062 and 0104 exist whenever ``n_val >= 105``; with fewer, only
``0000 … n_val-1`` exist.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from hw1.core import Hw1DataError, progress
from hw1.segmentation.codec import write_mask
from hw1.segmentation.palette import NUM_CLASSES, UNKNOWN

#: Mean colour of each land-cover class (RGB in 0..1) before the per-image colour draw.
_CLASS_COLOURS = np.array(
    [
        (0.52, 0.51, 0.50),  # Urban: concrete grey
        (0.52, 0.52, 0.34),  # Agriculture: crops, yellow-green to brown
        (0.50, 0.46, 0.36),  # Rangeland: dry grass, brownish
        (0.20, 0.30, 0.17),  # Forest: dark green
        (0.14, 0.21, 0.28),  # Water: dark blue-green
        (0.66, 0.60, 0.50),  # Barren: light sand
        (0.10, 0.10, 0.10),  # Unknown: dark (clouds' shadows, no data)
    ],
    dtype=np.float32,
)

#: Per-image spread of each class colour; wide enough that colour alone is ambiguous.
_COLOUR_SPREAD = 0.05

#: Prior log-weights of the six land-cover classes; Agriculture dominates as in the real data.
_CLASS_PRIOR = np.array([0.0, 0.6, 0.0, 0.1, -0.3, -0.2], dtype=np.float32)

#: How strongly each class follows a hidden terrain height: Water fills the valleys, Forest and
#: Barren prefer the heights, so which class sits next to which carries information (context).
_TERRAIN_AFFINITY = np.array([0.0, 0.2, 0.0, 0.5, -1.0, 0.7], dtype=np.float32)

#: Fraction of images that receive an Unknown patch (image 0 of each split always does).
_UNKNOWN_RATE = 0.2


def _smooth_noise(rng: np.random.Generator, size: int, cells: int, count: int = 1) -> np.ndarray:
    """``count`` smooth random fields ``(count, size, size)`` with unit-ish variance: Gaussian noise on a
    ``cells x cells`` grid, upsampled bicubically (PIL, C speed)."""
    low = rng.standard_normal((count, cells, cells)).astype(np.float32)
    return np.stack([np.asarray(Image.fromarray(f, "F").resize((size, size), Image.BICUBIC)) for f in low])


def _land_cover(rng: np.random.Generator, size: int, with_unknown: bool) -> np.ndarray:
    """A random ``(size, size)`` class map of smooth irregular regions with warped boundaries."""
    # The class fields are smooth, so large images draw them at half resolution (4x less work); the
    # warp below reads them back at full resolution and hides the 2-pixel steps at that size.
    work = size // 2 if size >= 256 else size
    fields = _smooth_noise(rng, work, 4, 6) + 0.5 * _smooth_noise(rng, work, 8, 6)
    fields += _TERRAIN_AFFINITY[:, None, None] * _smooth_noise(rng, work, 3)
    bias = _CLASS_PRIOR + rng.normal(0.0, 0.7, 6).astype(np.float32)
    coarse = np.argmax(fields + bias[:, None, None], axis=0).astype(np.uint8)
    # Domain warp: displace where each pixel reads the map, so borders wiggle at a finer scale.
    warp = _smooth_noise(rng, size, 16, 2) * (0.025 * size)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    to_work = work / size
    ys = np.clip((yy + warp[0]) * to_work, 0, work - 1).astype(np.intp)
    xs = np.clip((xx + warp[1]) * to_work, 0, work - 1).astype(np.intp)
    labels = coarse[ys, xs]
    if with_unknown:
        blob = _smooth_noise(rng, size, 10)[0]
        labels[blob > np.quantile(blob, 1.0 - rng.uniform(0.01, 0.05))] = UNKNOWN
    return labels


def _rotated_coords(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    theta = rng.uniform(0.0, np.pi / 2)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    u = xx * np.cos(theta) + yy * np.sin(theta)
    v = -xx * np.sin(theta) + yy * np.cos(theta)
    return u, v


def _cell_values(rng: np.random.Generator, u: np.ndarray, v: np.ndarray, period: float) -> np.ndarray:
    """A random value per cell of a (rotated) grid of the given period: parcels, city blocks."""
    table = rng.uniform(-1.0, 1.0, (64, 64)).astype(np.float32)
    iu = np.floor(u / period).astype(np.intp) % 64
    iv = np.floor(v / period).astype(np.intp) % 64
    return table[iu, iv]


def _textures(rng: np.random.Generator, size: int) -> np.ndarray:
    """Brightness textures of the seven classes ``(7, size, size)``, each around 0."""
    # Texture scales follow the image size down to 40 % (below that they would alias away).
    scale = max(0.4, size / 512.0)
    tex = np.zeros((NUM_CLASSES, size, size), dtype=np.float32)
    # Urban: a rotated street grid between blocks of varying roof brightness.
    u, v = _rotated_coords(rng, size)
    block = max(6.0, rng.uniform(18, 30) * scale)
    street = ((u / block) % 1.0 < 0.18) | ((v / block) % 1.0 < 0.18)
    tex[0] = np.where(street, 0.12, 0.16 * _cell_values(rng, u, v, block))
    # Agriculture: large parcels with their own tone and crop rows in one of two directions.
    u, v = _rotated_coords(rng, size)
    parcel = max(16.0, rng.uniform(60, 110) * scale)
    tone = _cell_values(rng, u, v, parcel)
    rows = max(3.0, rng.uniform(5, 9) * scale)
    stripes = np.sin((2 * np.pi / rows) * np.where(tone > 0, u, v))
    tex[1] = 0.12 * tone + 0.06 * stripes
    # Rangeland: patchy mid-frequency noise with shrub speckle.
    cells = max(6, int(round(size / (24 * scale))))
    tex[2] = 0.06 * _smooth_noise(rng, size, cells)[0] + 0.03 * rng.standard_normal((size, size), dtype=np.float32)
    # Forest: high-frequency canopy blobs, mostly darker than the mean.
    cells = max(4, int(round(size / (6 * scale))))
    tex[3] = 0.09 * _smooth_noise(rng, size, cells)[0] - 0.02
    # Water: nearly flat, a faint slow gradient.
    tex[4] = 0.015 * _smooth_noise(rng, size, 3)[0]
    # Barren: gentle undulation and fine grain.
    tex[5] = 0.06 * _smooth_noise(rng, size, 6)[0] + 0.015 * rng.standard_normal((size, size), dtype=np.float32)
    # Unknown: flat dark with strong noise.
    tex[6] = 0.05 * rng.standard_normal((size, size)).astype(np.float32)
    return tex


def render_satellite(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A synthetic satellite image ``(H, W, 3) uint8`` whose land cover is ``labels`` (square)."""
    size = labels.shape[0]
    colours = _CLASS_COLOURS + rng.normal(0.0, _COLOUR_SPREAD, _CLASS_COLOURS.shape).astype(np.float32)
    tex = _textures(rng, size)
    flat = labels.ravel().astype(np.intp)
    image = np.take(colours, flat, axis=0)  # (H*W, 3)
    image += tex.reshape(NUM_CLASSES, -1)[flat, np.arange(flat.size)][:, None]
    image = image.reshape(size, size, 3)
    # Illumination: gain, white balance, low-frequency shading and haze.
    image *= rng.uniform(0.75, 1.25) * rng.uniform(0.93, 1.07, 3).astype(np.float32)
    image *= (1.0 + 0.15 * _smooth_noise(rng, size, 3)[0])[..., None]
    haze = rng.uniform(0.0, 0.25)
    image = (1.0 - haze) * image + haze * 0.7
    # Sensor noise, mostly shared by the channels (as luminance noise is).
    image += 0.02 * rng.standard_normal((size, size, 1), dtype=np.float32)
    out = Image.fromarray(np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8), "RGB")
    # Real imagery blurs class borders a little; masks stay sharp.
    return np.asarray(out.filter(ImageFilter.GaussianBlur(radius=0.6 * max(1.0, size / 512))))


def make_synthetic_pair(size: int, rng: np.random.Generator, *, with_unknown: bool) -> tuple[np.ndarray, np.ndarray]:
    """One ``(image (size, size, 3) uint8, labels (size, size) uint8)`` pair."""
    labels = _land_cover(rng, size, with_unknown)
    return render_satellite(labels, rng), labels


def _clear_split(folder: Path, overwrite: bool) -> None:
    existing = [p for p in folder.iterdir() if p.name.endswith(("_sat.jpg", "_mask.png"))] if folder.is_dir() else []
    if existing and not overwrite:
        raise Hw1DataError(
            f"{folder}: already holds {len(existing)} image/mask file(s); choose an empty folder or "
            "pass overwrite=True (--overwrite) to replace them"
        )
    for path in existing:
        path.unlink()


def make_synthetic_segmentation(
    out_dir: str | os.PathLike[str],
    *,
    n_train: int = 200,
    n_val: int = 110,
    size: int = 512,
    seed: int = 0,
    overwrite: bool = False,
) -> Path:
    """Write ``out_dir/train`` and ``out_dir/validation`` with ``xxxx_sat.jpg`` + ``xxxx_mask.png``
    pairs in the ``p2_data`` layout and return ``out_dir``.

    Ids run ``0000 … n-1`` in each split (so validation 0013/0062/0104 exist when ``n_val >= 105``).
    The same ``seed`` gives the same files. Existing pairs in the split folders are an error unless
    ``overwrite`` (then only ``*_sat.jpg`` / ``*_mask.png`` files there are removed first).
    """
    if n_train < 0 or n_val < 0:
        raise Hw1DataError(f"n_train and n_val must be >= 0, got {n_train} and {n_val}")
    if size < 16:
        raise Hw1DataError(f"size must be at least 16 pixels, got {size}")
    root = Path(out_dir)
    jobs: list[tuple[Path, int, np.random.SeedSequence]] = []
    for split_index, (split, count) in enumerate((("train", n_train), ("validation", n_val))):
        folder = root / split
        _clear_split(folder, overwrite)
        folder.mkdir(parents=True, exist_ok=True)
        jobs.extend((folder, i, np.random.SeedSequence([seed, split_index, i])) for i in range(count))
    for folder, index, seq in progress(jobs, desc="synth-seg", unit="img"):
        rng = np.random.default_rng(seq)
        with_unknown = index == 0 or rng.uniform() < _UNKNOWN_RATE
        image, labels = make_synthetic_pair(size, rng, with_unknown=with_unknown)
        quality = int(rng.integers(85, 91))
        Image.fromarray(image, "RGB").save(folder / f"{index:04d}_sat.jpg", format="JPEG", quality=quality)
        write_mask(labels, folder / f"{index:04d}_mask.png")
    return root
