"""Where a command's input files are when the user does not say: the data's own layout.

A labeled CSV's images live in the folder named after the CSV (``office/train.csv`` →
``office/train/``), as in the course data and in what ``hw1 data synth`` writes; every "not found"
error names the option that fixes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def csv_image_folder(csv_path: str | Path, images: str | Path | None, *, option: str, csv_option: str) -> str:
    """The image folder of ``csv_path``: ``images`` when given, else the folder named after the
    CSV next to it (``train.csv`` → ``train/``) when it exists, else the CSV's own folder.
    Raises :class:`hw1.core.Hw1DataError` naming ``csv_option`` when the CSV is missing and
    ``option`` when the folder does not exist."""
    from hw1.core.errors import Hw1DataError

    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise Hw1DataError(f"{csv_path}: CSV file not found; check {csv_option}")
    if images is not None:
        folder = Path(images)
        if not folder.is_dir():
            raise Hw1DataError(f"{folder}: image folder not found; pass the folder of {csv_path.name} with {option}")
        return str(folder)
    named = csv_path.with_suffix("")
    if named.is_dir():
        return str(named)
    return str(csv_path.parent)


def fill_image_folders(config: Any, prefix: str = "") -> Any:
    """Set ``config.<prefix><split>_images`` to :func:`csv_image_folder` of ``<prefix><split>_csv``
    for the splits train and val whose CSV is given; errors name the options (``--knn-val-csv`` …)."""
    for split in (f"{prefix}train", f"{prefix}val"):
        csv, images = getattr(config, f"{split}_csv"), getattr(config, f"{split}_images") or None
        if csv is not None:
            option = "--" + split.replace("_", "-")
            folder = csv_image_folder(csv, images, option=f"{option}-images", csv_option=f"{option}-csv")
            setattr(config, f"{split}_images", folder)
    return config


def require(path: str | Path, name: str, *, folder: bool = False) -> None:
    """Raise :class:`hw1.core.Hw1DataError` naming the argument or option ``name`` when ``path``
    is not an existing file (or folder, with ``folder``)."""
    from hw1.core.errors import Hw1DataError

    p = Path(path)
    if not (p.is_dir() if folder else p.is_file()):
        kind = "folder" if folder else "file"
        raise Hw1DataError(f"{p}: {kind} not found; check {name}")
