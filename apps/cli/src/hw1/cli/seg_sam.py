"""``hw1 seg sam``: Segment Anything automatic masks, written as JSON plus an overlay PNG per image.

The masks come from :mod:`hw1.segmentation.sam` (which never draws); the overlays are drawn here
with :func:`hw1.viz.save_sam_overlay`, the only place the two packages meet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hw1.cli.errors import fail
from hw1.cli.options import ConfigCommand, current_config, example


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


def segment_with_overlays(config: Any, paths: list[Path], *, overlay: bool = True) -> Any:
    """:func:`hw1.segmentation.sam.segment_images` of ``paths`` under ``config``, also drawing each
    image's masks to ``OUT/<stem>_sam.png`` with ``overlay``; returns its report."""
    from hw1.segmentation.sam import masks_from_records, segment_images
    from hw1.viz import save_sam_overlay

    def write_overlay(image_path: Path, rgb: Any, records: list[dict[str, Any]], _json: Path) -> None:
        save_sam_overlay(rgb, masks_from_records(records), Path(config.out_dir) / f"{image_path.stem}_sam.png")

    return segment_images(config, paths, on_image=write_overlay if overlay else None)


@click.command(
    "sam",
    cls=ConfigCommand,
    config="hw1.segmentation.sam:SamConfig",
    required=("checkpoint",),
    overrides={"checkpoint": {"type": click.Path(dir_okay=False)}, "refine_with": {"type": click.Path(dir_okay=False)}},
    epilog=example(
        "hw1 seg sam hw1_data/p2_data/validation/0013_sat.jpg --checkpoint sam_vit_h_4b8939.pth --out-dir sam_out",
        "hw1 seg sam images/ --checkpoint sam_vit_b_01ec64.pth --model-type vit_b --refine-with runs/seg_b/best.pt",
    ),
)
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--overlay/--no-overlay", default=True, show_default=True, help="Also write <stem>_sam.png.")
def seg_sam(images: tuple[Path, ...], overlay: bool, **options: Any) -> None:
    """Run SAM's automatic mask generator on IMAGES (files or folders).

    Writes OUT/<stem>_sam.json (every mask as uncompressed RLE with area, bbox, predicted IoU and
    stability score) and OUT/<stem>_sam.png (masks over the image, largest first, one colour each).
    Exits 1 when some images failed (listed; the others are written), 2 on a bad checkpoint.
    """
    config = current_config(options)
    out_dir = Path(config.out_dir)
    report = segment_with_overlays(config, _expand_images(images), overlay=overlay)
    for name, count in report.mask_counts.items():
        click.echo(f"{name}: {count} masks")
    click.echo(f"wrote {len(report.written)} mask file(s) to {out_dir}")
    if report.refined:
        click.echo(f"wrote {len(report.refined)} SAM-refined land-cover mask(s) to {out_dir / 'refined'}")
    if report.failed:
        for _path, message in report.failed:
            click.echo(f"failed: {message}", err=True)
        fail(f"{len(report.failed)} image(s) could not be segmented (listed above); the others were written", code=1)
