"""``hw1 data``: generate synthetic study data and check real data folders.

The synthetic generators register here from the modules of the packages that own them
(``synth-seg`` in :mod:`hw1.cli.seg`, ``synth-cls`` in :mod:`hw1.cli.cls`).
"""

from __future__ import annotations

from pathlib import Path

import click

from hw1.cli.errors import fail
from hw1.core import Hw1DataError, list_images, open_image, progress

#: Sizes of ``hw1 data synth`` per profile (the pipeline's budgets): keyword arguments of
#: ``synth-cls`` and ``synth-seg``.
SYNTH_SIZES = {
    "micro": ({"n_train_per_class": 2, "n_val_per_class": 1, "n_mini": 64, "size": 32, "mini_size": 32},
              {"n_train": 16, "n_val": 8, "size": 64}),
    "tiny": ({"n_train_per_class": 8, "n_val_per_class": 3, "n_mini": 640, "size": 64},
             {"n_train": 100, "n_val": 110, "size": 192}),
    "small": ({"n_train_per_class": 40, "n_val_per_class": 6, "n_mini": 6400, "size": 128},
              {"n_train": 600, "n_val": 257, "size": 512}),
    "full": ({"n_train_per_class": 60, "n_val_per_class": 6, "n_mini": 38400, "size": 128},
             {"n_train": 2000, "n_val": 257, "size": 512}),
}


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


@data.command("synth")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--profile", default="tiny", show_default=True, type=click.Choice(list(SYNTH_SIZES)),
              help="How much data: tiny for a CPU demo, full for the study's sizes.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.pass_context
def synth(ctx: click.Context, out_dir: Path, profile: str, seed: int) -> None:
    """Write a complete synthetic hw1_data/ tree: OUT_DIR/p1_data (synth-cls: Office-Home-shaped
    labeled set and Mini-ImageNet-shaped unlabeled set) and OUT_DIR/p2_data (synth-seg: satellite
    pairs)."""
    cls_sizes, seg_sizes = SYNTH_SIZES[profile]
    ctx.invoke(data.commands["synth-cls"], out_dir=str(out_dir / "p1_data"), seed=seed, **cls_sizes)
    ctx.invoke(data.commands["synth-seg"], out_dir=str(out_dir / "p2_data"), seed=seed, **seg_sizes)
