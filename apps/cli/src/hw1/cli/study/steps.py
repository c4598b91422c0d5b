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
        Step("seg_a", "segmentation model A", ["seg/model_a/best.pt", "seg/model_a/stage_final.pt"], run_seg_a),
        Step("seg_b", "segmentation model B", ["seg/model_b/best.pt", "seg/model_b/stage_final.pt"], run_seg_b),
        Step("seg_eval", "validation masks and official mIoU",
             ["seg/model_a/eval.json", "seg/model_b/eval.json"], run_seg_eval),
        Step("stages", "stage panel and overlays", ["figures/stages_model_b.png"], run_stages),
        Step("curves", "training curves", [], run_curves),
        Step("sam", "Segment Anything masks", ["sam"], run_sam),
        Step("report", "report.md and report.html", ["report.md", "report.html"], run_report),
    ]
