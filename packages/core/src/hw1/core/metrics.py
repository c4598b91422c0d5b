"""The ``metrics.jsonl`` log: one JSON object per line, ``{"epoch":…, "step":…, "split":…, …}``."""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from pathlib import Path
from typing import Any

from hw1.core.atomic_files import write_text_atomic
from hw1.core.distributed import is_main_process


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
    """Read a ``metrics.jsonl``; a torn last line (killed while writing) is ignored."""
    records = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            with contextlib.suppress(json.JSONDecodeError):
                records.append(json.loads(line))
    return records
