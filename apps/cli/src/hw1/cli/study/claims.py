"""The study's claims, checked against the numbers a run wrote.

Each claim is read back from files (``ssl/metrics.jsonl``, ``cls/table.csv``, ``figures/tsne_C.json``,
``seg/<model>/eval.json``) and judged **holds**, **does not hold** or **not measured** (a step did not
run). Where a claim does not hold, the reason is given when a measurement in the run explains it
(e.g. C is not above A because pre-training did not improve the kNN accuracy either). Accuracy
comparisons also state two standard errors of the difference on the validation set, so a reader
sees which verdicts the set is too small to carry.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOLDS, FAILS, UNKNOWN = "holds", "does not hold", "not measured"


@dataclass(frozen=True)
class Claim:
    """One claim of the study with what this run measured."""

    statement: str
    measured: str
    verdict: str  # HOLDS, FAILS or UNKNOWN
    reason: str = ""


def two_standard_errors(a: float, b: float, n: int | None) -> float | None:
    """Two standard errors of the difference of two accuracies near ``a`` and ``b`` on the same
    ``n`` images (binomial, pooled); None without ``n``."""
    if not n:
        return None
    p = min(max((a + b) / 2.0, 1.0 / n), 1.0 - 1.0 / n)
    return 2.0 * math.sqrt(2.0 * p * (1.0 - p) / n)


@dataclass(frozen=True)
class StudyNumbers:
    """The numbers the claims need, as read from a run folder (None where a file is missing)."""

    knn_first: float | None = None
    knn_last: float | None = None
    knn_n: int | None = None
    ssl_loss: tuple[float, float] | None = None
    ssl_feature_std: tuple[float, float] | None = None
    accuracy: dict[str, float | None] | None = None  # setting -> best val acc (None: skipped)
    status: dict[str, str] | None = None  # setting -> table status
    val_n: int | None = None
    num_classes: int | None = None
    silhouette: tuple[float, float] | None = None
    seg_miou: dict[str, float | None] | None = None  # "model_a"/"model_b" -> mean_iou
    seg_chance: float | None = None
    seg_a_curve: list[tuple[int, float]] | None = None  # model A's (epoch, validation mIoU) during training


def _verdict(ok: bool) -> str:
    return HOLDS if ok else FAILS


def _acc(numbers: StudyNumbers, setting: str) -> float | None:
    return (numbers.accuracy or {}).get(setting)


def _missing(numbers: StudyNumbers, *settings: str) -> str:
    """Why a comparison cannot be made: the skipped settings' status, else the missing table."""
    if numbers.accuracy is None:
        return "step `cls` did not run (`cls/table.csv` is missing)"
    reasons = [
        f"{s}: {(numbers.status or {}).get(s) or 'not in the table'}" for s in settings if _acc(numbers, s) is None
    ]
    return "; ".join(reasons)


def knn_claim(n: StudyNumbers) -> Claim:
    statement = "kNN accuracy after pre-training is above random init by more than two standard errors"
    if n.knn_first is None or n.knn_last is None:
        return Claim(
            statement,
            "fewer than two kNN monitor records in `ssl/metrics.jsonl`",
            UNKNOWN,
            "step `ssl` did not run or ran without the kNN monitor",
        )
    gain = n.knn_last - n.knn_first
    noise = two_standard_errors(n.knn_first, n.knn_last, n.knn_n)
    measured = f"{n.knn_first:.4f} at random init → {n.knn_last:.4f} after pre-training ({gain:+.4f}"
    measured += f", two standard errors ±{noise:.4f} on {n.knn_n} images)" if noise is not None else ")"
    if noise is None:
        return Claim(statement, measured, UNKNOWN, "the kNN validation CSV could not be read to count its images")
    if gain > noise:
        return Claim(statement, measured, HOLDS)
    reason = (
        "the gain is within the noise of this validation set"
        if gain > -noise
        else "pre-training made the features worse than random init at this budget"
    )
    if n.ssl_feature_std is not None and n.ssl_feature_std[1] < 0.1 * n.ssl_feature_std[0]:
        reason += (
            f"; the feature std fell from {n.ssl_feature_std[0]:.4f} to {n.ssl_feature_std[1]:.4f}, a sign of collapse"
        )
    elif n.ssl_loss is not None and n.ssl_loss[1] >= n.ssl_loss[0]:
        reason += f"; the SSL loss did not fall ({n.ssl_loss[0]:.4f} → {n.ssl_loss[1]:.4f})"
    return Claim(statement, measured, FAILS, reason)


def _compare(
    n: StudyNumbers, statement: str, high: str, low: str, explain: Callable[[StudyNumbers], str] | None = None
) -> Claim:
    """Claim that setting ``high`` scores above setting ``low`` on validation accuracy."""
    a, b = _acc(n, high), _acc(n, low)
    if a is None or b is None:
        return Claim(statement, "", UNKNOWN, _missing(n, high, low))
    noise = two_standard_errors(a, b, n.val_n)
    measured = f"{high} {a:.4f} vs {low} {b:.4f} ({a - b:+.4f}"
    measured += f", two standard errors ±{noise:.4f})" if noise is not None else ")"
    if noise is not None and abs(a - b) <= noise:
        measured += "; within the noise"
    if a > b:
        return Claim(statement, measured, HOLDS)
    reasons = [explain(n)] if explain else []
    if noise is not None and abs(a - b) <= noise:
        reasons.append(
            f"the difference is within two standard errors of {n.val_n} validation images: "
            f"this run cannot order {high} and {low}"
        )
    return Claim(statement, measured, FAILS, "; ".join(reasons))


def _ssl_reason(n: StudyNumbers) -> str:
    knn = knn_claim(n)
    if knn.verdict == FAILS:
        return "pre-training did not make the features better than random init either (the kNN claim above)"
    if knn.verdict == HOLDS:
        return "the kNN gain of pre-training did not carry over to this head and budget"
    return ""


def _chance_reason(n: StudyNumbers, *settings: str) -> str:
    if not n.num_classes:
        return ""
    chance = 1.0 / n.num_classes
    near = [s for s in settings if (_acc(n, s) or 0.0) < 2 * chance]
    if near:
        verb = "stays" if len(near) == 1 else "stay"
        return f"{' and '.join(near)} {verb} below twice chance (1/{n.num_classes} = {chance:.4f}): too little training"
    return ""


def classification_claims(n: StudyNumbers) -> list[Claim]:
    """C > A, E > frozen random init, B > A, D < B, E < C."""
    return [
        _compare(n, "Fine-tuning the SSL backbone beats training from scratch (C > A)", "C", "A", _ssl_reason),
        _compare(
            n,
            "The frozen SSL backbone beats a frozen random-init backbone with the same head (E > random-frozen)",
            "E",
            "random-frozen",
            _ssl_reason,
        ),
        _compare(
            n,
            "Supervised pre-training beats training from scratch (B > A)",
            "B",
            "A",
            lambda m: _chance_reason(m, "A", "B"),
        ),
        _compare(
            n,
            "Freezing the supervised backbone scores below fine-tuning it (D < B)",
            "B",
            "D",
            lambda m: _chance_reason(m, "B", "D"),
        ),
        _compare(
            n,
            "Freezing the SSL backbone scores below fine-tuning it (E < C)",
            "C",
            "E",
            lambda m: _chance_reason(m, "C", "E"),
        ),
    ]


def tsne_claim(n: StudyNumbers) -> Claim:
    statement = "t-SNE of C's features: the silhouette at the last epoch is above the first and above 0"
    if n.silhouette is None:
        return Claim(statement, "", UNKNOWN, "`figures/tsne_C.json` is missing (step `tsne`, or setting C skipped)")
    first, last = n.silhouette
    measured = f"silhouette {first:.4f} at the first epoch → {last:.4f} at the last"
    if last > first and last > 0:
        return Claim(statement, measured, HOLDS)
    if last <= first:
        reason = "the classes are not better separated after training"
    else:
        reason = "the silhouette rises but stays negative: the classes do not form clusters yet"
    extra = _chance_reason(n, "C")
    return Claim(statement, measured, FAILS, reason + (f"; {extra}" if extra else ""))


def segmentation_claim(n: StudyNumbers) -> Claim:
    statement = "Segmentation: model B > model A > chance, with model A at 0.3 mIoU or more"
    miou = n.seg_miou or {}
    a, b = miou.get("model_a"), miou.get("model_b")
    if a is None or b is None:
        return Claim(
            statement, "", UNKNOWN, "`seg/model_a/eval.json` or `seg/model_b/eval.json` is missing (step `seg_eval`)"
        )
    chance = n.seg_chance
    measured = f"B {b:.4f}, A {a:.4f}" + (f", chance {chance:.4f}" if chance is not None else "") + " mIoU"
    failed = []
    if not b > a:
        failed.append("B is not above A")
    if chance is not None and not a > chance:
        failed.append("A is not above chance")
    if a < 0.3:
        failed.append(f"A is below 0.3 ({a:.4f})" + _curve_reason(n.seg_a_curve))
    return Claim(statement, measured, _verdict(not failed), "; ".join(failed))


def _curve_reason(curve: list[tuple[int, float]] | None) -> str:
    """What model A's validation curve says about its budget: still rising at the end, or peaked."""
    if not curve:
        return ""
    best_epoch, best = max(curve, key=lambda point: point[1])
    last_epoch = curve[-1][0]
    if best_epoch == last_epoch and len(curve) > 1:
        return (
            f"; its validation mIoU rose from {curve[0][1]:.4f} to {best:.4f} and was still rising at the last "
            f"epoch ({last_epoch}): more epochs would help"
        )
    return f"; its validation mIoU peaked at {best:.4f} in epoch {best_epoch} of {last_epoch}"


def study_claims(n: StudyNumbers) -> list[Claim]:
    """Every claim of the study, in the report's order."""
    return [knn_claim(n), *classification_claims(n), tsne_claim(n), segmentation_claim(n)]


def read_table(path: Path) -> tuple[dict[str, float | None], dict[str, str]] | None:
    """``cls/table.csv`` as (setting -> best val acc or None, setting -> status); None if absent."""
    if not path.is_file():
        return None
    accuracy: dict[str, float | None] = {}
    status: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            name = row.get("setting", "")
            try:
                accuracy[name] = float(row.get("best_val_acc") or "")
            except ValueError:
                accuracy[name] = None
            status[name] = row.get("status", "")
    return accuracy, status


def first_last(records: list[dict[str, Any]], key: str) -> tuple[float, float] | None:
    """The first and last numeric ``key`` of ``records``; None when there are fewer than two."""
    values = [float(r[key]) for r in records if isinstance(r.get(key), (int, float))]
    return (values[0], values[-1]) if len(values) >= 2 else None
