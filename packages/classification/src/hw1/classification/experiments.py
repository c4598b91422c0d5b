"""``hw1 cls experiments``: all five settings with the same head and budget, and their table."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path
from typing import Any

from hw1.classification.config import FinetuneConfig
from hw1.classification.settings import SETTINGS
from hw1.classification.train import train_classifier
from hw1.core import Hw1Error, is_main_process

TABLE_COLUMNS = ("setting", "backbone", "mode", "best_val_acc", "best_epoch")


def run_experiments(base: FinetuneConfig, out_dir: str | Path, settings: str = "ABCDE", *,
                    cache_frozen: bool = True) -> list[dict[str, Any]]:
    """Train every setting of ``settings`` from ``base`` (same head, budget and data) into
    ``out_dir/<setting>/`` and write ``table.md`` and ``table.csv``; frozen settings train on
    cached features when ``cache_frozen``. A setting whose backbone file is missing is reported in
    the table and the others still run. A finished setting (best.pt and features_last.npz present)
    is not trained again. Returns the table rows."""
    out = Path(out_dir)
    rows = []
    for name in settings.upper():
        setting = SETTINGS.get(name)
        if setting is None:
            raise Hw1Error(f"unknown setting {name!r}: use letters of ABCDE")
        run = out / name
        cfg = dataclasses.replace(base, setting=name, out_dir=str(run), cache_features=setting.frozen and cache_frozen,
                                  resume=(run / "last.pt").is_file())
        source = {"random": "random init", "supervised": base.supervised_backbone,
                  "ssl": base.ssl_backbone}[setting.source]
        row: dict[str, Any] = {"setting": name, "backbone": f"{setting.source} ({source})" if source else setting.source,
                               "mode": "frozen, classifier only" if setting.frozen else "full fine-tuning"}
        if setting.source != "random" and (not source or not Path(str(source)).is_file()):
            row.update(best_val_acc="skipped", best_epoch=f"no {setting.source} backbone file ({source})")
            rows.append(row)
            continue
        if (run / "best.pt").is_file() and (run / "features_last.npz").is_file() and _finished(run, base.epochs):
            result = _result_from_metrics(run)
        else:
            result = train_classifier(cfg)
        row.update(best_val_acc=round(float(result["best_acc"]), 4), best_epoch=result["best_epoch"])
        rows.append(row)
    if is_main_process():
        write_table(rows, out)
    return rows


def _finished(run: Path, epochs: int) -> bool:
    from hw1.core import read_metrics

    return any(r.get("split") == "train" and r.get("epoch") == epochs for r in read_metrics(run / "metrics.jsonl"))


def _result_from_metrics(run: Path) -> dict[str, Any]:
    from hw1.core import read_metrics

    vals = [r for r in read_metrics(run / "metrics.jsonl") if r.get("split") == "val"]
    best = max(vals, key=lambda r: r["acc"]) if vals else {"acc": float("nan"), "epoch": 0}
    return {"best_acc": best["acc"], "best_epoch": best["epoch"]}


def write_table(rows: list[dict[str, Any]], out_dir: str | Path) -> tuple[Path, Path]:
    """``table.csv`` and ``table.md`` of the settings' results in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "table.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(TABLE_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    lines = ["| " + " | ".join(TABLE_COLUMNS) + " |", "|" + "---|" * len(TABLE_COLUMNS)]
    lines += ["| " + " | ".join(str(r[c]) for c in TABLE_COLUMNS) + " |" for r in rows]
    (out / "table.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out / "table.csv", out / "table.md"
