"""What a ``weights`` argument means (nothing, a published name, a local file) and the error a
failed download becomes."""

from __future__ import annotations

import os
from pathlib import Path

from hw1.core import Hw1CheckpointError


def weights_file(weights: str | os.PathLike[str] | None) -> Path | None:
    """The local file ``weights`` names, or ``None`` when it is a published name or nothing.

    Anything with a path separator or a checkpoint suffix is a path and must exist."""
    if weights is None:
        return None
    s = str(weights)
    if isinstance(weights, os.PathLike) or os.sep in s or s.endswith((".pt", ".pth", ".bin", ".ckpt", ".safetensors")):
        p = Path(s)
        if not p.is_file():
            raise Hw1CheckpointError(f"{p}: weights file not found; check the --weights path")
        return p
    return None


def download_error(what: str, exc: BaseException) -> Hw1CheckpointError:
    """A :class:`Hw1CheckpointError` for published weights that could not be fetched."""
    first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
    return Hw1CheckpointError(
        f"pretrained weights for {what} could not be downloaded ({first}); without network access, "
        "download the file on another machine and pass its path with --weights PATH "
        "(or use --weights none)"
    )
