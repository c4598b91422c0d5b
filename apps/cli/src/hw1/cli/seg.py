"""``hw1 seg``: Satellite-image segmentation: train, predict, evaluate (official mIoU), SAM."""

from __future__ import annotations

import click


@click.group()
def seg() -> None:
    """Satellite-image segmentation: train, predict, evaluate (official mIoU), SAM."""
