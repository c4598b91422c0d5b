"""RGB mask <-> class-id codec, bit for bit the official decoding of ``mean_iou_evaluate.py``.

Decoding thresholds each channel at 128 (``>= 128`` is 1), forms ``code = 4*R + 2*G + B`` and maps
codes 3, 6, 5, 2, 1, 7, 0 to classes 0..6. Code 4 (reddish pixels: R >= 128, G < 128, B < 128) is
the official script's hole: it maps to no class there (the pixel keeps whatever ``np.empty`` held).
We refuse it by default (``red="error"``: a :class:`~hw1.core.Hw1DataError` naming the file and the
pixel count) or, on request, map it to Unknown (``red="unknown"``). Decoding is one 8-entry lookup
table over a vectorised bit code: no per-pixel Python.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
from PIL import Image

from hw1.core import Hw1DataError, open_image
from hw1.core.atomic_files import atomic_write
from hw1.segmentation.palette import NUM_CLASSES, PALETTE, UNKNOWN

#: Ways to treat the official hole (code 4, red): refuse it, or call it Unknown.
RED_CHOICES: tuple[str, ...] = ("error", "unknown")

#: The official hole: the colour code of reddish pixels (R >= 128, G < 128, B < 128).
RED_CODE = 4

#: Marks code 4 in the lookup table until the ``red`` choice resolves it.
_HOLE = 255

#: code (4R+2G+B) -> class id, as in the official script; code 4 is the hole.
_CODE_TO_CLASS = np.array([6, 4, 3, 0, _HOLE, 2, 1, 5], dtype=np.uint8)


def _lookup_table(red: str) -> np.ndarray:
    if red not in RED_CHOICES:
        raise ValueError(f"red must be one of {RED_CHOICES}, got {red!r}")
    lut = _CODE_TO_CLASS.copy()
    if red == "unknown":
        lut[RED_CODE] = UNKNOWN
    return lut


def mask_codes(rgb: np.ndarray) -> np.ndarray:
    """The official 3-bit colour code ``4*(R>=128) + 2*(G>=128) + (B>=128)`` of every pixel.

    ``rgb`` is ``(H, W, 3)`` or ``(H, W, 4)`` uint8 (alpha ignored, as imageio's RGBA arrays are
    in the official script); the result is ``(H, W) uint8`` in ``0..7``.
    """
    if rgb.ndim != 3 or rgb.shape[-1] not in (3, 4):
        raise ValueError(f"expected an (H, W, 3) RGB array, got shape {rgb.shape}")
    if rgb.dtype != np.uint8:
        raise ValueError(f"expected a uint8 RGB array, got dtype {rgb.dtype}")
    # The top bit of a uint8 is exactly ``value >= 128``; one shift over the contiguous array is
    # cheaper than three over strided channels.
    bits = rgb >> 7
    return bits[..., 0] * np.uint8(4) + bits[..., 1] * np.uint8(2) + bits[..., 2]


#: ``Image.convert`` matrix summing the three channels of an RGB image into one 8-bit band.
_SUM_CHANNELS = (1.0, 1.0, 1.0, 0.0)


@functools.cache
def _top_bit_table(scale: int) -> tuple[int, ...]:
    """Per-channel lookup table (R, G, B) of ``Image.point``: a channel's top bit at its code weight."""
    return tuple(weight * scale if value >= 128 else 0 for weight in (4, 2, 1) for value in range(256))


def code_image(image: Image.Image, *, scale: int = 1) -> Image.Image:
    """The official colour codes of an RGB image as an 8-bit ``"L"`` image, times ``scale``.

    :func:`mask_codes` computed inside Pillow: a per-channel lookup table keeps each channel's top
    bit at its weight (``4*scale``, ``2*scale``, ``scale``) and an exact channel sum packs them, two
    C passes that release the GIL and copy nothing into numpy. ``scale`` (1, 2, 4 or 8) shifts the
    codes so that two code images add up to a joint code (``8 * target + prediction``, 0..63).
    """
    if image.mode != "RGB":
        raise ValueError(f"expected an RGB image, got mode {image.mode!r}")
    if scale not in (1, 2, 4, 8):
        raise ValueError(f"scale must be 1, 2, 4 or 8, got {scale}")
    return image.point(_top_bit_table(scale)).convert("L", _SUM_CHANNELS)


def decode_mask(rgb: np.ndarray, *, red: str = "error", source: str | None = None) -> np.ndarray:
    """Class ids ``(H, W) uint8`` of an RGB mask array, exactly as the official script decodes it.

    ``red`` treats the official hole (code 4): ``"error"`` raises :class:`Hw1DataError` naming
    ``source`` (the file, for the message) and the number of such pixels; ``"unknown"`` maps them to
    Unknown (6).
    """
    lut = _lookup_table(red)
    labels = lut[mask_codes(rgb)]
    if red == "error":
        holes = int(np.count_nonzero(labels == _HOLE))
        if holes:
            raise Hw1DataError(
                f"{source or 'mask'}: {holes} pixel(s) are red (R>=128, G<128, B<128), a colour the official "
                "decoding maps to no class; repaint them with a palette colour or decode with "
                "red='unknown' (--red unknown) to count them as Unknown"
            )
    return labels


def encode_mask(labels: np.ndarray) -> np.ndarray:
    """Pure palette colours ``(H, W, 3) uint8`` for class ids ``(H, W)`` in ``0..6``."""
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"expected (H, W) class ids, got shape {labels.shape}")
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= NUM_CLASSES):
        raise ValueError(f"class ids must lie in 0..{NUM_CLASSES - 1}, got {int(labels.min())}..{int(labels.max())}")
    return PALETTE[labels.astype(np.intp, copy=False)]


def read_mask(path: str | os.PathLike[str], *, red: str = "error") -> np.ndarray:
    """Class ids ``(H, W) uint8`` of the mask file ``path``.

    Any PNG mode is accepted: palette, RGBA, grayscale … decode through their RGB values
    (:func:`hw1.core.open_image`). Unreadable files and the red hole raise :class:`Hw1DataError`.
    """
    rgb = np.asarray(open_image(path), dtype=np.uint8)
    return decode_mask(rgb, red=red, source=str(path))


def write_mask(labels: np.ndarray, path: str | os.PathLike[str], *, compress_level: int = 6) -> Path:
    """Write class ids as an 8-bit RGB PNG in pure palette colours and return the path.

    The file appears atomically (written beside the target, then renamed), so an interrupted batch
    never leaves half a mask behind, and is readable like any file the user writes (0644 under umask 022).
    """
    target = Path(path)
    image = Image.fromarray(encode_mask(labels), "RGB")
    with atomic_write(target, "wb") as fh:
        image.save(fh, format="PNG", compress_level=compress_level)
    return target
