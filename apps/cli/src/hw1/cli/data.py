"""``hw1 data``: generate synthetic study data and check real data folders.

The synthetic generators live with the packages that own them (``synth-seg`` in :mod:`hw1.cli.seg`,
``synth-cls`` in :mod:`hw1.cli.cls`) and load lazily; the sizes of ``synth`` per profile are the
study's profiles (:mod:`hw1.cli.study.profiles`), defined there only.
"""

from __future__ import annotations

from pathlib import Path

import click

from hw1.cli.errors import fail
from hw1.cli.lazy import LazyCommand, LazyGroup
from hw1.cli.options import example

#: Profile names of ``hw1 data synth`` (checked against the study's profiles when it runs).
PROFILE_NAMES = ("micro", "tiny", "small", "full")


@click.group(
    cls=LazyGroup,
    lazy={
        "synth-cls": LazyCommand("hw1.cli.cls:synth_cls", ("hw1.classification",)),
        "synth-seg": LazyCommand("hw1.cli.seg:data_synth_seg", ("hw1.segmentation",)),
    },
    epilog=example("hw1 data synth hw1_data --profile tiny"),
)
def data() -> None:
    """Generate synthetic data sets and check real ones."""


@data.command("check-images", epilog=example("hw1 data check-images hw1_data/p1_data/mini/train"))
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--recursive/--no-recursive", default=True, show_default=True, help="Descend into sub-folders.")
def check_images(folder: Path, recursive: bool) -> None:
    """Open every image in FOLDER the way training does and list the ones that fail.

    Exits 0 when all images decode, 1 when some do not (each is listed on stderr), 2 when the
    folder is missing or holds no images.
    """
    from hw1.core import Hw1DataError, list_images, open_image, progress

    files = list_images(folder, recursive=recursive)
    if not files:
        raise Hw1DataError(f"{folder}: no image files found; point FOLDER at the folder that holds the images")
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


@data.command(
    "synth",
    epilog=example(
        "hw1 data synth hw1_data --profile tiny", "hw1 pipeline --data hw1_data --profile tiny --out-dir runs/study"
    ),
)
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--profile",
    default="tiny",
    show_default=True,
    type=click.Choice(PROFILE_NAMES),
    help="How much data: micro/tiny for a CPU demo (tiny by default, like 'hw1 demo'), full for the study's sizes "
    "('hw1 pipeline' defaults to full because it runs real data; pass it the same --profile).",
)
@click.option("--seed", default=0, show_default=True, type=int)
def synth(out_dir: Path, profile: str, seed: int) -> None:
    """Write a complete synthetic hw1_data/ tree: OUT_DIR/p1_data (an Office-Home-shaped labeled
    set and a Mini-ImageNet-shaped unlabeled set) and OUT_DIR/p2_data (satellite pairs), sized by
    the study profile PROFILE."""
    from hw1.cli.pipeline import generate_study_data
    from hw1.cli.study.profiles import get_profile

    root = generate_study_data(out_dir, get_profile(profile), seed=seed)
    click.echo(f"wrote the {profile} data set to {root}")
