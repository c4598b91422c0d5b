"""``hw1 ssl``: Self-supervised pre-training (BYOL and friends) and backbone export."""

from __future__ import annotations

import click


@click.group()
def ssl() -> None:
    """Self-supervised pre-training (BYOL and friends) and backbone export."""
