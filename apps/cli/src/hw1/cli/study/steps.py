"""The study's steps. Each step runs ``hw1`` command lines (in-process, recorded verbatim for the
report), built from the profile's overrides of the library config dataclasses."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from hw1.cli.study.commands import config_to_args
from hw1.cli.study.layout import StudyData
from hw1.cli.study.profiles import StudyProfile
from hw1.cli.study.runner import Step

#: Validation images of the stage figure (the study's choice); the first three ids otherwise.
STAGE_IDS = ("0013", "0062", "0104")
SETTINGS = ("A", "B", "C", "D", "E")
SEG_RUNS = {"model_a": "seg_a", "model_b": "seg_b"}


@dataclass
class StudyContext:
    """Everything a step needs: the inputs, the run folder, the profile and the options."""

    data: StudyData
    out: Path
    profile: StudyProfile
    device: str = "auto"
    sam_checkpoint: Path | None = None
    sam_model_type: str = "vit_h"
    commands: list[str] = field(default_factory=list)

    def hw1(self, *argv: Any) -> None:
        """Run ``hw1 ARGV…`` in this process and record the command line."""
        from hw1.cli.main import cli

        args = [str(a) for a in argv]
        self.commands.append(shlex.join(["hw1", *args]))
        click.echo("    $ " + self.commands[-1])
        try:
            cli.main(args, prog_name="hw1", standalone_mode=False)
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise

    @property
    def supervised_backbone(self) -> Path:
        """The study's supervised backbone when given, else the stand-in this pipeline trains."""
        if self.data.supervised_backbone.is_file():
            return self.data.supervised_backbone
        return self.out / "supervised" / "backbone.pt"


def _command(group: str, name: str) -> click.Command:
    from hw1.cli.main import cli

    return cli.commands[group].commands[name]  # type: ignore[attr-defined]


def run_ssl(ctx: StudyContext) -> None:
    from hw1.ssl import PretrainConfig

    run = ctx.out / "ssl"
    office = ctx.data.office
    cfg = PretrainConfig(
        images=str(ctx.data.mini_images), out=str(run), device=ctx.device, resume=(run / "last.pt").is_file(),
        knn_train_csv=str(office / "train.csv"), knn_train_images=str(office / "train"),
        knn_val_csv=str(office / "val.csv"), knn_val_images=str(office / "val"),
        **ctx.profile.ssl,
    )
    ctx.hw1("ssl", "pretrain", *config_to_args(_command("ssl", "pretrain"), cfg))
    ctx.hw1("ssl", "export", run / "last.pt", run / "backbone.pt")


def _split_labels(labels_csv: Path, folder: Path, val_every: int = 10) -> tuple[Path, Path, int]:
    """Split a labeled CSV into train/val CSVs (every ``val_every``-th row to val) in ``folder``;
    returns their paths and the class count."""
    import csv

    with labels_csv.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    folder.mkdir(parents=True, exist_ok=True)
    paths = (folder / "train.csv", folder / "val.csv")
    for path, part in zip(paths, ([r for i, r in enumerate(rows) if i % val_every],
                                  [r for i, r in enumerate(rows) if not i % val_every]), strict=True):
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=["id", "filename", "label"])
            writer.writeheader()
            writer.writerows({k: r[k] for k in ("id", "filename", "label")} for r in part)
    return paths[0], paths[1], max(int(r["label"]) for r in rows) + 1


def _office_config(ctx: StudyContext, **fields: Any) -> Any:
    from hw1.classification import FinetuneConfig

    office = ctx.data.office
    return FinetuneConfig(train_csv=str(office / "train.csv"), train_images=str(office / "train"),
                          val_csv=str(office / "val.csv"), val_images=str(office / "val"), device=ctx.device,
                          **fields)


def run_supervised(ctx: StudyContext) -> str | None:
    if ctx.data.supervised_backbone.is_file():
        return f"not needed: settings B and D use the given {ctx.data.supervised_backbone}"
    if not ctx.data.mini_labels.is_file():
        return (f"no {ctx.data.supervised_backbone.name} and no {ctx.data.mini_labels} to train a stand-in: "
                "settings B and D will be skipped")
    from hw1.classification import FinetuneConfig

    folder = ctx.out / "supervised"
    train_csv, val_csv, classes = _split_labels(ctx.data.mini_labels, folder)
    run = folder / "run"
    cfg = FinetuneConfig(train_csv=str(train_csv), train_images=str(ctx.data.mini_images), val_csv=str(val_csv),
                         val_images=str(ctx.data.mini_images), out_dir=str(run), setting="A", num_classes=classes,
                         save_features=False, device=ctx.device, resume=(run / "last.pt").is_file(),
                         **ctx.profile.supervised)
    ctx.hw1("cls", "train", *config_to_args(_command("cls", "train"), cfg))
    ctx.hw1("cls", "export-backbone", run / "best.pt", folder / "backbone.pt")
    return None


def run_cls(ctx: StudyContext) -> None:
    cfg = _office_config(ctx, out_dir=str(ctx.out / "cls"), supervised_backbone=str(ctx.supervised_backbone),
                         ssl_backbone=str(ctx.out / "ssl" / "backbone.pt"), **ctx.profile.cls)
    # experiments decides per setting whether to cache (frozen ones do)
    ctx.hw1("cls", "experiments", *config_to_args(_command("cls", "experiments"), cfg, skip=("resume", "cache_features")))


def run_tsne(ctx: StudyContext) -> None:
    run = ctx.out / "cls" / "C"
    epochs = ctx.profile.cls.get("epochs", 30)
    ctx.hw1("viz", "tsne", run / "features_first.npz", run / "features_last.npz", ctx.out / "figures" / "tsne_C.png",
            "--titles", f"epoch 1,epoch {epochs}", "--scores", ctx.out / "figures" / "tsne_C.json")


def _seg_train(ctx: StudyContext, key: str) -> None:
    from hw1.segmentation.train import SegTrainConfig

    run = ctx.out / "seg" / key
    overrides = getattr(ctx.profile, SEG_RUNS[key])
    cfg = SegTrainConfig(data_dir=str(ctx.data.seg), out_dir=str(run), device=ctx.device,
                         resume=(run / "last.pt").is_file(), **overrides)
    ctx.hw1("seg", "train", *config_to_args(_command("seg", "train"), cfg))


def run_seg_a(ctx: StudyContext) -> None:
    _seg_train(ctx, "model_a")


def run_seg_b(ctx: StudyContext) -> None:
    _seg_train(ctx, "model_b")


def run_seg_eval(ctx: StudyContext) -> None:
    validation = ctx.data.seg / "validation"
    predict_opts = [a for k, v in ctx.profile.predict.items() for a in (f"--{k.replace('_', '-')}", v)]
    for key in SEG_RUNS:
        run = ctx.out / "seg" / key
        ctx.hw1("seg", "predict", run / "best.pt", validation, run / "pred_validation", "--device", ctx.device,
                *predict_opts)
        ctx.hw1("seg", "evaluate", validation, run / "pred_validation", "--out", run / "eval.json")


def _stage_ids(validation: Path) -> list[str]:
    present = {p.name[: -len("_sat.jpg")] for p in validation.glob("*_sat.jpg")}
    return list(STAGE_IDS) if set(STAGE_IDS) <= present else sorted(present)[:3]


def run_stages(ctx: StudyContext) -> None:
    validation = ctx.data.seg / "validation"
    ids = ",".join(_stage_ids(validation))
    ctx.hw1("viz", "stages", ctx.out / "seg" / "model_b", validation, ctx.out / "figures" / "stages_model_b.png",
            "--ids", ids, "--device", ctx.device)
    for key in SEG_RUNS:
        for image_id in ids.split(","):
            ctx.hw1("viz", "overlay", validation / f"{image_id}_sat.jpg",
                    ctx.out / "seg" / key / "pred_validation" / f"{image_id}_mask.png",
                    ctx.out / "figures" / f"overlay_{key}_{image_id}.png")


def run_curves(ctx: StudyContext) -> None:
    runs = {"ssl": ctx.out / "ssl", "cls_C": ctx.out / "cls" / "C", **{k: ctx.out / "seg" / k for k in SEG_RUNS}}
    for name, run in runs.items():
        if (run / "metrics.jsonl").is_file():
            ctx.hw1("viz", "curves", run / "metrics.jsonl", ctx.out / "figures" / f"curves_{name}.png")


def run_sam(ctx: StudyContext) -> str | None:
    if ctx.sam_checkpoint is None:
        return "no SAM checkpoint given (--sam-checkpoint FILE --sam-model-type vit_h|vit_l|vit_b)"
    validation = ctx.data.seg / "validation"
    images = [validation / f"{i}_sat.jpg" for i in _stage_ids(validation)]
    ctx.hw1("seg", "sam", *images, "--checkpoint", ctx.sam_checkpoint, "--model-type", ctx.sam_model_type,
            "--out", ctx.out / "sam", "--device", ctx.device)
    return None


def run_report(ctx: StudyContext) -> None:
    from hw1.cli.study.report import write_report

    write_report(ctx.out, profile=ctx.profile, data=ctx.data)


def study_steps() -> list[Step]:
    """The study's steps in order."""
    return [
        Step("ssl", "SSL pre-training and backbone export", ["ssl/backbone.pt"], run_ssl),
        Step("supervised", "supervised backbone for settings B and D", ["supervised/backbone.pt"], run_supervised),
        Step("cls", "classification settings A-E", ["cls/table.csv"], run_cls),
        Step("tsne", "t-SNE of setting C, first vs last epoch", ["figures/tsne_C.png", "figures/tsne_C.json"], run_tsne),
        Step("seg_a", "segmentation model A", ["seg/model_a/best.pt", "seg/model_a/stage_final.pt"], run_seg_a),
        Step("seg_b", "segmentation model B", ["seg/model_b/best.pt", "seg/model_b/stage_final.pt"], run_seg_b),
        Step("seg_eval", "validation masks and official mIoU",
             ["seg/model_a/eval.json", "seg/model_b/eval.json"], run_seg_eval),
        Step("stages", "stage panel and overlays", ["figures/stages_model_b.png"], run_stages),
        Step("curves", "training curves", [], run_curves),
        Step("sam", "Segment Anything masks", ["sam"], run_sam),
        Step("report", "report.md and report.html", ["report.md", "report.html"], run_report),
    ]
