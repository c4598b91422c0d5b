"""The ``hw1`` command tree. Each subgroup lives in its own module next to this one."""

from __future__ import annotations

from importlib import metadata

import click

from hw1.cli import seg_sam  # noqa: F401  (registers 'hw1 seg sam' on the seg group)
from hw1.cli.cls import cls
from hw1.cli.data import data
from hw1.cli.errors import Hw1Group
from hw1.cli.pipeline import demo, pipeline
from hw1.cli.seg import seg
from hw1.cli.ssl import ssl
from hw1.cli.viz import viz

#: Distributions whose versions ``hw1 --version`` prints.
DISTRIBUTIONS = ("hw1-cli", "hw1-core", "hw1-ssl", "hw1-classification", "hw1-segmentation", "hw1-viz")


def _versions() -> str:
    lines = []
    for dist in DISTRIBUTIONS:
        try:
            lines.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            lines.append(f"{dist} (not installed)")
    return "\n".join(lines)


def _print_versions(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(_versions())
        ctx.exit()


@click.group(cls=Hw1Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_versions,
              help="Print the version of every hw1 package and exit.")
def cli() -> None:
    """hw1: self-supervised pre-training, downstream classification (settings A-E) and satellite
    segmentation — the whole DLCV HW1 study, end to end."""


for _command in (data, ssl, cls, seg, viz, pipeline, demo):
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="hw1")


if __name__ == "__main__":
    main()
