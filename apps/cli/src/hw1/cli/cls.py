"""``hw1 cls``: Downstream classification on Office-Home: settings A-E, prediction."""

from __future__ import annotations

import click


@click.group()
def cls() -> None:
    """Downstream classification on Office-Home: settings A-E, prediction."""
