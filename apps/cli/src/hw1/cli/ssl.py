"""``hw1 ssl``: Self-supervised pre-training (BYOL and friends) and backbone export.

Thin: ``pretrain``'s options are generated from ``PretrainConfig`` (hw1.cli.options); each command
calls one function of :mod:`hw1.ssl` and prints the result. Nothing here imports torch until a
command runs.
"""

from __future__ import annotations

from typing import Any

import click

from hw1.cli.options import ConfigCommand, current_config, example
from hw1.cli.rank import is_rank_zero


@click.group(epilog=example("hw1 ssl pretrain --images hw1_data/p1_data/mini/train --out-dir runs/ssl"))
def ssl() -> None:
    """Self-supervised pre-training (BYOL and friends) and backbone export."""


@ssl.command("methods", epilog=example("hw1 ssl methods"))
def methods_command() -> None:
    """List the SSL methods and their options (for --method and --method-option)."""
    from hw1.ssl import list_methods, method_defaults

    for name in list_methods():
        opts = ", ".join(f"{k}={v}" for k, v in method_defaults(name).items())
        click.echo(f"{name}: {opts}")


@ssl.command(
    "pretrain",
    cls=ConfigCommand,
    config="hw1.ssl.config:PretrainConfig",
    required=("images",),
    choices={"optimizer": "hw1.core.choices:OPTIMIZER_CHOICES"},
    epilog=example(
        "hw1 ssl pretrain --images hw1_data/p1_data/mini/train --out-dir runs/ssl --epochs 100 \\",
        "    --knn-train-csv hw1_data/p1_data/office/train.csv --knn-val-csv hw1_data/p1_data/office/val.csv",
        "torchrun --nproc-per-node 4 -m hw1.cli.main ssl pretrain --images mini/train --out-dir runs/ssl",
    ),
)
def pretrain_command(**options: Any) -> None:
    """Self-supervised pre-training on a folder of unlabeled images (under torchrun: DDP).

    The kNN monitor's image folders default to the folder named after each CSV (office/train.csv ->
    office/train/), else the CSV's folder.
    """
    from hw1.cli.paths import fill_image_folders
    from hw1.core.options import bind_options
    from hw1.ssl import pretrain
    from hw1.ssl.methods import method_class

    config = fill_image_folders(current_config(options), prefix="knn_")
    method = method_class(config.method)  # --method-option values checked against its keyword arguments
    config.method_options = bind_options(
        method,
        config.method_options,
        what=f"SSL method {method.name!r}",
        option="--method-option",
        exclude=("backbone",),
    )
    result = pretrain(config)
    if is_rank_zero():
        m = result["metrics"]
        click.echo(f"run: {result['run_dir']}  checkpoint: {result['last_checkpoint']}")
        line = f"epoch {result['epoch']}  step {result['step']}  loss {m.get('loss', float('nan')):.4f}"
        line += f"  feature_std {m.get('feature_std', float('nan')):.4f}"
        if result["knn_top1"] is not None:
            line += f"  knn_top1 {result['knn_top1']:.4f}"
        click.echo(line + f"  ({result['seconds']:.1f} s)")
        if result["skipped_images"]:
            click.echo(f"skipped {result['skipped_images']} unreadable image(s)", err=True)


@ssl.command(
    "export",
    epilog=example(
        "hw1 ssl export runs/ssl/last.pt backbone.pt", "hw1 ssl export runs/cls/best.pt supervised_backbone.pt"
    ),
)
@click.argument("checkpoint", type=click.Path(dir_okay=False))
@click.argument("out_path", metavar="OUT.pt", type=click.Path(dir_okay=False))
def export_command(checkpoint: str, out_path: str) -> None:
    """Write the backbone of CHECKPOINT as a plain torchvision state_dict OUT.pt (load:
    resnet50(weights=None); model.fc = Identity(); load_state_dict(..., strict=True)).

    CHECKPOINT is an SSL run checkpoint (hw1 ssl pretrain: the online backbone) or a classifier
    checkpoint (hw1 cls train: its backbone, e.g. the supervised stand-in for settings B/D).
    """
    from hw1.cli.export import export_any_backbone
    from hw1.cli.paths import require

    require(checkpoint, "CHECKPOINT")
    click.echo(f"backbone written to {export_any_backbone(checkpoint, out_path)}")
