"""``hw1 data``: generate synthetic study data and check real data folders.

The synthetic generators register here from the modules of the packages that own them
(``synth-seg`` in :mod:`hw1.cli.seg`, ``synth-cls`` in :mod:`hw1.cli.cls`).
"""

from __future__ import annotations

from pathlib import Path

import click

from hw1.cli.errors import fail
from hw1.core import Hw1DataError, list_images, open_image, progress


@click.group()
def data() -> None:
    """Generate synthetic data sets and check real ones."""


@data.command("check-images")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--recursive/--no-recursive", default=True, show_default=True, help="Descend into sub-folders.")
def check_images(folder: Path, recursive: bool) -> None:
    """Open every image in FOLDER the way training does and list the ones that fail.

    Exits 0 when all images decode, 1 when some do not (each is listed on stderr), 2 when the
    folder is missing or holds no images.
    """
    files = list_images(folder, recursive=recursive)
    if not files:
        raise Hw1DataError(f"{folder}: no image files found; point to the folder that holds the images")
    bad = 0
    for path in progress(files, desc="checking", unit="img"):
        try:
            open_image(path)
        except Hw1DataError as exc:
            bad += 1
            click.echo(f"bad: {exc}", err=True)
    click.echo(f"{len(files) - bad} of {len(files)} images OK in {folder}")
    if bad:
        fail(f"{bad} unreadable image(s) in {folder}; fix or remove the files listed above", code=1)
