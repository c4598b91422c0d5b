"""Atomic checkpoint saving and safe loading (``weights_only=True``).

A checkpoint is never left half-written: it goes to a temporary file in the same folder, is
fsync'ed, then renamed over the target. Loading refuses anything but tensors, numbers, strings,
lists and dicts, so a pickle crafted to run code fails with :class:`Hw1CheckpointError`.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import torch

from hw1.core.errors import Hw1CheckpointError


def save_checkpoint(obj: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``obj`` with :func:`torch.save` atomically (temp file, fsync, rename) and return the path.

    If the process dies or the disk fills while writing, the previous file at ``path`` (if any)
    is intact and no partial file is left behind.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(obj, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(target.parent)
    return target


def _fsync_dir(folder: Path) -> None:
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def load_checkpoint(path: str | os.PathLike[str], map_location: str | torch.device = "cpu") -> Any:
    """Load a checkpoint with ``weights_only=True``.

    Raises :class:`Hw1CheckpointError` naming the file when it is missing, truncated, not a torch
    file, or holds objects other than plain tensors/containers (e.g. a pickle that would run code).
    """
    p = Path(path)
    if not p.is_file():
        raise Hw1CheckpointError(f"{p}: checkpoint file not found; check the path")
    try:
        return torch.load(p, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Hw1CheckpointError(
            f"{p}: refused to load: the file holds objects other than tensors, numbers, strings, "
            f"lists and dicts ({first[:160]}); only load files from a source you trust, and re-save "
            "them as a plain state_dict"
        ) from exc
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Hw1CheckpointError(
            f"{p}: not a readable torch checkpoint ({msg[:160]}); the file may be truncated or of "
            "another format: re-export or re-download it"
        ) from exc

