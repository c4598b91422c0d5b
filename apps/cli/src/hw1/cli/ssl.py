"""``hw1 ssl``: Self-supervised pre-training (BYOL and friends) and backbone export.

Thin: each command turns its options into the library's arguments (``PretrainConfig`` field by
field), calls one function of :mod:`hw1.ssl` and prints the result.
"""

from __future__ import annotations

from typing import Any

import click

from hw1.core.errors import Hw1Error


def _parse_method_options(values: tuple[str, ...]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs into a dict, values as int, float, bool or string."""
    out: dict[str, Any] = {}
    for item in values:
        if "=" not in item:
            raise Hw1Error(f"--method-option {item!r}: expected KEY=VALUE, e.g. hidden_dim=1024")
        key, raw = (s.strip() for s in item.split("=", 1))
        value: Any = raw
        for convert in (int, float):
            try:
                value = convert(raw)
                break
            except ValueError:
                continue
        if raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        out[key.replace("-", "_")] = value
    return out


@click.group()
def ssl() -> None:
    """Self-supervised pre-training (BYOL and friends) and backbone export."""


@ssl.command("methods")
def methods_command() -> None:
    """List the SSL methods and their options (for --method and --method-option)."""
    from hw1.ssl import list_methods, method_defaults

    for name in list_methods():
        opts = ", ".join(f"{k}={v}" for k, v in method_defaults(name).items())
        click.echo(f"{name}: {opts}")


@ssl.command("pretrain")
@click.option("--images", required=True, help="Folder of unlabeled images (searched recursively).")
@click.option("--out", default="ssl_run", show_default=True, help="Run folder (last.pt, metrics.jsonl, config.json).")
@click.option("--method", default="byol", show_default=True, help="SSL method: byol, simclr, moco, simsiam, barlow_twins, vicreg.")
@click.option("--method-option", "method_options", multiple=True, metavar="KEY=VALUE",
              help="Method option, repeatable (e.g. hidden_dim=1024, momentum_start=0.996); see 'hw1 ssl methods'.")
@click.option("--backbone", default="resnet50", show_default=True, help="torchvision ResNet name or timm:NAME.")
@click.option("--backbone-weights", default=None, help="Start from weights: imagenet or a backbone file (default: random init).")
@click.option("--epochs", default=100, show_default=True, type=int)
@click.option("--batch-size", default=256, show_default=True, type=int, help="Per process.")
@click.option("--workers", default=4, show_default=True, type=int, help="DataLoader worker processes.")
@click.option("--image-size", default=128, show_default=True, type=int)
@click.option("--min-scale", default=None, type=float, help="Random-resized-crop minimum area (default: the method paper's).")
@click.option("--color-jitter-strength", default=None, type=float, help="Colour-jitter multiplier (default: the paper's).")
@click.option("--optimizer", default="adamw", show_default=True, type=click.Choice(["adam", "adamw", "lars", "sgd"]))
@click.option("--lr", default=1e-3, show_default=True, type=float, help="Peak learning rate.")
@click.option("--weight-decay", default=1e-6, show_default=True, type=float)
@click.option("--momentum", default=0.9, show_default=True, type=float, help="SGD/LARS momentum.")
@click.option("--warmup-epochs", default=10.0, show_default=True, type=float)
@click.option("--min-lr-ratio", default=0.0, show_default=True, type=float)
@click.option("--device", default="auto", show_default=True)
@click.option("--precision", default="auto", show_default=True, type=click.Choice(["auto", "fp32", "bf16", "fp16"]),
              help="auto: bf16 where the hardware has it natively, fp16 on older GPUs, else fp32.")
@click.option("--channels-last/--no-channels-last", default=True, show_default=True)
@click.option("--compile/--no-compile", "compile_", default=False, show_default=True, help="torch.compile the model.")
@click.option("--sync-batchnorm/--no-sync-batchnorm", default=False, show_default=True, help="SyncBatchNorm under DDP.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--deterministic/--no-deterministic", default=False, show_default=True)
@click.option("--save-every", default=0, show_default=True, type=int, help="Also keep epoch_NNNN.pt every N epochs.")
@click.option("--resume/--no-resume", default=False, show_default=True, help="Continue from OUT/last.pt.")
@click.option("--verify-images/--no-verify-images", default=True, show_default=True,
              help="Decode every image once at start and skip unreadable ones.")
@click.option("--knn-train-csv", default=None, help="kNN monitor bank: CSV id,filename,label.")
@click.option("--knn-val-csv", default=None, help="kNN monitor queries: CSV id,filename,label.")
@click.option("--knn-train-images", default=None, help="Images of --knn-train-csv (default: the CSV's folder).")
@click.option("--knn-val-images", default=None, help="Images of --knn-val-csv (default: the CSV's folder).")
@click.option("--knn-every", default=1, show_default=True, type=int, help="kNN monitor every N epochs.")
@click.option("--knn-k", default=20, show_default=True, type=int)
@click.option("--knn-temperature", default=0.1, show_default=True, type=float)
def pretrain_command(method_options: tuple[str, ...], compile_: bool, **options: Any) -> None:
    """Self-supervised pre-training on a folder of unlabeled images (under torchrun: DDP)."""
    from hw1.core.distributed import is_main_process
    from hw1.ssl import PretrainConfig, pretrain

    config = PretrainConfig(method_options=_parse_method_options(method_options), compile=compile_, **options)
    result = pretrain(config)
    if is_main_process():
        m = result["metrics"]
        click.echo(f"run: {result['run_dir']}  checkpoint: {result['last_checkpoint']}")
        line = f"epoch {result['epoch']}  step {result['step']}  loss {m.get('loss', float('nan')):.4f}"
        line += f"  feature_std {m.get('feature_std', float('nan')):.4f}"
        if result["knn_top1"] is not None:
            line += f"  knn_top1 {result['knn_top1']:.4f}"
        click.echo(line + f"  ({result['seconds']:.1f} s)")
        if result["skipped_images"]:
            click.echo(f"skipped {result['skipped_images']} unreadable image(s)", err=True)


@ssl.command("export")
@click.argument("checkpoint")
@click.argument("out")
def export_command(checkpoint: str, out: str) -> None:
    """Write the online backbone of CHECKPOINT as a plain torchvision state_dict OUT.pt
    (load: resnet50(weights=None); model.fc = Identity(); load_state_dict(..., strict=True))."""
    from hw1.ssl import export_backbone

    click.echo(str(export_backbone(checkpoint, out)))
