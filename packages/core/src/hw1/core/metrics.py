"""The ``metrics.jsonl`` log: one JSON object per line, ``{"epoch":…, "step":…, "split":…, …}``.
Torch-free (torch is imported only to ask for the rank), so light commands can read a log."""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any

from hw1.core.atomic_files import write_text_atomic
from hw1.core.errors import Hw1DataError


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else (1e308 if value > 0 else -1e308)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return _jsonable(value.tolist())
    return value


class MetricsLogger:
    """Append-only JSONL writer. Only rank 0 writes (other ranks get a no-op logger); each line is
    flushed at once, so a killed run keeps every line it logged. NaN is written as ``null``."""

    def __init__(self, path: str | os.PathLike[str], *, enabled: bool | None = None) -> None:
        from hw1.core.distributed import is_main_process

        self.path = Path(path)
        self.enabled = is_main_process() if enabled is None else enabled
        if self.enabled:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def log(self, **fields: Any) -> dict[str, Any]:
        """Write one record (a ``time`` field is added) and return it."""
        record = {k: _jsonable(v) for k, v in fields.items()}
        record.setdefault("time", round(time.time(), 3))
        if self.enabled:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, allow_nan=False) + "\n")
        return record

    def truncate_after(self, epoch: int) -> None:
        """Drop records with ``epoch`` greater than ``epoch`` (used on resume, so a run that was
        killed after logging but before checkpointing does not log an epoch twice)."""
        if not self.enabled or not self.path.exists():
            return
        kept = [r for r in read_metrics(self.path) if not (isinstance(r.get("epoch"), int) and r["epoch"] > epoch)]
        write_text_atomic(self.path, "".join(json.dumps(r) + "\n" for r in kept))


def read_metrics(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The records of a ``metrics.jsonl``, blank lines skipped. A torn last line (no newline at its
    end: the run was killed while writing it) is ignored; a missing file or any other line that is
    not a JSON object is a :class:`Hw1DataError` naming the file and the line."""
    p = Path(path)
    if not p.is_file():
        raise Hw1DataError(f"{p}: metrics file not found; pass the metrics.jsonl of a run")
    text = p.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            if number == len(lines) and not text.endswith("\n"):
                break  # torn last line
            raise Hw1DataError(f"{p}:{number}: not a JSON object ({exc.msg}); the file is not a metrics.jsonl") from exc
        if not isinstance(record, dict):
            raise Hw1DataError(f"{p}:{number}: not a JSON object; the file is not a metrics.jsonl")
        records.append(record)
    return records
