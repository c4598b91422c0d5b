"""``hw1 seg``: Satellite-image segmentation: train, predict, evaluate (official mIoU), SAM."""

from __future__ import annotations

import click


@click.group()
def seg() -> None:
    """Satellite-image segmentation: train, predict, evaluate (official mIoU), SAM."""


# --- models, training, prediction (hw1.segmentation.models / train / predict) -------------------

def _parse_model_kwargs(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dict:
    """``width=0.25,decoder_channels=[32,16,16]`` → ``{"width": 0.25, "decoder_channels": [32, 16, 16]}``
    (values read as JSON when they parse, else kept as strings; commas inside [...] stay)."""
    import json
    import re

    out: dict = {}
    for item in filter(None, (s.strip() for s in re.split(r",(?![^\[]*\])", value or ""))):
        if "=" not in item:
            raise click.BadParameter(f"{item!r}: write KEY=VALUE pairs separated by commas")
        key, raw = item.split("=", 1)
        literals = {"true": True, "false": False, "none": None, "null": None}  # Python spellings too
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = literals.get(raw.strip().lower(), raw)
    return out


def _parse_floats(_ctx: click.Context, _param: click.Parameter, value: str | None) -> list[float] | None:
    if not value:
        return None
    try:
        return [float(v) for v in value.split(",")]
    except ValueError as exc:
        raise click.BadParameter(f"{value!r}: expected comma-separated numbers") from exc


@seg.command("models")
@click.argument("pattern", required=False)
def seg_models(pattern: str | None) -> None:
    """List the model registry (optionally filtered by a glob PATTERN such as 'fcn*')."""
    from hw1.segmentation.models import describe_model, list_models

    for name in list_models(pattern):
        click.echo(f"{name:32s} {describe_model(name)}")


@seg.command("train")
@click.option("--data-dir", default="hw1_data/p2_data", show_default=True, type=click.Path(file_okay=False),
              help="Folder holding train/ and validation/ with xxxx_sat.jpg + xxxx_mask.png pairs.")
@click.option("--out-dir", default="runs/seg", show_default=True, type=click.Path(file_okay=False),
              help="Run directory (checkpoints, metrics.jsonl, config.json).")
@click.option("--model", default="fcn32s", show_default=True, help="Registry name (hw1 seg models), e.g. smp:DeepLabV3Plus:resnet101.")
@click.option("--weights", default="none", show_default=True, help="none | imagenet | coco | PATH to a weights/backbone file.")
@click.option("--model-kwargs", default="", callback=_parse_model_kwargs, help="Extra model options: KEY=VALUE,… (e.g. width=0.25,fc_channels=256).")
@click.option("--aux-loss/--no-aux-loss", default=False, show_default=True, help="torchvision DeepLabV3/FCN: train the aux head too (loss weight 0.4).")
@click.option("--loss", default="ce", show_default=True, type=click.Choice(["ce", "focal", "dice", "ce+dice", "focal+dice"]))
@click.option("--class-weights", default=None, callback=_parse_floats, help="7 comma-separated class weights for ce/focal.")
@click.option("--ignore-unknown/--no-ignore-unknown", default=False, show_default=True, help="Leave Unknown (6) pixels out of the loss.")
@click.option("--focal-gamma", default=2.0, show_default=True, type=float)
@click.option("--optimizer", default="sgd", show_default=True, type=click.Choice(["sgd", "adamw"]))
@click.option("--lr", default=0.01, show_default=True, type=float)
@click.option("--momentum", default=0.9, show_default=True, type=float)
@click.option("--weight-decay", default=1e-4, show_default=True, type=float)
@click.option("--schedule", default="poly", show_default=True, type=click.Choice(["poly", "cosine", "constant"]))
@click.option("--warmup-epochs", default=0.0, show_default=True, type=float)
@click.option("--epochs", default=30, show_default=True, type=int)
@click.option("--batch-size", default=8, show_default=True, type=int, help="Per process.")
@click.option("--accumulate", default=1, show_default=True, type=int, help="Micro-batches per optimizer step.")
@click.option("--grad-clip", default=None, type=float, help="Clip the gradient norm to this value.")
@click.option("--image-size", default=None, type=int, help="Resize training images to this size (fast runs); validation/prediction resize to it and back.")
@click.option("--crop-size", default=None, type=int, help="Random scale-and-crop to this size after --image-size (augmentation).")
@click.option("--max-train", default=None, type=int, help="Use only the first N training pairs.")
@click.option("--max-val", default=None, type=int, help="Use only the first N validation pairs.")
@click.option("--workers", default=2, show_default=True, type=int, help="DataLoader workers per process.")
@click.option("--device", default="auto", show_default=True)
@click.option("--precision", default="auto", show_default=True, type=click.Choice(["auto", "fp32", "bf16", "fp16"]))
@click.option("--channels-last/--no-channels-last", default=True, show_default=True)
@click.option("--compile/--no-compile", "compile_", default=False, show_default=True, help="torch.compile the model.")
@click.option("--sync-bn/--no-sync-bn", default=True, show_default=True, help="SyncBatchNorm under multi-GPU DDP.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--deterministic/--no-deterministic", default=False, show_default=True)
@click.option("--resume", is_flag=True, help="Continue the run in --out-dir from last.pt (same step, LR, optimizer state).")
@click.option("--stop-after-epoch", default=None, type=int, help="End after this epoch (continue later with --resume).")
def seg_train(compile_: bool, **options: object) -> None:
    """Train a segmentation model; runs under torchrun for DDP (only rank 0 writes)."""
    from hw1.segmentation.train import SegTrainConfig, train_segmentation

    result = train_segmentation(SegTrainConfig(compile=compile_, **options))  # type: ignore[arg-type]
    if result["rank"] == 0:  # the process group is gone by now: ask the result, not torch.distributed
        click.echo(f"best val mIoU {result['best_miou']:.4f} at epoch {result['best_epoch']}; "
                   f"run written to {result['run_dir']}")


@seg.command("predict")
@click.argument("checkpoint", type=click.Path(dir_okay=False))
@click.argument("input_dir", type=click.Path(file_okay=False))
@click.argument("output_dir", type=click.Path(file_okay=False))
@click.option("--batch-size", default=8, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="Image-decoding worker processes.")
@click.option("--device", default="auto", show_default=True)
@click.option("--precision", default="auto", show_default=True, type=click.Choice(["auto", "fp32", "bf16", "fp16"]))
@click.option("--tta/--no-tta", default=False, show_default=True, help="Average with flipped images.")
@click.option("--image-size", default=None, type=int, help="Run at this size (default: the checkpoint's training size; 0 = native).")
@click.option("--sliding-window", default=None, type=int, help="Tile size for sliding-window inference instead of resizing.")
@click.option("--force", is_flag=True, help="Allow OUTPUT_DIR to be INPUT_DIR.")
def seg_predict(checkpoint: str, input_dir: str, output_dir: str, batch_size: int, workers: int, device: str,
                precision: str, tta: bool, image_size: int | None, sliding_window: int | None, force: bool) -> None:
    """Write OUTPUT_DIR/xxxx_mask.png for every INPUT_DIR/xxxx_sat.jpg (exit 1 if any image failed)."""
    from hw1.cli.errors import fail
    from hw1.segmentation.predict import FROM_CHECKPOINT, predict_folder

    size = FROM_CHECKPOINT if image_size is None else (image_size or None)
    report = predict_folder(checkpoint, input_dir, output_dir, device=device, precision=precision, tta=tta,
                            batch_size=batch_size, workers=workers, size=size, window=sliding_window, force=force)
    click.echo(f"wrote {report.written} masks to {report.output_dir}")
    if report.failed:
        for _path, message in report.failed:
            click.echo(f"failed: {message}", err=True)
        fail(f"{len(report.failed)} image(s) could not be predicted (listed above); the other masks were written", code=1)


# --- formats, metric and data (hw1.segmentation.evaluate / synthetic) ----------------------------

@seg.command("evaluate")
@click.argument("gt_dir", type=click.Path(file_okay=False))
@click.argument("pred_dir", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (per-class IoU, mIoU, pixel accuracy, confusion) instead.")
@click.option("--workers", default=None, type=click.IntRange(min=1), help="Decoding threads (default: up to 8, one per CPU).")
@click.option("--red", default="error", show_default=True, type=click.Choice(["error", "unknown"]),
              help="Red pixels (no class in the official decoding): refuse them, or count them as Unknown.")
@click.option("--out", "out_file", default=None, type=click.Path(dir_okay=False),
              help="Also write the JSON result (with the official printed text under 'printed') to this file.")
def seg_evaluate(gt_dir: str, pred_dir: str, as_json: bool, workers: int | None, red: str, out_file: str | None) -> None:
    """Official dataset-level mIoU of the masks in PRED_DIR against GT_DIR (paired by file name).

    Prints exactly what the study's mean_iou_evaluate.py prints; exit 2 on missing, extra or
    mis-sized masks (all listed in one line).
    """
    import json

    from hw1.segmentation.evaluate import evaluate_folders, format_official

    result = evaluate_folders(gt_dir, pred_dir, workers=workers, red=red)
    if out_file is not None:
        from pathlib import Path

        target = Path(out_file)
        target.parent.mkdir(parents=True, exist_ok=True)
        document = {**result.to_dict(), "printed": format_official(result)}
        target.write_text(json.dumps(document, allow_nan=False, indent=1) + "\n", encoding="utf-8")
    if as_json:
        click.echo(json.dumps(result.to_dict(), allow_nan=False))
    else:
        click.echo(format_official(result), nl=False)


from hw1.cli.data import data  # noqa: E402  (synthetic generators register on `hw1 data`)


@data.command("synth-seg")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--n-train", default=200, show_default=True, type=click.IntRange(min=0), help="Training pairs.")
@click.option("--n-val", default=110, show_default=True, type=click.IntRange(min=0),
              help="Validation pairs (ids 0000…; 0013/0062/0104 exist from 105 on).")
@click.option("--size", default=512, show_default=True, type=click.IntRange(min=16), help="Square image size in pixels.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--overwrite", is_flag=True, help="Replace existing xxxx_sat.jpg/xxxx_mask.png files in OUT_DIR/train and OUT_DIR/validation.")
def data_synth_seg(out_dir: str, n_train: int, n_val: int, size: int, seed: int, overwrite: bool) -> None:
    """Write synthetic satellite pairs (p2_data layout) to OUT_DIR/train and OUT_DIR/validation."""
    from hw1.segmentation.synthetic import make_synthetic_segmentation

    root = make_synthetic_segmentation(out_dir, n_train=n_train, n_val=n_val, size=size, seed=seed, overwrite=overwrite)
    click.echo(f"wrote {n_train} train and {n_val} validation pairs of {size}x{size} to {root}")
