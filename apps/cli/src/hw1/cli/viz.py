"""``hw1 viz``: Figures: t-SNE, mask overlays, stage panels, training curves."""

from __future__ import annotations

import click


@click.group()
def viz() -> None:
    """Figures: t-SNE, mask overlays, stage panels, training curves."""
