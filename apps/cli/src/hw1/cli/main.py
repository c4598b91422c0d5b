"""The ``hw1`` command tree. Each group lives in its own module and is imported only when used, so
``hw1 --help`` and ``hw1 --version`` start instantly (no torch) and a group whose library is not
installed is listed with the line that installs it."""

from __future__ import annotations

import click

from hw1.cli.lazy import LazyCommand, LazyGroup
from hw1.cli.options import example

#: Distributions whose versions ``hw1 --version`` prints.
DISTRIBUTIONS = ("hw1-cli", "hw1-core", "hw1-ssl", "hw1-classification", "hw1-segmentation", "hw1-viz")

_STUDY = ("hw1.ssl", "hw1.classification", "hw1.segmentation", "hw1.viz")

#: Every command of ``hw1``: where it lives, what it needs, its line in ``hw1 --help``.
COMMANDS = {
    "data": LazyCommand("hw1.cli.data:data", summary="Generate synthetic data sets and check real ones."),
    "ssl": LazyCommand(
        "hw1.cli.ssl:ssl", ("hw1.ssl",), "Self-supervised pre-training (BYOL and friends) and backbone export."
    ),
    "cls": LazyCommand(
        "hw1.cli.cls:cls",
        ("hw1.classification",),
        "Downstream classification on Office-Home: settings A-E, prediction.",
    ),
    "seg": LazyCommand(
        "hw1.cli.seg:seg",
        ("hw1.segmentation",),
        "Satellite-image segmentation: train, predict, evaluate (official mIoU), SAM.",
    ),
    "viz": LazyCommand(
        "hw1.cli.viz:viz",
        ("hw1.viz", "hw1.segmentation"),
        "Figures: t-SNE, mask overlays, stage panels, training curves, confusion matrices.",
    ),
    "pipeline": LazyCommand(
        "hw1.cli.pipeline:pipeline", _STUDY, "Run the whole study on an hw1_data/ tree and write report.md."
    ),
    "demo": LazyCommand("hw1.cli.pipeline:demo", _STUDY, "The whole study on generated data, sized for a laptop CPU."),
    "handin": LazyCommand(
        "hw1.cli.handin:handin",
        ("hw1.classification", "hw1.segmentation"),
        "The course's hand-in: compact checkpoints for hw1_1.sh and hw1_2.sh.",
    ),
}


def installed_versions() -> dict[str, str]:
    """The version of every installed distribution of :data:`DISTRIBUTIONS`, in that order."""
    from importlib import metadata  # 30 ms: only for --version and the report

    versions = {}
    for dist in DISTRIBUTIONS:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return versions


def _print_versions(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        versions = installed_versions()
        click.echo("\n".join(f"{dist} {versions.get(dist, '(not installed)')}" for dist in DISTRIBUTIONS))
        ctx.exit()


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=example(
        "hw1 demo --out-dir runs/demo          # the whole study on generated data",
        "hw1 pipeline --data hw1_data --out-dir runs/study",
    ),
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_versions,
    help="Print the version of every hw1 package and exit.",
)
def cli() -> None:
    """hw1: self-supervised pre-training, downstream classification (settings A-E) and satellite
    segmentation — the whole DLCV HW1 study, end to end."""


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="hw1")


if __name__ == "__main__":
    main()
