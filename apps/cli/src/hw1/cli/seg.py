"""``hw1 seg``: Satellite-image segmentation: train, predict, evaluate (official mIoU), SAM."""

from __future__ import annotations

from typing import Any

import click

from hw1.cli.errors import fail
from hw1.cli.lazy import LazyCommand, LazyGroup
from hw1.cli.options import ConfigCommand, config_values, current_config, example, hidden_alias, red_option
from hw1.cli.rank import is_rank_zero


@click.group(
    cls=LazyGroup,
    lazy={"sam": LazyCommand("hw1.cli.seg_sam:seg_sam", ("hw1.viz",))},
    epilog=example("hw1 seg evaluate hw1_data/p2_data/validation runs/seg_b/pred"),
)
def seg() -> None:
    """Satellite-image segmentation: train, predict, evaluate (official mIoU), SAM."""


# --- models, training, prediction (hw1.segmentation.models / train / predict) -------------------

#: Keyword arguments the model builders set themselves (not user options).
_BUILDER_ARGUMENTS = ("num_classes", "weights", "classes", "encoder_name", "encoder_weights")


@seg.command("models", epilog=example("hw1 seg models 'fcn*'", "hw1 seg models 'smp:*'"))
@click.argument("pattern", required=False)
def seg_models(pattern: str | None) -> None:
    """List the model registry (optionally filtered by a glob PATTERN such as 'fcn*')."""
    from hw1.segmentation.models import describe_model, list_models

    for name in list_models(pattern):
        click.echo(f"{name:32s} {describe_model(name)}")


@seg.command(
    "train",
    cls=ConfigCommand,
    config="hw1.segmentation.config:SegTrainConfig",
    choices={
        "loss": "hw1.segmentation.config:LOSS_CHOICES",
        "optimizer": "hw1.segmentation.config:OPTIMIZER_CHOICES",
        "schedule": ("poly", "cosine", "constant"),
    },
    epilog=example(
        "hw1 seg train --data-dir hw1_data/p2_data --out-dir runs/seg_a --model fcn32s --weights imagenet",
        "hw1 seg train --data-dir hw1_data/p2_data --out-dir runs/seg_b --model smp:Unet:resnet18 \\",
        "    --model-option encoder_depth=4 --model-option decoder_channels=[128,64,32,16]",
    ),
)
@hidden_alias("--model-kwargs", "model_kwargs")
def seg_train(**options: Any) -> None:
    """Train a segmentation model; runs under torchrun for DDP (only rank 0 writes).

    --model-option KEY=VALUE (repeatable) sets a keyword argument of the model (see 'hw1 seg models');
    --image-size 0 trains at the images' native size.
    """
    from hw1.core.options import bind_options
    from hw1.segmentation.models import model_options
    from hw1.segmentation.train import train_segmentation

    config = current_config(options)
    config.model_kwargs = bind_options(  # checked against the model's keyword arguments, converted to their types
        model_options(config.model),
        config.model_kwargs,
        what=f"model {config.model!r}",
        option="--model-option",
        exclude=_BUILDER_ARGUMENTS,
    )
    if config.image_size == 0:
        config.image_size = None
    result = train_segmentation(config)
    if is_rank_zero():
        best = result["best_mean_iou"]
        click.echo(f"best val mIoU {best:.4f} at epoch {result['best_epoch']}; run written to {result['run_dir']}")


#: ``hw1.segmentation.prediction_inputs.DECODE_CHOICES``, spelled here so that ``--help`` imports no torch.
PREDICT_DECODE: tuple[str, ...] = ("auto", "pil", "device")


@seg.command(
    "predict", epilog=example("hw1 seg predict runs/seg_b/best.pt hw1_data/p2_data/validation runs/seg_b/pred")
)
@click.argument("checkpoint", type=click.Path(dir_okay=False))
@click.argument("input_dir", type=click.Path(file_okay=False))
@click.argument("output_dir", type=click.Path(file_okay=False))
@click.option("--batch-size", default=8, show_default=True, type=int)
@click.option("--num-workers", default=2, show_default=True, type=int, help="Image-decoding worker processes.")
@hidden_alias("--workers", "num_workers", type=int)
@click.option("--device", default="auto", show_default=True)
@click.option("--precision", default="auto", show_default=True, type=click.Choice(["auto", "fp32", "bf16", "fp16"]))
@click.option("--tta/--no-tta", default=False, show_default=True, help="Average with flipped images.")
@click.option(
    "--image-size", "size", type=int, help="Run at this size (default: the checkpoint's training size; 0 = native)."
)
@click.option(
    "--sliding-window", "window", type=int, help="Tile size for sliding-window inference instead of resizing."
)
@click.option(
    "--decode",
    default="auto",
    show_default=True,
    type=click.Choice(PREDICT_DECODE),
    help="Where JPEGs are decoded: auto (on the GPU when the model runs on one), pil (CPU workers) or device.",
)
@click.option(
    "--writer-threads", type=click.IntRange(min=1), help="Threads encoding the mask PNGs (default: one per CPU)."
)
@click.option("--force", is_flag=True, help="Allow OUTPUT_DIR to be INPUT_DIR.")
def seg_predict(**options: Any) -> None:
    """Write OUTPUT_DIR/xxxx_mask.png for every INPUT_DIR/xxxx_sat.jpg (exit 1 if any image failed)."""
    from hw1.cli.paths import require
    from hw1.segmentation.predict import FROM_CHECKPOINT, predict_folder

    o = config_values(options)  # parameters named as predict_folder's arguments
    require(o["checkpoint"], "CHECKPOINT")
    require(o["input_dir"], "INPUT_DIR", folder=True)
    o["size"] = FROM_CHECKPOINT if o["size"] is None else (o["size"] or None)
    report = predict_folder(**o)
    click.echo(f"wrote {report.written} masks to {report.output_dir}")
    if report.failed:
        for _path, message in report.failed:
            click.echo(f"failed: {message}", err=True)
        fail(
            f"{len(report.failed)} image(s) could not be predicted (listed above); the other masks were written", code=1
        )


# --- formats, metric and data (hw1.segmentation.evaluate / synthetic) ----------------------------


@seg.command("evaluate", epilog=example("hw1 seg evaluate hw1_data/p2_data/validation runs/seg_b/pred --out eval.json"))
@click.argument("gt_dir", type=click.Path(file_okay=False))
@click.argument("pred_dir", type=click.Path(file_okay=False))
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object (per-class IoU, mIoU, pixel accuracy, confusion) instead.",
)
@click.option(
    "--num-workers", default=None, type=click.IntRange(min=1), help="Decoding threads (default: up to 8, one per CPU)."
)
@hidden_alias("--workers", "num_workers", type=click.IntRange(min=1))
@red_option()
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    help="Also write the JSON result (with the official printed text under 'printed') to this file.",
)
def seg_evaluate(gt_dir: str, pred_dir: str, as_json: bool, red: str, out_file: str | None, **options: Any) -> None:
    """Official dataset-level mIoU of the masks in PRED_DIR against GT_DIR (paired by file name).

    Prints exactly what the study's mean_iou_evaluate.py prints; exit 2 on missing, extra or
    mis-sized masks (all listed in one line).
    """
    import json

    from hw1.cli.paths import require
    from hw1.segmentation.evaluate import evaluate_folders, format_official, write_evaluation

    require(gt_dir, "GT_DIR", folder=True)
    require(pred_dir, "PRED_DIR", folder=True)
    result = evaluate_folders(gt_dir, pred_dir, num_workers=config_values(options)["num_workers"], red=red)
    if out_file is not None:
        write_evaluation(result, out_file)
    if as_json:
        click.echo(json.dumps(result.to_dict(), allow_nan=False))
    else:
        click.echo(format_official(result), nl=False)


@click.command("synth-seg", epilog=example("hw1 data synth-seg hw1_data/p2_data --n-train 200 --n-val 110"))
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--n-train", default=200, show_default=True, type=click.IntRange(min=0), help="Training pairs.")
@click.option(
    "--n-val",
    default=110,
    show_default=True,
    type=click.IntRange(min=0),
    help="Validation pairs (ids 0000…; 0013/0062/0104 exist from 105 on).",
)
@click.option(
    "--size", default=512, show_default=True, type=click.IntRange(min=16), help="Square image size in pixels."
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace existing xxxx_sat.jpg/xxxx_mask.png files in OUT_DIR/train and OUT_DIR/validation.",
)
def data_synth_seg(out_dir: str, n_train: int, n_val: int, size: int, seed: int, overwrite: bool) -> None:
    """Write synthetic satellite pairs (p2_data layout) to OUT_DIR/train and OUT_DIR/validation."""
    from hw1.segmentation.synthetic import make_synthetic_segmentation

    root = make_synthetic_segmentation(out_dir, n_train=n_train, n_val=n_val, size=size, seed=seed, overwrite=overwrite)
    click.echo(f"wrote {n_train} train and {n_val} validation pairs of {size}x{size} to {root}")
