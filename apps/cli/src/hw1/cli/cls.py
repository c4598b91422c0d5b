"""``hw1 cls``: Downstream classification on Office-Home: settings A-E, prediction.

``train`` and ``experiments`` take their options from ``FinetuneConfig`` (hw1.cli.options). Also
defines ``hw1 data synth-cls`` (the generated Office-Home / Mini-ImageNet stand-ins), which
``hw1 data`` loads lazily. Nothing here imports torch until a command runs.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import click

from hw1.cli.errors import fail
from hw1.cli.options import ConfigCommand, current_config, example
from hw1.cli.rank import is_rank_zero
from hw1.cli.ssl import export_command

#: What ``train`` and ``experiments`` share: options from ``FinetuneConfig``, the two CSVs required.
_CONFIG_COMMAND: dict[str, Any] = {
    "cls": ConfigCommand,
    "config": "hw1.classification.config:FinetuneConfig",
    "required": ("train_csv", "val_csv"),
    "choices": {
        "head": "hw1.classification.config:HEAD_KINDS",
        "augment": "hw1.classification.config:AUGMENTATIONS",
        "optimizer": ("adamw", "sgd"),
        "schedule": ("cosine", "poly", "constant"),
    },
}
_DATA = "--train-csv hw1_data/p1_data/office/train.csv --val-csv hw1_data/p1_data/office/val.csv"


@click.group(epilog=example(f"hw1 cls train {_DATA} --setting C --ssl-backbone backbone.pt"))
def cls() -> None:
    """Downstream classification on Office-Home: settings A-E, prediction."""


@cls.command(
    "train",
    **_CONFIG_COMMAND,
    overrides={"setting": {"type": click.Choice(list("ABCDE"), case_sensitive=False)}},
    epilog=example(
        f"hw1 cls train {_DATA} --setting C --ssl-backbone backbone.pt --out-dir runs/cls_C",
        f"hw1 cls train {_DATA} --init random --freeze-backbone --out-dir runs/cls_random_frozen",
    ),
)
def train(**options: Any) -> None:
    """Train a classifier under one setting (A-E) or an explicit --init/--freeze-backbone.

    --train-images/--val-images default to the folder named after each CSV (office/train.csv ->
    office/train/), else the CSV's folder.
    """
    from hw1.classification import train_classifier
    from hw1.cli.paths import fill_image_folders

    result = train_classifier(fill_image_folders(current_config(options)))  # --setting c arrives as "C" (Choice)
    if is_rank_zero():
        click.echo(f"best val acc {result['best_acc']:.4f} at epoch {result['best_epoch']}; run in {result['run_dir']}")


@cls.command(
    "experiments",
    **_CONFIG_COMMAND,
    exclude=("setting", "init", "freeze_backbone"),
    overrides={"out_dir": {"default": "runs/cls_experiments"}, "cache_features": {"default": True}},
    epilog=example(
        f"hw1 cls experiments {_DATA} --supervised-backbone hw1_data/p1_data/pretrain_model_SL.pt \\",
        "    --ssl-backbone backbone.pt --out-dir runs/cls_experiments --settings ABCDE",
    ),
)
@click.option("--settings", default="ABCDE", show_default=True, help="Which settings to run, e.g. ACE.")
def experiments(settings: str, **options: Any) -> None:
    """Run settings A-E with the same head and budget; write table.md and table.csv in OUT_DIR.

    A setting whose backbone file is missing is skipped and reported (exit 0). --cache-features
    applies to the frozen settings (D, E and the frozen random-init baseline); --resume continues
    each setting from its own last.pt.
    """
    from hw1.classification import run_experiments
    from hw1.cli.paths import fill_image_folders

    bad = set(settings.upper()) - set("ABCDE")
    if bad:
        fail(f"unknown setting(s) {''.join(sorted(bad))} in --settings: use letters from ABCDE")
    base = fill_image_folders(current_config(options))
    cache_frozen, base.cache_features = base.cache_features, False  # cached features: frozen settings only
    rows = run_experiments(base, base.out_dir, settings=settings.upper(), cache_frozen=cache_frozen)
    for r in rows:
        click.echo(f"{r['setting']}  {r['mode']:<28} {r['best_val_acc'] or '-':>7}  {r['status']}")
    click.echo(f"table: {Path(base.out_dir) / 'table.md'}")
    skipped = [r["setting"] for r in rows if r["status"] != "ok"]
    if skipped:
        click.echo(
            f"warning: setting(s) {', '.join(skipped)} skipped (see the status column); pass "
            "--supervised-backbone / --ssl-backbone to run them",
            err=True,
        )


@cls.command(
    "predict",
    epilog=example(
        "hw1 cls predict runs/cls_C/best.pt hw1_data/p1_data/office/val.csv pred.csv",
        "hw1 cls predict runs/cls_C/best.pt test.csv test_images/ pred.csv",
    ),
)
@click.argument("checkpoint", type=click.Path(dir_okay=False))
@click.argument("csv_path", metavar="CSV", type=click.Path(dir_okay=False))
@click.argument("paths", metavar="[IMAGE_DIR] OUT_CSV", nargs=-1, required=True, type=click.Path())
@click.option("--batch-size", default=64, show_default=True, type=int)
@click.option("--device", default="auto", show_default=True)
@click.option("--precision", default="auto", show_default=True, type=click.Choice(["auto", "fp32", "bf16", "fp16"]))
@click.option("--num-workers", default=0, show_default=True, type=int, help="DataLoader worker processes.")
def predict(checkpoint: str, csv_path: str, paths: tuple[str, ...], **options: Any) -> None:
    """Write OUT_CSV (id,filename,label) for the images listed in CSV, read from IMAGE_DIR
    (default: the folder named after the CSV, e.g. test.csv -> test/, else the CSV's folder)."""
    from hw1.classification import predict_csv
    from hw1.cli.paths import csv_image_folder, require

    if len(paths) > 2:
        raise click.UsageError("give CHECKPOINT CSV [IMAGE_DIR] OUT_CSV")
    image_dir, out_csv = (None, paths[0]) if len(paths) == 1 else paths
    require(checkpoint, "CHECKPOINT")
    image_dir = csv_image_folder(csv_path, image_dir, option="IMAGE_DIR", csv_option="CSV")
    report = predict_csv(checkpoint, csv_path, image_dir, out_csv, **options)
    for err in report.failed:
        click.echo(f"bad: {err}", err=True)
    click.echo(f"{report.written} predictions written to {report.out_csv}")
    if report.failed:
        fail(f"{len(report.failed)} image(s) could not be read (listed above)", code=1)


#: ``hw1 cls export-backbone``: the 0.1 name of ``hw1 ssl export``, kept as a hidden alias.
export_backbone_alias = copy.copy(export_command)
export_backbone_alias.hidden = True
cls.add_command(export_backbone_alias, "export-backbone")


@click.command("synth-cls", epilog=example("hw1 data synth-cls hw1_data/p1_data --n-classes 65"))
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--n-classes", "num_classes", default=65, show_default=True, type=int)
@click.option("--n-train-per-class", default=8, show_default=True, type=int)
@click.option("--n-val-per-class", default=2, show_default=True, type=int)
@click.option("--n-mini", default=640, show_default=True, type=int)
@click.option("--n-mini-classes", "num_mini_classes", default=32, show_default=True, type=int)
@click.option("--size", default=64, show_default=True, type=int, help="Office image size (pixels).")
@click.option("--mini-size", default=84, show_default=True, type=int, help="Mini image size (84 in the real data).")
@click.option("--seed", default=0, show_default=True, type=int)
def synth_cls(out_dir: str, **options: Any) -> None:
    """Generate an Office-Home-shaped labeled set and a Mini-ImageNet-shaped set in OUT_DIR."""
    from hw1.classification import make_synthetic_classification

    s = make_synthetic_classification(out_dir, **options)  # options named as its keyword arguments
    click.echo(
        f"office: {s.n_train} train / {s.n_val} val images, {s.num_classes} classes in {s.root / 'office'}; "
        f"mini: {s.n_mini} images ({s.num_mini_classes} hidden classes) in {s.mini_dir}"
    )
