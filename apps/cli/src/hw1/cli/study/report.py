"""``report.md`` and ``report.html``: the study's claims, tables and figures in one place.

Every number in the report is read from a file the run wrote (metrics.jsonl, table.csv,
eval.json, tsne json, pipeline.jsonl), the "Claims" section's too (:mod:`hw1.cli.study.claims`);
nothing is carried over in memory from the steps, so a report re-written later from the same
folder says the same thing.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

from hw1.cli.main import installed_versions
from hw1.cli.study.claims import (
    HOLDS,
    Claim,
    StudyNumbers,
    first_last,
    read_table,
    study_claims,
    two_standard_errors,
)
from hw1.cli.study.document import Document
from hw1.cli.study.layout import StudyData
from hw1.cli.study.profiles import StudyProfile
from hw1.core import read_metrics
from hw1.segmentation.palette import CLASS_NAMES, MIOU_CLASSES

SEG_TITLES = {"model_a": "Model A (VGG16-FCN32s)", "model_b": "Model B (improved CNN)"}
#: The six classes the official mIoU averages, in its order (eval.json keys them by name).
CLASS_ORDER = tuple(CLASS_NAMES[c] for c in MIOU_CLASSES)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Records of a JSONL file the run wrote (metrics.jsonl, pipeline.jsonl); none if absent."""
    return read_metrics(path) if path.is_file() else []


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _figure(doc: Document, out: Path, rel: str, caption: str) -> bool:
    if (out / rel).is_file():
        doc.figure(rel, caption)
        return True
    return False


def _model_name(run: Path) -> str:
    cfg = _read_json(run / "config.json") or {}
    return str(cfg.get("model", run.name))


def _ssl_section(doc: Document, out: Path, numbers: StudyNumbers) -> None:
    doc.heading("1. Self-supervised pre-training")
    records = _read_jsonl(out / "ssl" / "metrics.jsonl")
    cfg = _read_json(out / "ssl" / "config.json") or {}
    if not records:
        doc.text("Not run: `ssl/metrics.jsonl` is missing (step `ssl`).")
        return
    train = [r for r in records if r.get("split") == "train"]
    knn = [r for r in records if r.get("split") == "knn"]
    if cfg:
        doc.text(
            f"Method **{cfg.get('method', '?')}** on a **{cfg.get('backbone', '?')}** from random init, "
            f"{cfg.get('image_size', '?')} px, batch {cfg.get('batch_size', '?')}, {cfg.get('epochs', '?')} epochs "
            f"(`ssl/config.json`)."
        )
    rows = []
    if train:
        first, last = train[0], train[-1]
        rows.append(["training loss", _fmt(first.get("loss")), _fmt(last.get("loss"))])
        rows.append(["feature std (collapse if → 0)", _fmt(first.get("feature_std")), _fmt(last.get("feature_std"))])
    if knn:
        rows.append(
            [
                f"kNN top-1 on Office-Home val (k={knn[-1].get('k', 20)})",
                f"{_fmt(knn[0].get('knn_top1'))} (epoch {knn[0].get('epoch')})",
                f"{_fmt(knn[-1].get('knn_top1'))} (epoch {knn[-1].get('epoch')})",
            ]
        )
    doc.table(["measure", "start", "end"], rows)
    if numbers.knn_first is not None and numbers.knn_last is not None:
        doc.text(_knn_verdict(numbers.knn_first, numbers.knn_last, numbers.knn_n))
    _figure(doc, out, "figures/curves_ssl.png", "SSL training curves (ssl/metrics.jsonl)")


def _csv_rows(path: Any) -> int | None:
    """Data rows of a CSV file, or None when it cannot be read."""
    try:
        with open(str(path), newline="", encoding="utf-8") as fh:
            return max(sum(1 for _ in csv.reader(fh)) - 1, 0)
    except (OSError, TypeError, UnicodeDecodeError):
        return None


def _knn_verdict(start: float, end: float, n: int | None) -> str:
    """One sentence on the kNN change, calling a change within two standard errors of the
    difference of two accuracies on the same ``n`` images no change at all."""
    gain = end - start
    text = f"kNN accuracy changed by {gain:+.4f} from the random-init backbone"
    if not n:
        return text + "."
    noise = two_standard_errors(start, end, n) or 0.0
    if gain > noise:
        verdict = "pre-training learned useful features"
    elif gain < -noise:
        verdict = "pre-training made them **worse** than random init at this budget"
    else:
        verdict = "within the noise of this validation set, so no sign yet that pre-training helped"
    return f"{text} (two standard errors on {n} images: ±{noise:.4f}): {verdict}."


def _cls_section(doc: Document, out: Path, data: StudyData, numbers: StudyNumbers) -> None:
    doc.heading("2. Classification on Office-Home: settings A–E")
    table = out / "cls" / "table.csv"
    if not table.is_file():
        doc.text("Not run: `cls/table.csv` is missing (step `cls`).")
        return
    with table.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0]) if rows else []
    doc.table(header, [[_fmt(_num(r[h])) for h in header] for r in rows])
    sup = data.supervised_backbone
    if sup.is_file():
        doc.text(f"Supervised backbone (B, D): the given `{sup}`.")
    else:
        doc.text(
            "Supervised backbone (B, D): no `pretrain_model_SL.pt` in the data, so the pipeline trained a "
            "**stand-in** with labels on the Mini-ImageNet-shaped set (`supervised/`)."
        )
    if numbers.num_classes:
        classes = numbers.num_classes
        doc.text(f"Chance level: 1/{classes} = {1 / classes:.4f} (the class count stored in `cls/A/best.pt`).")
    doc.text(
        "The `random-frozen` row is setting E's head on a frozen random-init backbone "
        "(`--init random --freeze-backbone`): what a frozen backbone gives without any pre-training, "
        "so E minus this row is what pre-training bought."
    )
    full, frozen = ((_read_json(out / "cls" / name / "config.json") or {}).get("epochs") for name in ("A", "E"))
    if full and frozen and full != frozen:
        doc.text(
            f"Budgets: the fine-tuned settings (A–C) train {full} epochs; the frozen ones (D, E, random-frozen) "
            f"train their head {frozen} epochs on cached backbone features."
        )


def _num_classes(checkpoint: Path) -> int | None:
    """The class count a classification run was trained with, from its checkpoint's config (None
    when the checkpoint is missing or unreadable)."""
    from hw1.core import Hw1Error, load_checkpoint

    try:
        config = load_checkpoint(checkpoint).get("config", {})
    except Hw1Error:
        return None
    return int(config["num_classes"]) if isinstance(config, dict) and "num_classes" in config else None


def _num(value: str) -> Any:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    return int(f) if f.is_integer() and "." not in str(value) else f


def _tsne_section(doc: Document, out: Path) -> None:
    doc.heading("3. t-SNE of setting C's second-last layer")
    scores = _read_json(out / "figures" / "tsne_C.json")
    if not _figure(doc, out, "figures/tsne_C.png", "t-SNE of the train-set features at the first and last epoch"):
        doc.text("Not run: `figures/tsne_C.png` is missing (step `tsne`).")
        return
    if scores:
        first, last = scores.get("silhouette_first"), scores.get("silhouette_last")
        doc.text(
            f"Silhouette score of the 2-D embedding: first epoch {_fmt(first)}, last epoch {_fmt(last)} "
            f"(`figures/tsne_C.json`)."
        )
        if isinstance(first, float) and isinstance(last, float):
            if last <= first:
                doc.text("Clusters are **not** tighter at the last epoch at this budget.")
            elif last <= 0:
                doc.text(
                    "The silhouette rises, but it stays negative: the classes do not form clusters yet at this budget."
                )
            else:
                doc.text("Clusters are tighter at the last epoch.")


def _chance_miou(confusion: list[list[int]]) -> float:
    """mIoU of always predicting the most frequent ground-truth class: its IoU is its pixel share,
    every other class scores 0 — the floor a model has to clear."""
    gt = [sum(row) for row in confusion]
    total = sum(gt)
    return max(gt[:6]) / total / 6 if total else float("nan")


def _read_eval(path: Path) -> dict[str, Any] | None:
    """An ``eval.json`` through hw1-segmentation's reader (the library that writes it), as its dict."""
    if not path.is_file():
        return None
    from hw1.segmentation.evaluate import read_evaluation

    return read_evaluation(path).to_dict()


def validation_curve(run: Path) -> list[tuple[int, float]]:
    """(epoch, validation mIoU) of a segmentation run's ``metrics.jsonl`` (key ``mean_iou``; ``miou``
    in runs of hw1-segmentation 0.1)."""
    curve = []
    for r in _read_jsonl(run / "metrics.jsonl"):
        value = r.get("mean_iou", r.get("miou"))
        if r.get("split") == "val" and isinstance(value, (int, float)) and not math.isnan(value):
            curve.append((int(r.get("epoch", len(curve) + 1)), float(value)))
    return curve


def _seg_section(doc: Document, out: Path, numbers: StudyNumbers) -> None:
    doc.heading("4. Satellite segmentation: official mIoU on validation")
    rows = []
    for key, title in SEG_TITLES.items():
        ev = _read_eval(out / "seg" / key / "eval.json")
        if ev is None:
            rows.append([title, "not run", "", "", *[""] * 6])
            continue
        per = ev.get("per_class_iou", {})
        rows.append(
            [
                title,
                _model_name(out / "seg" / key),
                _fmt(ev.get("mean_iou")),
                _fmt(max((v for _, v in validation_curve(out / "seg" / key)), default=None)),
                *[_fmt(per.get(c)) for c in CLASS_ORDER],
            ]
        )
    doc.table(["model", "architecture", "mIoU", "best val mIoU in training", *CLASS_ORDER], rows)
    if numbers.seg_chance is not None:
        doc.text(
            f"Chance level (always the most frequent class): mIoU {numbers.seg_chance:.4f}. Numbers come from "
            "`seg/<model>/eval.json`, the official dataset-level mIoU over classes 0–5 of the masks "
            "`best.pt` wrote; the training column is the best epoch in `seg/<model>/metrics.jsonl`."
        )
    for key, title in SEG_TITLES.items():
        _figure(doc, out, f"figures/curves_{key}.png", f"{title}: training curves")
    for path in sorted((out / "figures").glob("overlay_model_b_*.png")):
        doc.figure(f"figures/{path.name}", f"Model B prediction, official overlay style ({path.stem.split('_')[-1]})")


def study_numbers(out: Path, data: StudyData) -> StudyNumbers:
    """What the claims need, read back from the files of the run in ``out``."""
    records = _read_jsonl(out / "ssl" / "metrics.jsonl")
    knn = first_last([r for r in records if r.get("split") == "knn"], "knn_top1")
    train = [r for r in records if r.get("split") == "train"]
    ssl_cfg = _read_json(out / "ssl" / "config.json") or {}
    table = read_table(out / "cls" / "table.csv")
    scores = _read_json(out / "figures" / "tsne_C.json") or {}
    silhouette = (scores["silhouette_first"], scores["silhouette_last"]) if "silhouette_last" in scores else None
    miou: dict[str, float | None] = {}
    chance = None
    for key in SEG_TITLES:
        ev = _read_eval(out / "seg" / key / "eval.json")
        if ev is not None:
            miou[key] = ev.get("mean_iou")
            if chance is None and ev.get("confusion"):
                chance = _chance_miou(ev["confusion"])
    return StudyNumbers(
        knn_first=knn[0] if knn else None,
        knn_last=knn[1] if knn else None,
        knn_n=_csv_rows(ssl_cfg.get("knn_val_csv")),
        ssl_loss=first_last(train, "loss"),
        ssl_feature_std=first_last(train, "feature_std"),
        accuracy=table[0] if table else None,
        status=table[1] if table else None,
        val_n=_csv_rows(data.office / "val.csv"),
        num_classes=_num_classes(out / "cls" / "A" / "best.pt"),
        silhouette=silhouette,
        seg_miou=miou or None,
        seg_chance=chance,
        seg_a_curve=validation_curve(out / "seg" / "model_a") or None,
    )


def _claims_section(doc: Document, claims: list[Claim]) -> None:
    doc.heading("Claims")
    held = sum(c.verdict == HOLDS for c in claims)
    doc.text(
        f"The study's claims against this run's numbers (all read back from its files): **{held} of "
        f"{len(claims)} hold**. Accuracy differences come with two standard errors of the difference on "
        "the validation images, so a verdict within the noise reads as such."
    )
    doc.table(
        ["claim", "measured", "verdict", "reason"],
        [[c.statement, c.measured or "—", f"**{c.verdict}**", c.reason or "—"] for c in claims],
    )


def _stages_section(doc: Document, out: Path) -> None:
    doc.heading("5. Model B at early, middle and final training stages")
    if not _figure(doc, out, "figures/stages_model_b.png", "Validation images × early / middle / final stage"):
        doc.text("Not run: `figures/stages_model_b.png` is missing (step `stages`).")


def _sam_section(doc: Document, out: Path) -> None:
    doc.heading("6. Segment Anything")
    overlays = sorted((out / "sam").glob("*.png"))  # none when the folder is missing
    if not overlays:
        doc.text(
            "Not run: no SAM checkpoint was given. Download one (e.g. `sam_vit_b_01ec64.pth` or "
            "`sam_vit_h_4b8939.pth`) and re-run with `--sam-checkpoint FILE --sam-model-type vit_b|vit_h "
            "--only sam,report`."
        )
        return
    for path in overlays:
        doc.figure(f"sam/{path.name}", f"SAM automatic masks: {path.stem}")


def _provenance_section(doc: Document, out: Path) -> None:
    doc.heading("7. How this report was made")
    latest: dict[str, dict[str, Any]] = {}
    for r in _read_jsonl(out / "pipeline.jsonl"):
        if r.get("status") == "ran" or r.get("name") not in latest:
            latest[r["name"]] = r
    doc.text(
        "Each step ran these `hw1` commands (from `pipeline.jsonl`); each run folder holds its full `config.json`."
    )
    lines = []
    for name, r in latest.items():
        lines.append(
            f"# {name}: {r.get('status')}"
            + (f" ({r['seconds']:.0f} s)" if r.get("seconds") else "")
            + (f" — {r['detail']}" if r.get("detail") else "")
        )
        lines += r.get("commands", [])
    doc.code("\n".join(lines) if lines else "(no pipeline.jsonl)")


def write_report(out: Path, *, profile: StudyProfile, data: StudyData) -> Path:
    """Write ``out/report.md`` and the self-contained ``out/report.html``; return the Markdown path."""
    doc = Document()
    doc.heading("hw1 study report", level=1)
    numbers = study_numbers(out, data)
    doc.bullets(
        [
            f"Data: `{data.root}`",
            f"Profile: **{profile.name}** — {profile.description}",
            *(
                [f"Generated data of this profile (`hw1 demo`, `hw1 data synth`): {profile.data_note}"]
                if profile.data_note
                else []
            ),
            f"Written: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M UTC}",
            "Versions: " + ", ".join(f"{dist} {version}" for dist, version in installed_versions().items()),
        ]
    )
    _claims_section(doc, study_claims(numbers))
    _ssl_section(doc, out, numbers)
    _cls_section(doc, out, data, numbers)
    _tsne_section(doc, out)
    _seg_section(doc, out, numbers)
    _stages_section(doc, out)
    _sam_section(doc, out)
    _provenance_section(doc, out)
    (out / "report.md").write_text(doc.to_markdown(), encoding="utf-8")
    (out / "report.html").write_text(doc.to_html(out, "hw1 study report"), encoding="utf-8")
    return out / "report.md"
