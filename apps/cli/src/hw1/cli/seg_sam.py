"""``hw1 seg sam``: Segment Anything automatic masks, written as JSON plus an overlay PNG per image.

The masks come from :mod:`hw1.segmentation.sam` (which never draws); the overlays are drawn here
with :func:`hw1.viz.save_sam_overlay`, the only place the two packages meet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hw1.cli.errors import fail
from hw1.cli.options import config_values, example, hidden_alias


def _expand_images(paths: tuple[Path, ...]) -> list[Path]:
    """Image files from IMAGES: files as given, folders expanded to their images (sorted)."""
    from hw1.core import Hw1DataError, is_image_file, list_images

    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(list_images(p))
        elif p.is_file() and is_image_file(p):
            out.append(p)
        elif p.exists():
            raise Hw1DataError(f"{p}: not an image file (expected .jpg/.png/…); pass images or folders")
        else:
            raise Hw1DataError(f"{p}: no such file or folder; check the path")
    if not out:
        raise Hw1DataError("no images found in the given paths")
    return out


@click.command("sam", epilog=example(
    "hw1 seg sam hw1_data/p2_data/validation/0013_sat.jpg --checkpoint sam_vit_h_4b8939.pth --out-dir sam_out",
    "hw1 seg sam images/ --checkpoint sam_vit_b_01ec64.pth --model-type vit_b --refine-with runs/seg_b/best.pt"))
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--checkpoint", required=True, type=click.Path(path_type=Path),
              help="Official SAM weights, e.g. sam_vit_h_4b8939.pth / sam_vit_l_0b3195.pth / sam_vit_b_01ec64.pth.")
@click.option("--model-type", default="vit_h", show_default=True,
              help="vit_h | vit_l | vit_b: the architecture the checkpoint was trained as.")
@hidden_alias("--out", "out_dir", type=click.Path(file_okay=False))
@click.option("--out-dir", "out_dir", default="sam_out", show_default=True, type=click.Path(file_okay=False),
              help="Folder for <stem>_sam.json (masks, RLE) and <stem>_sam.png (overlay).")
@click.option("--points-per-side", default=32, show_default=True, type=int,
              help="Prompt grid: N×N points per image (per crop layer).")
@click.option("--points-per-batch", default=64, show_default=True, type=int,
              help="Points run through the decoder at once (memory vs speed).")
@click.option("--pred-iou-thresh", default=0.88, show_default=True, type=float,
              help="Keep masks whose predicted IoU exceeds this (0 disables).")
@click.option("--stability-score-thresh", default=0.95, show_default=True, type=float,
              help="Keep masks at least this stable (0 disables).")
@click.option("--stability-score-offset", default=1.0, show_default=True, type=float)
@click.option("--box-nms-thresh", default=0.7, show_default=True, type=float,
              help="Box IoU above which duplicate masks are dropped.")
@click.option("--crop-n-layers", default=0, show_default=True, type=int,
              help="Also run on 2^i × 2^i crops for i = 1..N (small objects).")
@click.option("--crop-nms-thresh", default=0.7, show_default=True, type=float)
@click.option("--crop-n-points-downscale-factor", default=1, show_default=True, type=int)
@click.option("--min-mask-region-area", default=0, show_default=True, type=int,
              help="Remove holes/islands smaller than this many pixels (needs OpenCV).")
@click.option("--device", default="auto", show_default=True)
@click.option("--refine-with", default=None, type=click.Path(dir_okay=False),
              help="A land-cover checkpoint (hw1 seg train): its prediction, snapped to the SAM regions by "
                   "majority vote, is written to OUT/refined/xxxx_mask.png.")
@click.option("--overlay/--no-overlay", default=True, show_default=True, help="Also write <stem>_sam.png.")
def seg_sam(images: tuple[Path, ...], overlay: bool, **options: Any) -> None:
    """Run SAM's automatic mask generator on IMAGES (files or folders).

    Writes OUT/<stem>_sam.json (every mask as uncompressed RLE with area, bbox, predicted IoU and
    stability score) and OUT/<stem>_sam.png (masks over the image, largest first, one colour each).
    Exits 1 when some images failed (listed; the others are written), 2 on a bad checkpoint.
    """
    import numpy as np

    from hw1.segmentation.sam import SamConfig, masks_from_records, segment_images
    from hw1.viz import save_sam_overlay

    options = config_values(options)
    options["checkpoint"] = str(options["checkpoint"])
    config = SamConfig(**options)
    paths = _expand_images(images)
    out_dir = Path(config.out_dir)

    def write_overlay(image_path: Path, rgb: np.ndarray, records: list[dict[str, Any]], _json: Path) -> None:
        save_sam_overlay(rgb, masks_from_records(records), out_dir / f"{image_path.stem}_sam.png")

    report = segment_images(config, paths, on_image=write_overlay if overlay else None)
    for name, count in report.mask_counts.items():
        click.echo(f"{name}: {count} masks")
    click.echo(f"wrote {len(report.written)} mask file(s) to {out_dir}")
    if report.refined:
        click.echo(f"wrote {len(report.refined)} SAM-refined land-cover mask(s) to {out_dir / 'refined'}")
    if report.failed:
        for _path, message in report.failed:
            click.echo(f"failed: {message}", err=True)
        fail(f"{len(report.failed)} image(s) could not be segmented (listed above); the others were written", code=1)
