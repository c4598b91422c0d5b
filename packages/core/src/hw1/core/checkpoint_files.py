"""Telling a PyTorch checkpoint from other files by their first bytes, so that a wrong file given as
a checkpoint (a text file, the HTML page a sharing link returned, an image, a Git LFS pointer …) is
named for what it is instead of surfacing as torch's ``KeyError: 101``. No torch import.
"""

from __future__ import annotations

import codecs
import os

_HEAD_BYTES = 4096
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"\x1f\x8b", "a gzip archive: unpack it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive: unpack it first"),
    (b"Rar!", "a RAR archive: unpack it first"),
    (b"\x93NUMPY", "a NumPy .npy array"),
    (b"\x89HDF", "an HDF5 file (Keras/TensorFlow weights?)"),
    (b"version https://git-lfs", "a Git LFS pointer, not the file itself: run 'git lfs pull'"),
)


def describe_non_checkpoint(path: str | os.PathLike[str]) -> str | None:
    """``None`` when ``path`` starts like a file :func:`torch.load` reads (a zip archive, or a
    pickle of protocol 2 or later as legacy ``torch.save`` wrote); otherwise a short description of
    what the file is instead, e.g. ``"a text file starting 'hello'"`` or ``"an empty file"``."""
    with open(path, "rb") as fh:
        head = fh.read(_HEAD_BYTES)
    if not head:
        return "an empty file (0 bytes): the download or copy did not finish"
    if head.startswith(b"PK\x03\x04") or head[:1] == b"\x80":
        return None
    if head.startswith(b"PK"):
        return "a zip archive of another kind"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml")) or b"<html" in lowered[:512]:
        return "an HTML page: the link returned a web page, not the file; use a direct download link"
    return _describe_text(head)


def _describe_text(head: bytes) -> str:
    if b"\x00" in head:
        return "binary data of an unknown format"
    try:  # an incremental decoder without final=True lets the read cut a multi-byte character in two
        text = codecs.getincrementaldecoder("utf-8")().decode(head)
    except UnicodeDecodeError:
        return "binary data of an unknown format"
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    kind = "a JSON or text file" if text.lstrip().startswith(("{", "[")) else "a text file"
    if not first:
        return f"{kind} (blank)"
    preview = first if len(first) <= 40 else first[:37] + "..."
    return f"{kind} starting {preview!r}"
