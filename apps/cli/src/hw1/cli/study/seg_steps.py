"""The study's segmentation steps: models A and B, validation masks and the official mIoU, the
stage panel and overlays, Segment Anything. Each calls hw1-segmentation / hw1-viz functions and
records the equivalent ``hw1`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hw1.cli.study.commands import config_to_args, option_words
from hw1.cli.study.context import StudyContext
from hw1.core import Hw1DataError

#: Segmentation run folder -> the profile field holding its overrides.
SEG_RUNS = {"model_a": "seg_a", "model_b": "seg_b"}


def seg_config(ctx: StudyContext, key: str) -> Any:
    """The ``SegTrainConfig`` of segmentation run ``key`` (``model_a`` or ``model_b``)."""
    from hw1.segmentation.train import SegTrainConfig

    run = ctx.out / "seg" / key
    return SegTrainConfig(
        data_dir=str(ctx.data.seg),
        out_dir=str(run),
        device=ctx.device,
        resume=(run / "last.pt").is_file(),
        **getattr(ctx.profile, SEG_RUNS[key]),
    )


def _seg_train(ctx: StudyContext, key: str) -> None:
    from hw1.segmentation.train import train_segmentation

    cfg = seg_config(ctx, key)
    ctx.record("seg", "train", *config_to_args(cfg))
    train_segmentation(cfg)


def run_seg_a(ctx: StudyContext) -> None:
    _seg_train(ctx, "model_a")


def run_seg_b(ctx: StudyContext) -> None:
    _seg_train(ctx, "model_b")


def run_seg_eval(ctx: StudyContext) -> None:
    from hw1.segmentation.evaluate import evaluate_folders, write_evaluation
    from hw1.segmentation.predict import predict_folder

    validation = ctx.data.seg / "validation"
    predict_options = [word for k, v in ctx.profile.predict.items() for word in option_words(k, v)]
    for key in SEG_RUNS:
        run = ctx.out / "seg" / key
        masks = run / "pred_validation"
        ctx.record("seg", "predict", run / "best.pt", validation, masks, "--device", ctx.device, *predict_options)
        report = predict_folder(run / "best.pt", validation, masks, device=ctx.device, **ctx.profile.predict)
        if report.failed:
            path, message = report.failed[0]
            raise Hw1DataError(
                f"{path}: {message} ({len(report.failed)} validation image(s) could not be "
                "predicted); fix or remove them and re-run the step seg_eval"
            )
        ctx.record("seg", "evaluate", validation, masks, "--out", run / "eval.json")
        write_evaluation(evaluate_folders(validation, masks), run / "eval.json")


def run_stages(ctx: StudyContext) -> None:
    from hw1.cli.viz import draw_mask_overlay, draw_stage_panel

    validation = ctx.data.seg / "validation"
    run, figure = ctx.out / "seg" / "model_b", ctx.out / "figures" / "stages_model_b.png"
    ctx.record("viz", "stages", run, validation, figure, "--device", ctx.device)
    _path, stages = draw_stage_panel(run, validation, figure, device=ctx.device)
    for key in SEG_RUNS:
        for image_id, rgb in zip(stages.ids, stages.images, strict=True):
            mask = ctx.out / "seg" / key / "pred_validation" / f"{image_id}_mask.png"
            overlay = ctx.out / "figures" / f"overlay_{key}_{image_id}.png"
            ctx.record("viz", "overlay", validation / f"{image_id}_sat.jpg", mask, overlay)
            draw_mask_overlay(rgb, f"{image_id}_sat.jpg", mask, overlay)


def run_sam(ctx: StudyContext) -> str | None:
    if ctx.sam_checkpoint is None:
        return "no SAM checkpoint given (--sam-checkpoint FILE --sam-model-type vit_h|vit_l|vit_b)"
    from hw1.cli.seg_sam import segment_with_overlays
    from hw1.segmentation.sam import SamConfig
    from hw1.segmentation.stages import choose_stage_ids

    validation = ctx.data.seg / "validation"
    images = [validation / f"{i}_sat.jpg" for i in choose_stage_ids(validation)]
    config = SamConfig(
        checkpoint=str(ctx.sam_checkpoint),
        model_type=ctx.sam_model_type,
        out_dir=str(ctx.out / "sam"),
        device=ctx.device,
    )
    ctx.record("seg", "sam", *images, *config_to_args(config))
    for path, message in segment_with_overlays(config, images).failed:
        ctx.note(f"SAM failed on {Path(path).name}: {message}")
    return None
