"""The images :func:`~hw1.segmentation.predict.predict_folder` reads, and where they are decoded.

``"pil"``: DataLoader workers decode every image with PIL (:func:`hw1.core.read_rgb`). ``"device"``:
workers only read the bytes of JPEG files and the batch is decoded in one call on the model's device
(``torchvision.io.decode_jpeg``: nvJPEG on CUDA, libjpeg on CPU, the same pixels as PIL there), so
the host's CPUs no longer bound the rate on a GPU; other formats are still decoded by PIL.
``"auto"`` is ``"device"`` on CUDA and ``"pil"`` elsewhere. A file either decoder refuses becomes an
error item naming it, never an exception that stops the folder.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from hw1.core import Hw1DataError, Hw1Error, read_rgb

#: Where images are decoded (see the module docstring).
DECODE_CHOICES: tuple[str, ...] = ("auto", "pil", "device")

#: File suffixes decoded on the device with ``decode="device"``.
JPEG_SUFFIXES: tuple[str, ...] = (".jpg", ".jpeg")


def resolve_decode(decode: str, device: torch.device) -> str:
    """``"pil"`` or ``"device"`` for a ``decode`` choice and the model's device."""
    if decode not in DECODE_CHOICES:
        raise Hw1Error(f"decode must be one of {', '.join(DECODE_CHOICES)}, got {decode!r}")
    if decode == "auto":
        return "device" if device.type == "cuda" else "pil"
    return decode


@dataclass
class InputItem:
    """One input file as a worker hands it over: decoded ``(H, W, 3) uint8`` ``image``, or the
    raw JPEG ``data`` to decode on the device, or the ``error`` that made it unreadable."""

    index: int
    image: torch.Tensor | None = None
    data: torch.Tensor | None = None
    error: str | None = None

    def pin_memory(self) -> InputItem:
        """The DataLoader's ``pin_memory=True`` hook: decoded pixels in page-locked memory, so the
        copy to the GPU runs asynchronously."""
        image = self.image.pin_memory() if self.image is not None else None
        return InputItem(self.index, image=image, data=self.data, error=self.error)


def _pil_item(index: int, path: Path) -> InputItem:
    try:
        return InputItem(index, image=torch.from_numpy(np.array(read_rgb(path))))  # writable copy
    except Hw1DataError as exc:
        return InputItem(index, error=str(exc))
    except Exception as exc:  # any decoder failure is this file's problem, not the run's
        return InputItem(index, error=f"{path}: {type(exc).__name__}: {exc}")


class ImageFiles(Dataset):
    """Reads one input per item in a DataLoader worker (see the module docstring)."""

    def __init__(self, paths: list[Path], *, raw_jpeg: bool) -> None:
        self.paths = paths
        self.raw_jpeg = raw_jpeg

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> InputItem:
        path = self.paths[index]
        if self.raw_jpeg and path.suffix.lower() in JPEG_SUFFIXES:
            try:
                data = path.read_bytes()
            except OSError as exc:
                return InputItem(index, error=f"{path}: cannot read ({exc})")
            if data:
                return InputItem(index, data=torch.frombuffer(bytearray(data), dtype=torch.uint8))
        return _pil_item(index, path)  # also names what is wrong with an empty file


def _decode_jpegs(items: list[InputItem], device: torch.device) -> dict[int, torch.Tensor]:
    """``(3, H, W) uint8`` images on ``device`` by item index; files the decoder refuses are left out."""
    raw = [item for item in items if item.data is not None]
    if not raw:
        return {}
    # torchvision 0.29 deprecates its decoders in favour of TorchCodec; decode_jpeg is still the
    # maintained door to nvJPEG here, so its warning is not the user's business.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from torchvision.io import ImageReadMode, decode_jpeg

        try:
            images = decode_jpeg([item.data for item in raw], mode=ImageReadMode.RGB, device=device)
            return {item.index: image for item, image in zip(raw, images, strict=True)}
        except (RuntimeError, ValueError):  # one bad file fails the batched call: decode one by one
            out = {}
            for item in raw:
                try:
                    out[item.index] = decode_jpeg(item.data, mode=ImageReadMode.RGB, device=device)
                except (RuntimeError, ValueError):
                    pass
            return out


def decode_batch(
    items: list[InputItem], paths: list[Path], device: torch.device
) -> list[tuple[int, torch.Tensor | None, str | None]]:
    """``(index, (3, H, W) uint8 image or None, error or None)`` for every item, in order. Raw JPEGs
    are decoded on ``device`` in one call; one the device decoder refuses is decoded by PIL, which
    also names what is wrong with a broken file. PIL-decoded images stay where they are (CPU)."""
    on_device = _decode_jpegs(items, device)
    out: list[tuple[int, torch.Tensor | None, str | None]] = []
    for item in items:
        image = on_device.get(item.index)
        if item.data is not None and image is None:
            item = _pil_item(item.index, paths[item.index])
        if image is None and item.image is not None:
            image = item.image.permute(2, 0, 1)
        out.append((item.index, image, item.error))
    return out
