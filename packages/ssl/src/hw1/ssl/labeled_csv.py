"""Reading a labeled image CSV (``id,filename,label``, the Office-Home layout) for the kNN monitor.

hw1-ssl does not import hw1-classification, so it reads the format itself: header with at least
``filename`` and ``label``, bare file names resolved against an image folder (by default the CSV's
own folder; empty, absolute and ``..`` names are refused), labels as integers or class names.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from hw1.core.errors import Hw1DataError
from hw1.core.images import relative_image_name


@dataclass
class LabeledImages:
    """Image paths with integer class indices; ``classes[i]`` is the label text of index ``i``."""

    paths: list[Path]
    labels: list[int]
    classes: list[str]


def read_labeled_csv(
    csv_path: str | os.PathLike[str],
    image_dir: str | os.PathLike[str] | None = None,
    *,
    classes: list[str] | None = None,
) -> LabeledImages:
    """Read ``csv_path`` (``id,filename,label``) into paths and class indices.

    Labels that are all integers keep their integer value as the class index; other labels are
    numbered in sorted order (or by their position in ``classes`` when given, so a validation
    CSV shares the training CSV's numbering). Missing columns, empty labels and missing image
    files raise :class:`Hw1DataError` naming the CSV and the fix.
    """
    path = Path(csv_path)
    if not path.is_file():
        raise Hw1DataError(f"{path}: CSV file not found; check the path")
    folder = Path(image_dir) if image_dir is not None else path.parent
    if not folder.is_dir():
        raise Hw1DataError(f"{folder}: image folder for {path.name} not found; check the images option")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        fields = [f.strip().lower() for f in (reader.fieldnames or [])]
        if "filename" not in fields or "label" not in fields:
            raise Hw1DataError(
                f"{path}: expected a header with columns id,filename,label, found {','.join(fields) or 'nothing'}"
            )
        reader.fieldnames = fields
        rows = [(str(r.get("filename") or "").strip(), str(r.get("label") or "").strip()) for r in reader]
    if not rows:
        raise Hw1DataError(f"{path}: no rows below the header; the kNN monitor needs labeled images")
    empty = [i + 2 for i, (name, label) in enumerate(rows) if not name or not label or label.lower() == "none"]
    if empty:
        raise Hw1DataError(
            f"{path}: {len(empty)} row(s) without filename or label (first at line {empty[0]}); "
            "the kNN monitor needs labels"
        )
    # Row numbers as a spreadsheet shows them (the header is row 1); no name may leave the folder.
    paths = [folder / relative_image_name(name, path, i + 2) for i, (name, _) in enumerate(rows)]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        shown = ", ".join(missing[:3]) + (f" … (+{len(missing) - 3} more)" if len(missing) > 3 else "")
        raise Hw1DataError(
            f"{path}: {len(missing)} image(s) not found in {folder} ({shown}); pass the right image folder"
        )
    texts = [label for _, label in rows]
    if classes is None:
        if all(_is_int(t) for t in texts):
            n = max(int(t) for t in texts) + 1
            classes = [str(i) for i in range(n)]
        else:
            classes = sorted(set(texts))
    index = {c: i for i, c in enumerate(classes)}
    labels = []
    for t in texts:
        key = str(int(t)) if _is_int(t) else t
        if key not in index:
            raise Hw1DataError(f"{path}: label {t!r} is not a class of the training CSV; check the CSVs")
        labels.append(index[key])
    if any(_is_int(t) and int(t) < 0 for t in texts):
        raise Hw1DataError(f"{path}: negative labels; labels must be class indices 0..N-1 or class names")
    return LabeledImages(paths=paths, labels=labels, classes=list(classes))


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True
