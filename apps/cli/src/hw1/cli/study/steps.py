"""The study's steps, each a call of library functions built from the profile's overrides of the
library config dataclasses. Each step records the ``hw1`` command lines that do the same by hand
(:meth:`StudyContext.record`); the segmentation steps live in :mod:`hw1.cli.study.seg_steps`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hw1.cli.study.commands import config_to_args
from hw1.cli.study.context import StudyContext
from hw1.cli.study.runner import Step
from hw1.cli.study.seg_steps import SEG_RUNS, run_sam, run_seg_a, run_seg_b, run_seg_eval, run_stages


def ssl_config(ctx: StudyContext) -> Any:
    """The ``PretrainConfig`` of the study's pre-training (kNN monitor on the Office-Home sets)."""
    from hw1.ssl import PretrainConfig

    run = ctx.out / "ssl"
    office = ctx.data.office
    return PretrainConfig(
        images=str(ctx.data.mini_images),
        out_dir=str(run),
        device=ctx.device,
        resume=(run / "last.pt").is_file(),
        knn_train_csv=str(office / "train.csv"),
        knn_train_images=str(office / "train"),
        knn_val_csv=str(office / "val.csv"),
        knn_val_images=str(office / "val"),
        **ctx.profile.ssl,
    )


def run_ssl(ctx: StudyContext) -> None:
    from hw1.ssl import export_backbone, pretrain

    cfg = ssl_config(ctx)
    run = ctx.out / "ssl"
    ctx.record("ssl", "pretrain", *config_to_args(cfg))
    pretrain(cfg)
    ctx.record("ssl", "export", run / "last.pt", run / "backbone.pt")
    export_backbone(run / "last.pt", run / "backbone.pt")


def _split_labels(labels_csv: Path, folder: Path, val_every: int = 10) -> tuple[Path, Path, int]:
    """Split a labeled CSV into train/val CSVs (every ``val_every``-th row to val) in ``folder``;
    returns their paths and the class count."""
    import csv

    from hw1.core.csv_files import write_predictions_csv

    with labels_csv.open(newline="", encoding="utf-8") as fh:
        rows = [(r["id"], r["filename"], r["label"]) for r in csv.DictReader(fh)]
    train, val = folder / "train.csv", folder / "val.csv"  # (folders made by the writer)
    write_predictions_csv(train, [r for i, r in enumerate(rows) if i % val_every])
    write_predictions_csv(val, rows[::val_every])
    return train, val, max(int(label) for _id, _name, label in rows) + 1


def run_supervised(ctx: StudyContext) -> str | None:
    if ctx.data.supervised_backbone.is_file():
        return f"not needed: settings B and D use the given {ctx.data.supervised_backbone}"
    if not ctx.data.mini_labels.is_file():
        return (
            f"no {ctx.data.supervised_backbone.name} and no {ctx.data.mini_labels} to train a stand-in: "
            "settings B and D will be skipped"
        )
    from hw1.classification import export_backbone, train_classifier

    folder = ctx.out / "supervised"
    cfg = supervised_config(ctx, *_split_labels(ctx.data.mini_labels, folder))
    ctx.record("cls", "train", *config_to_args(cfg))
    train_classifier(cfg)
    ctx.record("ssl", "export", Path(cfg.out_dir) / "best.pt", folder / "backbone.pt")
    export_backbone(Path(cfg.out_dir) / "best.pt", folder / "backbone.pt")
    return None


def supervised_config(ctx: StudyContext, train_csv: Path, val_csv: Path, classes: int) -> Any:
    """The ``FinetuneConfig`` of the supervised stand-in: setting A on the labeled Mini split."""
    from hw1.classification import FinetuneConfig

    run = ctx.out / "supervised" / "run"
    return FinetuneConfig(
        train_csv=str(train_csv),
        train_images=str(ctx.data.mini_images),
        val_csv=str(val_csv),
        val_images=str(ctx.data.mini_images),
        out_dir=str(run),
        setting="A",
        num_classes=classes,
        save_features=False,
        device=ctx.device,
        resume=(run / "last.pt").is_file(),
        **ctx.profile.supervised,
    )


def cls_config(ctx: StudyContext) -> Any:
    """The ``FinetuneConfig`` every classification setting starts from (one head, one budget)."""
    from hw1.classification import FinetuneConfig

    office = ctx.data.office
    out = ctx.out / "cls"
    return FinetuneConfig(
        train_csv=str(office / "train.csv"),
        train_images=str(office / "train"),
        val_csv=str(office / "val.csv"),
        val_images=str(office / "val"),
        device=ctx.device,
        out_dir=str(out),
        supervised_backbone=str(ctx.supervised_backbone),
        ssl_backbone=str(ctx.out / "ssl" / "backbone.pt"),
        resume=any(out.glob("*/last.pt")),
        **ctx.profile.cls,
    )


def run_cls(ctx: StudyContext) -> None:
    import dataclasses

    from hw1.classification import run_experiments

    cfg = cls_config(ctx)
    frozen = dataclasses.replace(cfg, **ctx.profile.cls_frozen)
    # experiments caches the frozen settings' features by default (--cache-features); the frozen settings run
    # apart when the profile gives their heads another budget (cls_frozen)
    groups = [("ABCDE", cfg)] if frozen == cfg else [("ABC", cfg), ("DE", frozen)]
    rows = []
    for settings, config in groups:
        options = ("--settings", settings) if len(groups) > 1 else ()
        ctx.record("cls", "experiments", *options, *config_to_args(config, skip=("cache_features",)))
        rows += run_experiments(config, config.out_dir, settings=settings, cache_frozen=True)
    if len(groups) > 1:  # one table of all settings, as one run writes
        from hw1.classification.experiments import write_table

        write_table(rows, Path(cfg.out_dir))
    for row in rows:
        if row["status"] != "ok":
            ctx.note(f"setting {row['setting']} {row['status']}")


def _cls_epochs(run: Path) -> Any:
    try:
        return json.loads((run / "config.json").read_text(encoding="utf-8"))["epochs"]
    except (OSError, ValueError, KeyError):
        return "last"


def run_tsne(ctx: StudyContext) -> str | None:
    run = ctx.out / "cls" / "C"
    first, last = run / "features_first.npz", run / "features_last.npz"
    if not (first.is_file() and last.is_file()):
        return f"setting C wrote no features ({first.name}, {last.name}); see the status in cls/table.csv"
    from hw1.cli.viz import draw_embeddings

    figure, scores = ctx.out / "figures" / "tsne_C.png", ctx.out / "figures" / "tsne_C.json"
    titles = ["epoch 1", f"epoch {_cls_epochs(run)}"]
    ctx.record("viz", "tsne", first, last, figure, "--titles", ",".join(titles), "--scores", scores)
    draw_embeddings(first, last, figure, titles, scores)  # t-SNE, seed 0, 2 jobs: the defaults
    return None


def run_curves(ctx: StudyContext) -> None:
    from hw1.cli.viz import draw_curves

    runs = {"ssl": ctx.out / "ssl", "cls_C": ctx.out / "cls" / "C", **{k: ctx.out / "seg" / k for k in SEG_RUNS}}
    for name, run in runs.items():
        metrics = run / "metrics.jsonl"
        if metrics.is_file():
            figure = ctx.out / "figures" / f"curves_{name}.png"
            ctx.record("viz", "curves", metrics, figure)
            draw_curves(metrics, figure)  # titled run.name


def run_report(ctx: StudyContext) -> None:
    from hw1.cli.study.report import write_report

    write_report(ctx.out, profile=ctx.profile, data=ctx.data)


def study_steps() -> list[Step]:
    """The study's steps in order."""
    return [
        Step("ssl", "SSL pre-training and backbone export", ["ssl/backbone.pt"], run_ssl),
        Step("supervised", "supervised backbone for settings B and D", ["supervised/backbone.pt"], run_supervised),
        Step(
            "cls",
            "classification settings A-E and the frozen random-init baseline",
            ["cls/table.csv", "cls/random-frozen/best.pt"],
            run_cls,
        ),
        Step(
            "tsne", "t-SNE of setting C, first vs last epoch", ["figures/tsne_C.png", "figures/tsne_C.json"], run_tsne
        ),
        Step("seg_a", "segmentation model A", ["seg/model_a/best.pt", "seg/model_a/stage_final.pt"], run_seg_a),
        Step("seg_b", "segmentation model B", ["seg/model_b/best.pt", "seg/model_b/stage_final.pt"], run_seg_b),
        Step(
            "seg_eval",
            "validation masks and official mIoU",
            ["seg/model_a/eval.json", "seg/model_b/eval.json"],
            run_seg_eval,
        ),
        Step("stages", "stage panel and overlays", ["figures/stages_model_b.png"], run_stages),
        Step("curves", "training curves", [], run_curves),
        Step("sam", "Segment Anything masks", ["sam"], run_sam),
        Step("report", "report.md and report.html", ["report.md", "report.html"], run_report),
    ]
