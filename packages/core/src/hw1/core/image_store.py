"""The decoded-image store: decode every training image once, keep the pixels as uint8 arrays.

A training run that decodes and resizes JPEGs every epoch spends most of its host CPU on it. The
store decodes each item once into memory-mapped ``(N, H, W, C)`` uint8 files (one per field, e.g.
``image`` and, for segmentation pairs, ``mask`` as class indices) plus ``manifest.json`` (format,
decoder, target size, the name, byte size and modification time of every source file, and a
CRC-32 of each data file). The next epoch and the next run reuse it; a changed folder (added,
removed or modified files), another size or decoder, or a damaged store file is rebuilt with a
one-line message, so a run never trains on stale pixels. Unreadable images are reported and
skipped exactly like :class:`hw1.ssl.dataset.UnlabeledImageFolder` does (one warning each and a
summary), and remembered in the manifest so an unchanged folder is not decoded again.

The build writes into a temporary folder next to the store and renames it into place only when
complete, so a killed build never leaves a store that looks complete.

Where stores live: ``cache_dir`` when given, else ``$HW1_CACHE_DIR/images``, else
``$XDG_CACHE_HOME/hw1/images`` (``~/.cache/hw1/images``); one sub-folder per (source, size,
decoder), named by a hash of them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image

from hw1.core.errors import Hw1DataError
from hw1.core.images import IMAGE_EXTENSIONS, list_images, open_image
from hw1.core.progress import progress

log = logging.getLogger("hw1.core")

#: Version of the on-disk layout; a store of another version is rebuilt.
STORE_FORMAT = "hw1-image-store/1"

#: One stored item: the source files it is decoded from (one image, or an image and its mask).
Item = tuple[Path, ...]
#: The manifest's ``listing``: ``[name, bytes, mtime_ns]`` of every source file, in item order.
Listing = list[list[Any]]


class ItemDecoder(Protocol):
    """Turns one item's files into arrays of the store's fields at the target size.

    ``name`` identifies the decoding in the manifest (a store built by another decoder is rebuilt);
    ``fields`` maps each field to its channel count (0 for a ``(H, W)`` array such as class
    indices). ``__call__(files, size)`` returns ``{field: uint8 array}`` with shapes ``(H, W, C)``
    or ``(H, W)``, and raises :class:`Hw1DataError` for an unreadable item (it is then skipped).
    """

    name: str
    fields: dict[str, int]

    def __call__(self, files: Item, size: tuple[int, int]) -> dict[str, np.ndarray]: ...


def resize_center_crop(image: Image.Image, size: tuple[int, int], resample: int = Image.BICUBIC) -> Image.Image:
    """Resize ``image`` so it covers ``size`` (height, width) keeping its aspect, then crop the centre.
    An image already at ``size`` is returned unchanged."""
    h, w = size
    if image.size == (w, h):
        return image
    scale = max(w / image.width, h / image.height)
    nw, nh = max(w, round(image.width * scale)), max(h, round(image.height * scale))
    image = image.resize((nw, nh), resample)
    left, top = (nw - w) // 2, (nh - h) // 2
    return image.crop((left, top, left + w, top + h))


@dataclass(frozen=True)
class RgbDecoder:
    """The default decoder: one RGB image per item (safe opening via :func:`open_image`), resized to
    cover the target size and centre-cropped (bicubic). Square sources at the target size are
    stored as they are."""

    name: str = "rgb-cover-crop/1"
    fields: dict[str, int] = field(default_factory=lambda: {"image": 3})

    def __call__(self, files: Item, size: tuple[int, int]) -> dict[str, np.ndarray]:
        return {"image": np.asarray(resize_center_crop(open_image(files[0]), size), dtype=np.uint8)}


def default_cache_dir() -> Path:
    """Where stores live unless ``cache_dir`` is given: ``$HW1_CACHE_DIR/images``, else
    ``$XDG_CACHE_HOME/hw1/images`` (``~/.cache/hw1/images``)."""
    if os.environ.get("HW1_CACHE_DIR"):
        return Path(os.environ["HW1_CACHE_DIR"]).expanduser() / "images"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "hw1" / "images"


def store_bytes(count: int, size: tuple[int, int], decoder: ItemDecoder | None = None) -> int:
    """Bytes a store of ``count`` items at ``size`` takes (memory and disk) with ``decoder``'s fields."""
    fields = (decoder or RgbDecoder()).fields
    return count * size[0] * size[1] * sum(max(c, 1) for c in fields.values())


@dataclass
class ImageStore:
    """An opened store: ``arrays[field]`` is a read-only memmap ``(N, H, W[, C])`` uint8, row ``i``
    decoded from ``items[i]``, which was item ``kept[i]`` of the list the store was opened with;
    ``skipped`` holds one message per unreadable item; ``rebuilt`` says whether this call decoded
    the items (False: reused from ``path``)."""

    path: Path
    size: tuple[int, int]
    items: list[Item]
    arrays: dict[str, np.ndarray]
    skipped: list[str]
    rebuilt: bool
    kept: list[int]

    def __len__(self) -> int:
        return len(self.items)

    @property
    def nbytes(self) -> int:
        """Total bytes of the stored arrays."""
        return int(sum(a.nbytes for a in self.arrays.values()))

    @property
    def names(self) -> list[str]:
        """The first source file of each item, as given."""
        return [str(item[0]) for item in self.items]


def open_folder_store(
    folder: str | os.PathLike[str],
    size: int | tuple[int, int],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    report: bool = True,
) -> ImageStore:
    """The store of every image under ``folder`` (sorted, sub-folders included) at ``size`` px,
    built on first use and reused while the folder is unchanged (see the module docstring)."""
    root = Path(folder)
    files = list_images(root, recursive=True)
    if not files:
        raise Hw1DataError(
            f"{root}: no images found (searched for {', '.join(IMAGE_EXTENSIONS)}); "
            "point the option at a folder of images"
        )
    return open_store([(f,) for f in files], size, source=root, cache_dir=cache_dir, report=report)


def open_store(
    items: Sequence[Sequence[str | os.PathLike[str]]],
    size: int | tuple[int, int],
    *,
    source: str | os.PathLike[str],
    decoder: ItemDecoder | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    report: bool = True,
) -> ImageStore:
    """Open (building or rebuilding when needed) the store of ``items`` — each a tuple of source
    files — at ``size`` (int: square), decoded by ``decoder`` (default :class:`RgbDecoder`).

    ``source`` names what the items come from (a folder or a CSV); with ``size`` and the decoder
    it picks the store's folder under ``cache_dir`` (default :func:`default_cache_dir`). Raises
    :class:`Hw1DataError` when no item can be read.
    """
    dec: ItemDecoder = decoder or RgbDecoder()
    hw = (int(size), int(size)) if isinstance(size, int) else (int(size[0]), int(size[1]))
    if hw[0] < 1 or hw[1] < 1:
        raise Hw1DataError(f"{source}: image store size {hw} must be positive")
    paths = [tuple(Path(p) for p in item) for item in items]
    key = json.dumps({"source": str(Path(source).resolve()), "size": hw, "decoder": dec.name})
    path = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    path = path / hashlib.sha256(key.encode()).hexdigest()[:16]
    listing = _listing(paths)
    manifest, why = _read_manifest(path, hw, dec, listing)
    rebuilt = manifest is None
    if manifest is None:
        if why and report:
            log.warning("image store %s: %s; rebuilding", path, why)
        manifest = _build(path, paths, listing, hw, dec, source=str(source), report=report)
    skipped = list(manifest["skipped"])
    if report and skipped:
        for message in [] if rebuilt else skipped:  # a build warned of each as it decoded
            log.warning("skipped: %s", message)
        log.warning("skipped %d of %d images in %s (unreadable)", len(skipped), len(paths), source)
    kept = [paths[i] for i in manifest["kept"]]
    arrays = {
        name: np.memmap(path / f"{name}.u8", dtype=np.uint8, mode="r", shape=_shape(len(kept), hw, ch))
        for name, ch in dec.fields.items()
    }
    return ImageStore(
        path=path, size=hw, items=kept, arrays=arrays, skipped=skipped, rebuilt=rebuilt, kept=list(manifest["kept"])
    )


def _shape(count: int, hw: tuple[int, int], channels: int) -> tuple[int, ...]:
    return (count, hw[0], hw[1], channels) if channels else (count, hw[0], hw[1])


def _listing(paths: list[Item]) -> Listing:
    """The :data:`Listing` of ``paths`` (a missing file is [name, -1, -1])."""
    rows = []
    for item in paths:
        for p in item:
            try:
                st = p.stat()
                rows.append([str(p), st.st_size, st.st_mtime_ns])
            except OSError:
                rows.append([str(p), -1, -1])
    return rows


def _describe_change(old: Listing, new: Listing) -> str:
    before, after = {r[0]: tuple(r[1:]) for r in old}, {r[0]: tuple(r[1:]) for r in new}
    added, removed = len(after.keys() - before.keys()), len(before.keys() - after.keys())
    modified = sum(after[k] != before[k] for k in after.keys() & before.keys())
    return f"source changed ({added} added, {removed} removed, {modified} modified)"


def _crc(path: Path) -> int:
    crc = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 24):
            crc = zlib.crc32(chunk, crc)
    return crc


def _read_manifest(
    path: Path, hw: tuple[int, int], dec: ItemDecoder, listing: Listing
) -> tuple[dict[str, Any] | None, str]:
    """The manifest when the store at ``path`` is complete, intact and current, else (None, why)."""
    mpath = path / "manifest.json"
    if not mpath.exists():
        return None, ""
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        if manifest.get("format") != STORE_FORMAT:
            return None, f"store format {manifest.get('format')!r} is not {STORE_FORMAT!r}"
        if manifest["decoder"] != dec.name or tuple(manifest["size"]) != hw:
            return None, "built with another size or decoder"
        if manifest["listing"] != listing:
            return None, _describe_change(manifest["listing"], listing)
        count = len(manifest["kept"])
        for name, ch in dec.fields.items():
            data = path / f"{name}.u8"
            expected = math.prod(_shape(count, hw, ch))
            if not data.exists() or data.stat().st_size != expected or _crc(data) != manifest["crc32"][name]:
                return None, f"{data.name} is missing or damaged"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, f"unreadable manifest ({type(exc).__name__})"
    return manifest, ""


def _build(
    path: Path, paths: list[Item], listing: Listing, hw: tuple[int, int], dec: ItemDecoder, *, source: str, report: bool
) -> dict[str, Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        outs = {
            name: np.memmap(tmp / f"{name}.u8", dtype=np.uint8, mode="w+", shape=_shape(max(len(paths), 1), hw, ch))
            for name, ch in dec.fields.items()
        }
        kept: list[int] = []
        skipped: list[str] = []
        with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
            results = pool.map(lambda item: _decode_one(dec, item, hw), paths)
            for i, result in enumerate(progress(results, desc="decoding images", total=len(paths), unit="img")):
                if isinstance(result, str):
                    skipped.append(result)
                    if report:
                        log.warning("skipped: %s", result)
                    continue
                for name, arr in result.items():
                    outs[name][len(kept)] = arr
                kept.append(i)
        if not kept:
            raise Hw1DataError(f"{source}: none of the {len(paths)} image files could be read; replace them")
        crcs = {}
        for name, ch in dec.fields.items():
            outs[name].flush()
            del outs[name]
            data = tmp / f"{name}.u8"
            os.truncate(data, math.prod(_shape(len(kept), hw, ch)))  # drop the rows of skipped items
            crcs[name] = _crc(data)
        manifest = {
            "format": STORE_FORMAT,
            "source": source,
            "decoder": dec.name,
            "size": list(hw),
            "fields": dec.fields,
            "listing": listing,
            "kept": kept,
            "skipped": skipped,
            "crc32": crcs,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest) + "\n", encoding="utf-8")
        old = path.parent / f".{path.name}.old-{os.getpid()}"
        if path.exists():
            path.rename(old)
        tmp.rename(path)
        shutil.rmtree(old, ignore_errors=True)
        return manifest
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _decode_one(dec: ItemDecoder, item: Item, hw: tuple[int, int]) -> dict[str, np.ndarray] | str:
    try:
        arrays = dec(item, hw)
    except Hw1DataError as exc:
        return str(exc)
    for name, ch in dec.fields.items():
        if arrays[name].shape != _shape(1, hw, ch)[1:] or arrays[name].dtype != np.uint8:
            raise Hw1DataError(
                f"{item[0]}: decoder {dec.name} returned {name} of shape {arrays[name].shape} "
                f"{arrays[name].dtype}, expected {_shape(1, hw, ch)[1:]} uint8"
            )
    return arrays
