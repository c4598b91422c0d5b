"""``hw1 cls``: Downstream classification on Office-Home: settings A-E, prediction.

Also registers ``hw1 data synth-cls`` (the generated Office-Home / Mini-ImageNet stand-ins)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import click

from hw1.classification import (
    FinetuneConfig,
    export_backbone,
    make_synthetic_classification,
    predict_csv,
    run_experiments,
    train_classifier,
)
from hw1.cli.data import data
from hw1.cli.errors import fail


@click.group()
def cls() -> None:
    """Downstream classification on Office-Home: settings A-E, prediction."""


def _training_options(fn):
    """Options shared by ``train`` and ``experiments``: one per FinetuneConfig field."""
    d = FinetuneConfig()
    opts = [
        click.option("--train-csv", required=True, type=click.Path(dir_okay=False)),
        click.option("--train-images", required=True, type=click.Path(file_okay=False)),
        click.option("--val-csv", required=True, type=click.Path(dir_okay=False)),
        click.option("--val-images", required=True, type=click.Path(file_okay=False)),
        click.option("--backbone", default=d.backbone, show_default=True, help="resnet50, resnet18 … or timm:NAME"),
        click.option("--supervised-backbone", default=None, help="Backbone file for settings B/D (pretrain_model_SL.pt)."),
        click.option("--ssl-backbone", default=None, help="Backbone file for settings C/E (hw1 ssl export)."),
        click.option("--num-classes", default=d.num_classes, show_default=True, type=int),
        click.option("--head", default=d.head, show_default=True, type=click.Choice(["mlp", "linear"])),
        click.option("--head-hidden", default=d.head_hidden, show_default=True, type=int),
        click.option("--head-dropout", default=d.head_dropout, show_default=True, type=float),
        click.option("--image-size", default=d.image_size, show_default=True, type=int),
        click.option("--augment", default=d.augment, show_default=True, type=click.Choice(["none", "flip", "standard", "strong"])),
        click.option("--epochs", default=d.epochs, show_default=True, type=int),
        click.option("--batch-size", default=d.batch_size, show_default=True, type=int),
        click.option("--optimizer", default=d.optimizer, show_default=True, type=click.Choice(["adamw", "sgd"])),
        click.option("--lr", default=d.lr, show_default=True, type=float),
        click.option("--backbone-lr-scale", default=d.backbone_lr_scale, show_default=True, type=float),
        click.option("--weight-decay", default=d.weight_decay, show_default=True, type=float),
        click.option("--momentum", default=d.momentum, show_default=True, type=float),
        click.option("--warmup-epochs", default=d.warmup_epochs, show_default=True, type=float),
        click.option("--schedule", default=d.schedule, show_default=True, type=click.Choice(["cosine", "poly", "constant"])),
        click.option("--min-lr-ratio", default=d.min_lr_ratio, show_default=True, type=float),
        click.option("--label-smoothing", default=d.label_smoothing, show_default=True, type=float),
        click.option("--precision", default=d.precision, show_default=True, type=click.Choice(["auto", "fp32", "bf16", "fp16"])),
        click.option("--device", default=d.device, show_default=True),
        click.option("--channels-last/--no-channels-last", default=d.channels_last, show_default=True),
        click.option("--num-workers", default=d.num_workers, show_default=True, type=int),
        click.option("--seed", default=d.seed, show_default=True, type=int),
        click.option("--save-features/--no-save-features", default=d.save_features, show_default=True,
                     help="Write features_first.npz / features_last.npz (second-last layer, train set)."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


@cls.command("train")
@_training_options
@click.option("--out-dir", default=FinetuneConfig.out_dir, show_default=True)
@click.option("--setting", default=None, type=click.Choice(list("ABCDE"), case_sensitive=False))
@click.option("--init", default=None, help="random or a backbone file (instead of --setting).")
@click.option("--freeze-backbone/--no-freeze-backbone", default=False, show_default=True)
@click.option("--resume/--no-resume", default=False, show_default=True, help="Continue from OUT_DIR/last.pt.")
@click.option("--cache-features/--no-cache-features", default=False, show_default=True,
              help="Frozen backbone only: one backbone pass without augmentation, then head epochs on tensors.")
def train(**options) -> None:
    """Train a classifier under one setting (A-E) or an explicit --init/--freeze-backbone."""
    if options["setting"]:
        options["setting"] = options["setting"].upper()
    result = train_classifier(FinetuneConfig(**options))
    if os.environ.get("RANK", "0") == "0":  # under torchrun only rank 0 reports
        click.echo(f"best val acc {result['best_acc']:.4f} at epoch {result['best_epoch']}; run in {result['run_dir']}")


@cls.command("experiments")
@_training_options
@click.option("--out-dir", default="runs/cls_experiments", show_default=True)
@click.option("--settings", default="ABCDE", show_default=True, help="Which settings to run, e.g. ACE.")
@click.option("--cache-features/--no-cache-features", default=True, show_default=True,
              help="Train frozen settings (D/E) on cached backbone features.")
def experiments(out_dir: str, settings: str, cache_features: bool, **options) -> None:
    """Run settings A-E with the same head and budget; write table.md and table.csv in OUT_DIR."""
    bad = set(settings.upper()) - set("ABCDE")
    if bad:
        fail(f"unknown setting(s) {''.join(sorted(bad))}: use letters from ABCDE")
    base = dataclasses.replace(FinetuneConfig(**options), out_dir=out_dir)
    rows = run_experiments(base, out_dir, settings=settings, cache_frozen=cache_features)
    for r in rows:
        click.echo(f"{r['setting']}  {r['mode']:<28} {r['best_val_acc'] or '-':>7}  {r['status']}")
    click.echo(f"table: {Path(out_dir) / 'table.md'}")
    skipped = [r["setting"] for r in rows if r["status"] != "ok"]
    if skipped:
        fail(f"setting(s) {''.join(skipped)} skipped (see status column); pass the missing backbone files", code=1)


@cls.command("predict")
@click.argument("checkpoint", type=click.Path())
@click.argument("csv_path", metavar="CSV", type=click.Path())
@click.argument("image_dir", type=click.Path())
@click.argument("out_csv", type=click.Path())
@click.option("--batch-size", default=64, show_default=True, type=int)
@click.option("--device", default="auto", show_default=True)
@click.option("--precision", default="auto", show_default=True, type=click.Choice(["auto", "fp32", "bf16", "fp16"]))
@click.option("--num-workers", default=0, show_default=True, type=int)
def predict(checkpoint: str, csv_path: str, image_dir: str, out_csv: str, batch_size: int, device: str,
            precision: str, num_workers: int) -> None:
    """Write OUT_CSV (id,filename,label) for the images listed in CSV, read from IMAGE_DIR."""
    report = predict_csv(checkpoint, csv_path, image_dir, out_csv, batch_size=batch_size, device=device,
                         precision=precision, num_workers=num_workers)
    for err in report.failed:
        click.echo(f"bad: {err}", err=True)
    click.echo(f"{report.written} predictions written to {report.out_csv}")
    if report.failed:
        fail(f"{len(report.failed)} image(s) could not be read (listed above)", code=1)


@cls.command("export-backbone")
@click.argument("checkpoint", type=click.Path())
@click.argument("out_path", metavar="OUT.pt", type=click.Path())
def export_backbone_cmd(checkpoint: str, out_path: str) -> None:
    """Save the backbone of a trained classifier as a plain backbone file (e.g. the supervised
    stand-in for settings B/D on generated data)."""
    click.echo(f"backbone written to {export_backbone(checkpoint, out_path)}")


@data.command("synth-cls")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--n-classes", default=65, show_default=True, type=int)
@click.option("--n-train-per-class", default=8, show_default=True, type=int)
@click.option("--n-val-per-class", default=2, show_default=True, type=int)
@click.option("--n-mini", default=640, show_default=True, type=int)
@click.option("--n-mini-classes", default=32, show_default=True, type=int)
@click.option("--size", default=64, show_default=True, type=int, help="Office image size (pixels).")
@click.option("--mini-size", default=84, show_default=True, type=int, help="Mini image size (84 in the real data).")
@click.option("--seed", default=0, show_default=True, type=int)
def synth_cls(out_dir: str, n_classes: int, n_train_per_class: int, n_val_per_class: int, n_mini: int,
              n_mini_classes: int, size: int, mini_size: int, seed: int) -> None:
    """Generate an Office-Home-shaped labeled set and a Mini-ImageNet-shaped set in OUT_DIR."""
    s = make_synthetic_classification(out_dir, num_classes=n_classes, n_train_per_class=n_train_per_class,
                                      n_val_per_class=n_val_per_class, n_mini=n_mini, num_mini_classes=n_mini_classes,
                                      size=size, mini_size=mini_size, seed=seed)
    click.echo(f"office: {s.n_train} train / {s.n_val} val images, {s.num_classes} classes in {s.root / 'office'}; "
               f"mini: {s.n_mini} images ({s.num_mini_classes} hidden classes) in {s.mini_dir}")
