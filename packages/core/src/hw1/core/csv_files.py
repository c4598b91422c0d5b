"""Writing the study's CSV files: the ``id,filename,label`` predictions/labels format (Office-Home,
the course's graded output) and any other header, atomically and with the user's file mode.

Every ``id,filename,label`` file of hw1 (predictions, generated data sets, split files) is written
here, so the header, the quoting and the line endings are the same everywhere. No torch import.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from typing import Any

from hw1.core.atomic_files import atomic_write

#: Header of the predictions / labels CSV the course grades (``id,filename,label``).
PREDICTIONS_HEADER: tuple[str, str, str] = ("id", "filename", "label")


def write_csv(path: str | os.PathLike[str], rows: Iterable[Sequence[Any]], header: Sequence[str]) -> int:
    """Write ``header`` then ``rows`` to ``path`` (``\\n`` line ends, UTF-8) atomically: a reader
    never sees half a file, and a failure (also one raised while ``rows`` is being produced, so
    ``rows`` may be a generator) leaves any earlier file in place. Returns the number of data rows."""
    count = 0
    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(list(header))
        for row in rows:
            if len(row) != len(header):
                raise ValueError(f"{path}: row {count + 1} has {len(row)} fields, the header {len(header)}")
            writer.writerow(list(row))
            count += 1
    return count


def write_predictions_csv(path: str | os.PathLike[str], rows: Iterable[tuple[Any, str, Any]]) -> int:
    """Write an ``id,filename,label`` CSV from ``(id, filename, label)`` rows (see :func:`write_csv`);
    returns the number of rows written."""
    return write_csv(path, rows, PREDICTIONS_HEADER)
