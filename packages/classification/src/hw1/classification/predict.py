"""CSV prediction: ``id,filename,label`` for every row of an input CSV, from file names only."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset

from hw1.classification.checkpoint import load_classifier
from hw1.classification.dataset import build_transform, read_csv_rows
from hw1.core import (
    Hw1DataError,
    autocast,
    open_image,
    progress,
    resolve_precision,
    select_device,
    to_device_batch,
)
from hw1.core.csv_files import write_predictions_csv


@dataclass
class PredictionReport:
    """What :func:`predict_csv` wrote: rows written and the rows it could not read."""

    out_csv: Path
    written: int = 0
    failed: list[str] = field(default_factory=list)


class _PredictImages(Dataset):
    def __init__(self, rows, image_dir: Path, transform, image_size: int) -> None:
        self.rows, self.image_dir, self.transform, self.size = rows, image_dir, transform, image_size

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int):
        try:
            return self.transform(open_image(self.image_dir / self.rows[i].filename)), i, ""
        except Hw1DataError as exc:  # reported at the end; the other rows are still predicted
            return torch.zeros(3, self.size, self.size), i, str(exc)


def predict_csv(
    checkpoint: str | os.PathLike[str],
    csv_path: str | os.PathLike[str],
    image_dir: str | os.PathLike[str],
    out_csv: str | os.PathLike[str],
    *,
    batch_size: int = 64,
    device: str = "auto",
    precision: str = "auto",
    num_workers: int = 0,
) -> PredictionReport:
    """Classify the images named in ``csv_path`` (``filename`` column only; labels are never read)
    and stream ``id,filename,label`` rows to ``out_csv`` in input order. Unreadable images are
    skipped and listed in the report."""
    image_dir = Path(image_dir)
    if not image_dir.is_dir():
        raise Hw1DataError(f"{image_dir}: image folder not found; check the path")
    rows = read_csv_rows(csv_path, labels=False)
    model, ckpt = load_classifier(checkpoint)
    dev = select_device(device)
    prec = resolve_precision(precision, dev)
    model = model.to(dev).to(memory_format=torch.channels_last).eval()
    size = int(ckpt["image_size"])
    norm = ckpt["normalization"]
    tf = build_transform(size, "none", mean=norm["mean"], std=norm["std"])
    loader = DataLoader(_PredictImages(rows, image_dir, tf, size), batch_size=batch_size, num_workers=num_workers)
    report = PredictionReport(Path(out_csv))

    def predicted_rows() -> Iterator[tuple[str, str, int]]:
        for images, idx, errors in progress(loader, desc="predict", unit="batch"):
            with autocast(dev, prec):
                pred = model(to_device_batch(images, dev, True)).argmax(1).cpu().tolist()
            for i, p, err in zip(idx.tolist(), pred, errors, strict=True):
                if err:
                    report.failed.append(err)
                    continue
                yield rows[i].id, rows[i].filename, p

    # atomic: the CSV appears complete (mode 0644 under umask 022) or, if the run dies, not at all
    with torch.no_grad():
        report.written = write_predictions_csv(report.out_csv, predicted_rows())
    return report
