"""Safe image opening: any common mode becomes RGB, and bad files give one-line errors.

Real folders contain grayscale, palette, alpha, CMYK and 16-bit images, truncated downloads,
non-images with image extensions and decompression bombs. :func:`open_image` turns each of them
into an RGB image or a :class:`Hw1DataError` that names the file.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np
from PIL import Image, UnidentifiedImageError

from hw1.core.errors import Hw1DataError, first_line

#: Largest accepted image, in pixels (width × height). 16k × 16k covers any photo or tile.
DEFAULT_MAX_PIXELS = 16384 * 16384

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".ppm")


def relative_image_name(name: str, listed_in: str | os.PathLike[str], row: int) -> str:
    """Check a file name read from a list (a CSV's ``filename`` column, row ``row`` of
    ``listed_in``) before it is joined to an image folder: empty, absolute (POSIX or Windows) and
    ``..`` names are refused with :class:`Hw1DataError`, so a list can never reach outside its folder."""
    posix, win = PurePosixPath(name), PureWindowsPath(name)
    if not name or posix.is_absolute() or win.is_absolute() or ".." in posix.parts or ".." in win.parts:
        raise Hw1DataError(
            f"{listed_in}: row {row}: file name {name!r} is empty, absolute or contains '..'; "
            "use a name relative to the image folder"
        )
    return name


def is_image_file(path: str | os.PathLike[str]) -> bool:
    """True when the file name has an image extension (case-insensitive)."""
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def open_image(path: str | os.PathLike[str], *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Open ``path`` fully decoded as an RGB :class:`PIL.Image.Image`.

    L/LA/P/RGBA/CMYK/I;16/I/F become RGB (alpha is dropped, so palette and RGBA masks decode through
    their RGB values). Raises :class:`Hw1DataError` naming the file for missing, empty, truncated,
    undecodable or oversized (decompression-bomb) images.
    """
    p = Path(path)
    if not p.is_file():
        raise Hw1DataError(f"{p}: image file not found; check the path")
    if p.stat().st_size == 0:
        raise Hw1DataError(f"{p}: empty file (0 bytes); remove it or replace it with a valid image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(p)
            if img.width * img.height > max_pixels:
                raise Hw1DataError(
                    f"{p}: image declares {img.width}x{img.height} pixels, more than the limit of "
                    f"{max_pixels} (possible decompression bomb); resize it or raise max_pixels"
                )
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Hw1DataError(f"{p}: refused as a possible decompression bomb ({exc}); resize the image") from exc
    except UnidentifiedImageError as exc:
        raise Hw1DataError(f"{p}: not a readable image (unknown format); remove or replace the file") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise Hw1DataError(
            f"{p}: cannot decode image ({first_line(exc)}); the file may be truncated, replace it"
        ) from exc
    return to_rgb(img)


def to_rgb(img: Image.Image) -> Image.Image:
    """Convert an image of any mode to 8-bit RGB (16-bit and float data are scaled, not clipped)."""
    if img.mode == "RGB":
        return img
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        if img.mode.startswith("I;16"):
            arr = arr / 257.0
        else:
            lo, hi = float(arr.min()), float(arr.max())
            arr = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
        gray = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
        return Image.fromarray(np.stack([gray] * 3, axis=-1), "RGB")
    if (img.mode == "P" and "transparency" in img.info) or img.mode in ("LA", "PA", "RGBa", "La"):
        img = img.convert("RGBA")  # alpha dropped below: the colour values stay as they are
    return img.convert("RGB")


def read_rgb(path: str | os.PathLike[str], *, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read ``path`` as a ``(H, W, 3) uint8`` array via :func:`open_image`."""
    return np.asarray(open_image(path, max_pixels=max_pixels), dtype=np.uint8)


def list_images(folder: str | os.PathLike[str], *, recursive: bool = False) -> list[Path]:
    """Sorted image files in ``folder``; :class:`Hw1DataError` when the folder is missing."""
    root = Path(folder)
    if not root.is_dir():
        raise Hw1DataError(f"{root}: folder not found; check the path")
    it = root.rglob("*") if recursive else root.iterdir()
    return sorted(p for p in it if p.is_file() and is_image_file(p) and not p.name.startswith("."))
