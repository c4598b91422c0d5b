"""``hw1 cls``: Downstream classification on Office-Home: settings A-E, prediction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hw1.cli.data import data
from hw1.cli.errors import fail


@click.group()
def cls() -> None:
    """Downstream classification on Office-Home: settings A-E, prediction."""


def finetune_options(func: Any) -> Any:
    """The options shared by 'cls train' and 'cls experiments' (FinetuneConfig fields)."""
    options = [
        click.option("--train-csv", default="hw1_data/p1_data/office/train.csv", show_default=True,
                     help="Training CSV (id,filename,label)."),
        click.option("--train-images", default=None, help="Image folder of the training CSV [default: CSV path without .csv]."),
        click.option("--val-csv", default="hw1_data/p1_data/office/val.csv", show_default=True,
                     help="Validation CSV; '' trains without validation."),
        click.option("--val-images", default=None, help="Image folder of the validation CSV [default: CSV path without .csv]."),
        click.option("--supervised-backbone", default=None, help="Backbone file of settings B/D (pretrain_model_SL.pt)."),
        click.option("--ssl-backbone", default=None, help="Backbone file of settings C/E ('hw1 ssl export')."),
        click.option("--backbone", default="resnet50", show_default=True, help="torchvision ResNet name or timm:NAME."),
        click.option("--num-classes", default=65, show_default=True, type=int),
        click.option("--head-hidden", default=512, show_default=True, type=int, help="Hidden width of the shared MLP head (0: linear)."),
        click.option("--head-dropout", default=0.2, show_default=True, type=float),
        click.option("--image-size", default=128, show_default=True, type=int),
        click.option("--augment", default="standard", show_default=True, type=click.Choice(["none", "standard", "strong"])),
        click.option("--epochs", default=30, show_default=True, type=int),
        click.option("--batch-size", default=64, show_default=True, type=int, help="Global batch (split over processes)."),
        click.option("--workers", default=4, show_default=True, type=int),
        click.option("--optimizer", default="adamw", show_default=True, type=click.Choice(["adamw", "sgd"])),
        click.option("--lr", default=1e-3, show_default=True, type=float, help="Peak LR of the head."),
        click.option("--backbone-lr", default=None, type=float, help="Peak LR of a trainable backbone [default: lr/10 for a loaded one]."),
        click.option("--weight-decay", default=1e-4, show_default=True, type=float),
        click.option("--momentum", default=0.9, show_default=True, type=float),
        click.option("--warmup-epochs", default=1.0, show_default=True, type=float),
        click.option("--label-smoothing", default=0.1, show_default=True, type=float),
        click.option("--device", default="auto", show_default=True),
        click.option("--precision", default="auto", show_default=True, type=click.Choice(["auto", "fp32", "bf16", "fp16"])),
        click.option("--channels-last/--no-channels-last", default=True, show_default=True),
        click.option("--compile/--no-compile", "compile_", default=False, show_default=True),
        click.option("--seed", default=0, show_default=True, type=int),
        click.option("--deterministic/--no-deterministic", default=False, show_default=True),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _config(compile_: bool, options: dict[str, Any]) -> Any:
    from hw1.classification import FinetuneConfig

    if options.get("val_csv") == "":
        options["val_csv"] = None
    return FinetuneConfig(compile=compile_, **options)


@cls.command("train")
@click.option("--out-dir", default="runs/cls", show_default=True, help="Run folder.")
@click.option("--setting", default=None, type=click.Choice(["A", "B", "C", "D", "E"], case_sensitive=False),
              help="The study's setting (sets --init and --freeze-backbone).")
@click.option("--init", default="random", show_default=True, help="random | imagenet | PATH (without --setting).")
@click.option("--freeze-backbone/--no-freeze-backbone", default=False, show_default=True,
              help="Train the classifier only; BatchNorm statistics stay frozen (without --setting).")
@click.option("--cache-features/--no-cache-features", default=False, show_default=True,
              help="Frozen backbone: one backbone pass, then train the head on cached features.")
@click.option("--resume", is_flag=True, help="Continue the run in --out-dir from last.pt.")
@click.option("--stop-after-epoch", default=None, type=int, help="End after this epoch (continue later with --resume).")
@finetune_options
def cls_train(compile_: bool, **options: Any) -> None:
    """Fine-tune or linear-probe a classifier on a CSV data set (one setting)."""
    from hw1.classification import train_classifier

    if options.get("setting"):
        options["setting"] = options["setting"].upper()
    result = train_classifier(_config(compile_, options))
    click.echo(f"best val acc {result['best_acc']:.4f} at epoch {result['best_epoch']} "
               f"({result['init']}, {'frozen' if result['frozen'] else 'full'}) -> {result['run_dir']}")


@cls.command("experiments")
@click.option("--out-dir", default="runs/cls", show_default=True, help="Folder of the table and one run per setting.")
@click.option("--settings", default="ABCDE", show_default=True, help="Which settings to run.")
@click.option("--cache-features/--no-cache-features", default=True, show_default=True,
              help="Train frozen settings (D, E) on cached features.")
@finetune_options
def cls_experiments(compile_: bool, out_dir: str, settings: str, cache_features: bool, **options: Any) -> None:
    """Run settings A-E with the same head and budget; write table.md and table.csv."""
    from hw1.classification import run_experiments

    rows = run_experiments(_config(compile_, options), out_dir, settings, cache_frozen=cache_features)
    for row in rows:
        click.echo(f"{row['setting']}: {row['best_val_acc']} ({row['backbone']}, {row['mode']})")
    click.echo(f"wrote {Path(out_dir) / 'table.md'}")


@cls.command("predict")
@click.argument("checkpoint", type=click.Path(dir_okay=False))
@click.argument("csv_path", metavar="CSV", type=click.Path(dir_okay=False))
@click.argument("image_dir", type=click.Path(file_okay=False))
@click.argument("out_csv", type=click.Path(dir_okay=False))
@click.option("--batch-size", default=64, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--device", default="auto", show_default=True)
@click.option("--precision", default="auto", show_default=True, type=click.Choice(["auto", "fp32", "bf16", "fp16"]))
def cls_predict(checkpoint: str, csv_path: str, image_dir: str, out_csv: str, batch_size: int, workers: int,
                device: str, precision: str) -> None:
    """Write OUT_CSV (id,filename,label) for every row of CSV, reading only its file names."""
    from hw1.classification import predict_csv

    report = predict_csv(checkpoint, csv_path, image_dir, out_csv, device=device, precision=precision,
                         batch_size=batch_size, workers=workers)
    click.echo(f"wrote {report.written} predictions to {report.out_csv}")
    if report.failed:
        for _name, message in report.failed:
            click.echo(f"failed: {message}", err=True)
        fail(f"{len(report.failed)} image(s) could not be predicted (listed above); the other rows were written", code=1)


@cls.command("export-backbone")
@click.argument("checkpoint", type=click.Path(dir_okay=False))
@click.argument("out", type=click.Path(dir_okay=False))
def cls_export_backbone(checkpoint: str, out: str) -> None:
    """Write the backbone of a trained classifier as a plain backbone file (e.g. a supervised
    stand-in for settings B/D)."""
    from hw1.classification import export_backbone

    click.echo(f"wrote {export_backbone(checkpoint, out)}")


@data.command("synth-cls")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--num-classes", default=65, show_default=True, type=int)
@click.option("--n-train-per-class", default=8, show_default=True, type=int)
@click.option("--n-val-per-class", default=2, show_default=True, type=int)
@click.option("--n-mini", default=640, show_default=True, type=int, help="Unlabeled Mini-ImageNet-shaped images.")
@click.option("--num-mini-classes", default=32, show_default=True, type=int)
@click.option("--size", default=64, show_default=True, type=int, help="Office image size.")
@click.option("--mini-size", default=84, show_default=True, type=int)
@click.option("--seed", default=0, show_default=True, type=int)
def data_synth_cls(out_dir: str, **options: Any) -> None:
    """Write an Office-Home-shaped labeled set (OUT_DIR/office) and a Mini-ImageNet-shaped
    unlabeled set (OUT_DIR/mini) that share visual primitives."""
    from hw1.classification import make_synthetic_classification

    s = make_synthetic_classification(out_dir, **options)
    click.echo(f"wrote {s.n_train} train / {s.n_val} val Office images ({s.num_classes} classes) and "
               f"{s.n_mini} Mini images to {s.root}")
