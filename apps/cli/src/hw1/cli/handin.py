"""``hw1 handin``: the course's hand-in. ``export`` turns a training run's best checkpoint into the
compact checkpoint that ``hw1_1.sh`` / ``hw1_2.sh`` load (weights only, fp16 where the predictions
stay the same) and prints its size. Nothing here imports torch until the command runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from hw1.cli.options import example, resolve

#: Module of each training library's ``CHECKPOINT_FORMAT`` -> its hand-in export, where the graded scripts look
#: for its output (relative to the repository root), and the default number of probe images.
_EXPORTS = {
    "hw1.classification.checkpoint": (
        "hw1.classification.handin:export_classifier_handin",
        Path("checkpoints/hw1_1_setting_C.pt"),
        16,
    ),
    "hw1.segmentation.checkpoint": (
        "hw1.segmentation.handin:export_segmentation_handin",
        Path("checkpoints/seg_best.pt"),
        2,
    ),
}
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


@click.group(epilog=example("hw1 handin export runs/seg_b/best.pt checkpoints/seg_best.pt"))
def handin() -> None:
    """The course's hand-in: compact checkpoints for hw1_1.sh and hw1_2.sh."""


def _probe_files(folder: Path | None, count: int) -> list[Path]:
    if folder is None:
        return []
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES and not p.stem.endswith("_mask"))
    if not files:
        from hw1.core import Hw1DataError

        raise Hw1DataError(f"{folder}: no .jpg/.png images to probe with; pass a folder of images to --probe-dir")
    return files[:count]


@handin.command(
    "export",
    epilog=example(
        "hw1 handin export runs/cls/C/best.pt                    # -> checkpoints/hw1_1_setting_C.pt",
        "hw1 handin export runs/seg_b/best.pt --probe-dir hw1_data/p2_data/validation",
    ),
)
@click.argument("checkpoint", type=click.Path(path_type=Path))
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--fp32",
    "keep_fp32",
    is_flag=True,
    help="Keep the weights in fp32 (still weights only); default: fp16 where predictions stay the same.",
)
@click.option(
    "--probe-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Check the compact model's predictions on images from this folder (default: seeded noise images).",
)
@click.option(
    "--probe-count",
    type=click.IntRange(min=1),
    help="How many probe images (default: 2 for segmentation, 16 for classification).",
)
def export(
    checkpoint: Path, out: Path | None, keep_fp32: bool, probe_dir: Path | None, probe_count: int | None
) -> None:
    """Write the hand-in checkpoint of CHECKPOINT (best.pt of 'hw1 cls train' or 'hw1 seg train') to OUT.

    OUT defaults to where the graded scripts look (run it from the repository root):
    checkpoints/hw1_1_setting_C.pt for a classifier,
    checkpoints/seg_best.pt for a segmentation model. The predictions of the compact model are
    compared with the full model's before it is written: the same class on >= 99.9% of probe pixels
    (segmentation) or on every probe image (classification), else fp32 is kept.
    """
    from hw1.cli.export import checkpoint_format, library_format

    exports = {fmt: spec for module, spec in _EXPORTS.items() if (fmt := library_format(module))}
    found = checkpoint_format(
        checkpoint, exports, "training checkpoint of hw1", "pass the best.pt of 'hw1 cls train' or 'hw1 seg train'"
    )
    exporter, default_out, default_count = exports[found]
    count = probe_count or default_count
    report = resolve(exporter)(
        checkpoint,
        out or default_out,
        half=not keep_fp32,
        probe_images=_probe_files(probe_dir, count),
        probe_count=count,
    )
    click.echo(report.summary())
    line = f"{report.out_path.name} <URL> {_sha256(report.out_path)}"
    click.echo(f"checkpoints.txt line (after uploading the file): {line}")


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
