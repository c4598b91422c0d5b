"""The CLI's one error path: expected errors print one line and exit 2, never a traceback.

This module imports click only: ``hw1 --help`` must not pay for ``hw1.core`` (which brings torch).
An :class:`hw1.core.errors.Hw1Error` can only have been raised once ``hw1.core.errors`` was
imported, so the check looks the class up in ``sys.modules`` instead of importing it.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

EXIT_BAD_INPUT = 2


def is_hw1_error(exc: BaseException) -> bool:
    """Whether ``exc`` is one of the ``Hw1Error`` hierarchy (without importing hw1.core)."""
    errors = sys.modules.get("hw1.core.errors")
    return errors is not None and isinstance(exc, errors.Hw1Error)


def one_line(message: str) -> str:
    """``message`` with every run of whitespace (newlines included) collapsed to one space."""
    return " ".join(str(message).split())


class Hw1Group(click.Group):
    """A Click group that turns :class:`Hw1Error` (bad input, bad checkpoint …) into
    ``error: <message>`` on stderr and exit code 2. Subgroups inherit the behaviour through the
    root group, which wraps every invocation below it."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if not is_hw1_error(exc):
                raise
            fail(str(exc))


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print one error line and exit (for checks the CLI itself makes, e.g. batch failures)."""
    click.echo(f"error: {one_line(message)}", err=True)
    sys.exit(code)
