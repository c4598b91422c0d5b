"""CSV prediction (``hw1 cls predict``, the graded ``hw1_1.sh``): ``id,filename,label`` out, using
only the ``filename`` column of the input (test CSVs carry no labels and their file names none)."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset

from hw1.classification.checkpoint import load_classifier
from hw1.classification.dataset import CsvRow, build_transform, check_files, read_csv_rows
from hw1.core import Hw1DataError, autocast, open_image, prepare_model, progress, resolve_precision, select_device


@dataclass
class PredictReport:
    """What :func:`predict_csv` wrote: row count and the rows it could not predict."""

    out_csv: Path
    written: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


class _PredictImages(Dataset):
    """Images of the CSV; an unreadable one yields a zero tensor and its error message."""

    def __init__(self, rows: list[CsvRow], image_dir: Path, image_size: int) -> None:
        self.rows, self.image_dir, self.transform = rows, image_dir, build_transform(image_size, "none")
        self.size = image_size

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int, str]:
        try:
            return self.transform(open_image(self.image_dir / self.rows[i].filename)), i, ""
        except Hw1DataError as exc:
            return torch.zeros(3, self.size, self.size), i, str(exc)


def predict_csv(checkpoint: str | os.PathLike[str], csv_path: str | os.PathLike[str],
                image_dir: str | os.PathLike[str], out_csv: str | os.PathLike[str], *, device: str = "auto",
                precision: str = "auto", batch_size: int = 64, workers: int = 2) -> PredictReport:
    """Predict a label for every row of ``csv_path`` (images in ``image_dir``) and write
    ``out_csv`` with the input's ids and bare file names in input order. Unreadable images are
    reported in :attr:`PredictReport.failed` and left out; the output is written atomically."""
    rows = read_csv_rows(csv_path, labels=False)
    folder = Path(image_dir)
    check_files(rows, folder, csv_path)
    out = Path(out_csv)
    if out.resolve() == Path(csv_path).resolve():
        raise Hw1DataError(f"{out}: the output CSV would overwrite the input CSV; choose another path")
    model, ckpt = load_classifier(checkpoint)
    dev = select_device(device)
    prec = resolve_precision(precision, dev)
    model = prepare_model(model, dev, channels_last=True)
    loader = DataLoader(_PredictImages(rows, folder, int(ckpt["image_size"])), batch_size=batch_size,
                        num_workers=workers)
    labels: dict[int, int] = {}
    report = PredictReport(out)
    with torch.no_grad():
        for images, index, errors in progress(loader, desc="predict", unit="batch"):
            with autocast(dev, prec):
                logits = model(images.to(dev).contiguous(memory_format=torch.channels_last))
            for i, pred, err in zip(index.tolist(), logits.argmax(1).tolist(), errors, strict=True):
                if err:
                    report.failed.append((rows[i].filename, err))
                else:
                    labels[i] = pred
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "filename", "label"])
        for i, row in enumerate(rows):
            if i in labels:
                writer.writerow([row.id, row.filename, labels[i]])
    tmp.replace(out)
    report.written = len(labels)
    return report
