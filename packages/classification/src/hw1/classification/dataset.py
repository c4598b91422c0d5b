"""The Office-Home CSV dataset (``id,filename,label``) and its transforms.

Rows are validated when the dataset is built: a file name with ``..`` or an absolute path is
refused, a missing image and a bad label (non-integer, out of range) raise :class:`Hw1DataError`
naming the CSV row and file. With ``labels=False`` (prediction) the label column is never read, so
test CSVs with an empty or ``None`` label column work.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import Dataset
from torchvision.transforms import v2

from hw1.classification.config import AUGMENTATIONS
from hw1.core import IMAGENET_MEAN, IMAGENET_STD, Hw1DataError, open_image, relative_image_name


@dataclass(frozen=True)
class CsvRow:
    """One CSV row: its id, bare file name and label (-1 when labels are not read)."""

    row: int
    id: str
    filename: str
    label: int


def read_csv_rows(csv_path: str | os.PathLike[str], *, labels: bool, num_classes: int | None = None) -> list[CsvRow]:
    """Parse an ``id,filename,label`` CSV. With ``labels`` every label must be an integer in
    ``[0, num_classes)``; without, the label column is ignored (and may be absent)."""
    path = Path(csv_path)
    if not path.is_file():
        raise Hw1DataError(f"{path}: CSV file not found; check the path")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        fields = [f.strip() for f in (reader.fieldnames or [])]
        reader.fieldnames = fields
        needed = ("id", "filename", "label") if labels else ("id", "filename")
        missing = [f for f in needed if f not in fields]
        if missing:
            raise Hw1DataError(
                f"{path}: missing column(s) {', '.join(missing)} (header is {','.join(fields)}); "
                "the CSV needs the header id,filename,label"
            )
        rows = []
        for i, rec in enumerate(reader, start=2):  # row numbers as a spreadsheet shows them
            name = relative_image_name((rec.get("filename") or "").strip(), path, i)
            label = -1
            if labels:
                raw = (rec.get("label") or "").strip()
                try:
                    label = int(raw)
                except ValueError:
                    raise Hw1DataError(f"{path}: row {i} ({name}): label {raw!r} is not an integer") from None
                if label < 0 or (num_classes is not None and label >= num_classes):
                    raise Hw1DataError(
                        f"{path}: row {i} ({name}): label {label} out of range 0..{(num_classes or 1) - 1}; "
                        "fix the CSV or set --num-classes"
                    )
            rows.append(CsvRow(i, (rec.get("id") or "").strip(), name, label))
    if not rows:
        raise Hw1DataError(f"{path}: no rows; the CSV is empty")
    return rows


def build_transform(image_size: int, augment: str = "none", *, mean=IMAGENET_MEAN, std=IMAGENET_STD) -> v2.Compose:
    """Resize → CenterCrop (as the TA's backbone was trained) for ``none``; ``flip`` adds a
    horizontal flip; ``standard`` RandomResizedCrop(0.6–1) + flip; ``strong`` adds colour jitter."""
    if augment not in AUGMENTATIONS:
        raise Hw1DataError(f"unknown augmentation {augment!r}: use one of {', '.join(AUGMENTATIONS)}")
    ops: list = [v2.ToImage()]
    if augment in ("none", "flip"):
        ops += [v2.Resize(image_size, antialias=True), v2.CenterCrop(image_size)]
    else:
        ops += [v2.RandomResizedCrop(image_size, scale=(0.6, 1.0), antialias=True)]
    if augment != "none":
        ops.append(v2.RandomHorizontalFlip())
    if augment == "strong":
        ops.append(v2.ColorJitter(0.3, 0.3, 0.3, 0.05))
    ops += [v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean, std)]
    return v2.Compose(ops)


class OfficeHomeCsv(Dataset):
    """Images listed in an ``id,filename,label`` CSV under ``image_dir``.

    Items are ``(image_tensor, label, index)``; label is -1 with ``labels=False``. With
    ``check_files`` (default) every listed file must exist when the dataset is built.
    """

    def __init__(
        self,
        csv_path: str | os.PathLike[str],
        image_dir: str | os.PathLike[str],
        transform=None,
        *,
        labels: bool = True,
        num_classes: int | None = None,
        check_files: bool = True,
    ) -> None:
        self.csv_path, self.image_dir = Path(csv_path), Path(image_dir)
        if not self.image_dir.is_dir():
            raise Hw1DataError(f"{self.image_dir}: image folder not found; check the path")
        self.rows = read_csv_rows(csv_path, labels=labels, num_classes=num_classes)
        self.transform = transform
        if check_files:
            for r in self.rows:
                if not (self.image_dir / r.filename).is_file():
                    raise Hw1DataError(
                        f"{self.csv_path}: row {r.row}: image {self.image_dir / r.filename} not found; "
                        "check --*-images points at the folder of this CSV"
                    )

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def labels(self) -> list[int]:
        return [r.label for r in self.rows]

    def __getitem__(self, index: int):
        r = self.rows[index]
        img = open_image(self.image_dir / r.filename)
        x = self.transform(img) if self.transform is not None else img
        return x, r.label, index
