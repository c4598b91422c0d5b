"""Atomic checkpoint saving and safe loading (``weights_only=True``).

A checkpoint is never left half-written: it goes to a temporary file in the same folder, is
fsync'ed, then renamed over the target. Loading refuses anything but tensors, numbers, strings,
lists and dicts, so a pickle crafted to run code fails with :class:`Hw1CheckpointError`.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from hw1.core.atomic_files import atomic_write, temp_name_pattern
from hw1.core.checkpoint_files import describe_non_checkpoint
from hw1.core.errors import Hw1CheckpointError, first_line

#: How torch reports a damaged or foreign file (``KeyError: 101`` for text, ``EOFError``, a bad zip …).
_UNREADABLE = (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError, LookupError, TypeError, AttributeError)


def save_checkpoint(obj: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``obj`` with :func:`torch.save` atomically (temp file, fsync, rename) and return the path.

    If the process dies or the disk fills while writing, the previous file at ``path`` (if any)
    is intact and no partial file is left behind (a process killed outright leaves its temp file,
    which the next save of ``path`` removes). The file gets the mode of any file the user writes
    (0644 under umask 022), not the temp file's 0600. A write the system refuses (disk full, quota,
    file-size limit, read-only folder) raises :class:`Hw1CheckpointError` naming the file.
    """
    target = Path(path)
    try:  # atomic_write creates the folder: a file where a folder should be, a read-only parent … fail here too
        _remove_stale_temps(target)
        with atomic_write(target, "wb", fsync=True) as fh:
            torch.save(obj, fh)
    except BaseException as exc:
        if (os_error := _os_error_behind(exc)) is None:
            raise
        raise _write_error(target, os_error) from exc
    return target


def _remove_stale_temps(target: Path) -> None:
    """Delete temp files of ``target`` left by a process killed while saving it (SIGKILL, OOM
    killer, power loss): never complete, each as big as a checkpoint. Done before writing, so on a
    nearly full disk their space is free again for this save."""
    for stale in target.parent.glob(temp_name_pattern(glob.escape(target.name))):
        with contextlib.suppress(OSError):
            stale.unlink()


def _os_error_behind(exc: BaseException) -> OSError | None:
    """The OSError that caused ``exc``, if any: torch's zip writer reports a failed write (e.g.
    EFBIG, ENOSPC) as an opaque ``RuntimeError: [enforce fail …] unexpected pos`` whose context
    holds the real error."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and isinstance(current, Exception):
        if isinstance(current, OSError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _write_error(target: Path, error: OSError) -> Hw1CheckpointError:
    reason = error.strerror or str(error) or type(error).__name__
    full = error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    fix = "free disk space (or raise the quota / file-size limit)" if full else "check that the folder is writable"
    unchanged = f"any previous {target.name} is unchanged"
    return Hw1CheckpointError(f"{target}: could not write the checkpoint ({reason}); {unchanged}: {fix} and run again")


def load_checkpoint(path: str | os.PathLike[str], map_location: str | torch.device = "cpu") -> Any:
    """Load a checkpoint with ``weights_only=True``.

    Raises :class:`Hw1CheckpointError` naming the file when it is missing, empty, not a PyTorch file
    at all (text, an HTML page, an image … said in the message), truncated, or holds objects other
    than plain tensors/containers (e.g. a pickle that would run code).
    """
    p = Path(path)
    if not p.is_file():
        what = "a folder, not a file" if p.is_dir() else "file not found"
        raise Hw1CheckpointError(f"{p}: checkpoint {what}; check the path")
    if (kind := describe_non_checkpoint(p)) is not None:
        raise Hw1CheckpointError(
            f"{p}: not a PyTorch checkpoint ({kind}); pass a .pt file written by hw1 or torch.save "
            "(re-download it if it came from a link)"
        )
    try:
        return torch.load(p, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        raise Hw1CheckpointError(
            f"{p}: refused to load: the file holds objects other than tensors, numbers, strings, "
            f"lists and dicts ({first_line(exc)[:160]}); only load files from a source you trust, and "
            "re-save them as a plain state_dict"
        ) from exc
    except _UNREADABLE as exc:
        raise Hw1CheckpointError(
            f"{p}: not a readable torch checkpoint ({type(exc).__name__}: {first_line(exc)[:160]}); the file may "
            "be truncated or of another format: re-export or re-download it"
        ) from exc


def load_format_checkpoint(path: str | os.PathLike[str], checkpoint_format: str, what: str, fix: str) -> dict[str, Any]:
    """:func:`load_checkpoint`, then check it is a dict of ``checkpoint_format`` (e.g. ``"hw1-ssl/1"``);
    otherwise :class:`Hw1CheckpointError` "PATH: not WHAT (format …, expected …); FIX"."""
    ckpt = load_checkpoint(path)
    if not isinstance(ckpt, dict) or ckpt.get("format") != checkpoint_format:
        found = ckpt.get("format") if isinstance(ckpt, dict) else type(ckpt).__name__
        raise Hw1CheckpointError(f"{path}: not {what} (format {found!r}, expected {checkpoint_format!r}); {fix}")
    return ckpt
