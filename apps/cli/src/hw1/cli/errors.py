"""The CLI's one error path: expected errors print one line and exit 2, never a traceback."""

from __future__ import annotations

import sys
from typing import Any

import click

from hw1.core.errors import Hw1Error

EXIT_BAD_INPUT = 2


class Hw1Group(click.Group):
    """A Click group that turns :class:`Hw1Error` (bad input, bad checkpoint …) into
    ``error: <message>`` on stderr and exit code 2. Subgroups inherit the behaviour through the
    root group, which wraps every invocation below it."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Hw1Error as exc:
            message = " ".join(str(exc).split())
            click.echo(f"error: {message}", err=True)
            sys.exit(EXIT_BAD_INPUT)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    """Print one error line and exit (for checks the CLI itself makes, e.g. batch failures)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)
