"""Run settings A–E with one head and one budget and write the comparison table.

Next to the five settings the table gets one baseline row, ``random-frozen``: setting E's head and
budget on a frozen *random-init* backbone. It is the floor a pre-trained frozen backbone (D, E) has
to clear: the difference between E and this row is what pre-training bought.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from hw1.classification.config import FinetuneConfig
from hw1.classification.settings import SETTINGS, Setting, get_setting
from hw1.classification.training import train_classifier
from hw1.core import Hw1Error, write_csv

TABLE_COLUMNS = ("setting", "backbone", "init", "mode", "best_val_acc", "best_epoch", "status")
#: The baseline row: a frozen random-init backbone with the same head (``--init random --freeze-backbone``).
RANDOM_FROZEN = Setting("random-frozen", "random", True)


def run_experiments(
    base: FinetuneConfig,
    out_dir: str | Path,
    settings: str = "ABCDE",
    cache_frozen: bool = True,
    random_frozen: bool | None = None,
) -> list[dict[str, Any]]:
    """Train every setting in ``settings`` from ``base`` (same head, epochs, LR …) into
    ``out_dir/<setting>/`` and write ``table.md`` and ``table.csv``. A setting whose backbone file
    is missing is skipped with its reason in the ``status`` column; frozen settings use cached
    features when ``cache_frozen``. ``random_frozen`` adds the frozen random-init baseline row
    (folder ``random-frozen/``); by default it runs whenever a frozen setting (D, E) does. With
    ``base.resume`` each setting continues from its own ``last.pt`` where one exists."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    chosen = [get_setting(name) for name in settings.upper()]
    if random_frozen is None:
        random_frozen = any(s.frozen for s in chosen)
    rows = []
    for s in chosen + ([RANDOM_FROZEN] if random_frozen else []):
        baseline = s is RANDOM_FROZEN  # --init random --freeze-backbone instead of a setting
        cfg = dataclasses.replace(
            base,
            setting=None if baseline else s.name,
            init="random" if baseline else None,
            freeze_backbone=baseline,
            out_dir=str(out / s.name),
            cache_features=cache_frozen and s.frozen,
            # resume a setting only where it left a last.pt: the others start fresh
            resume=base.resume and (out / s.name / "last.pt").is_file(),
        )
        row: dict[str, Any] = dict.fromkeys(TABLE_COLUMNS, "")
        row.update(setting=s.name, backbone=base.backbone, init=s.init, mode=s.mode, status="ok")
        try:
            result = train_classifier(cfg)
            row.update(best_val_acc=f"{result['best_acc']:.4f}", best_epoch=result["best_epoch"])
        except Hw1Error as exc:
            if s.init == "random":
                raise
            row["status"] = f"skipped: {' '.join(str(exc).split())}"
        rows.append(row)
    write_table(rows, out)
    return rows


def write_table(rows: list[dict[str, Any]], out_dir: Path) -> None:
    """``table.csv`` and ``table.md`` of the settings' results."""
    write_csv(out_dir / "table.csv", ([r[c] for c in TABLE_COLUMNS] for r in rows), TABLE_COLUMNS)
    lines = ["| " + " | ".join(TABLE_COLUMNS) + " |", "|" + "---|" * len(TABLE_COLUMNS)]
    lines += ["| " + " | ".join(str(r[c]) for c in TABLE_COLUMNS) + " |" for r in rows]
    (out_dir / "table.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


__all__ = ["RANDOM_FROZEN", "SETTINGS", "run_experiments", "write_table"]
