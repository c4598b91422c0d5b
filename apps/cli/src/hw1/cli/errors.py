"""The CLI's one error path: expected errors print one line and exit 2, never a traceback.

This module imports click only: ``hw1 --help`` must not pay for ``hw1.core`` (which brings torch).
An error class can only have been raised once its module was imported, so the check looks the
classes up in ``sys.modules`` instead of importing them.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

EXIT_BAD_INPUT = 2
#: The errors that mean bad input: the ``Hw1Error`` hierarchy, and hw1-viz's own (it knows no hw1.core).
_INPUT_ERRORS = {"hw1.core.errors": "Hw1Error", "hw1.viz.errors": "VizInputError"}


def is_hw1_error(exc: BaseException) -> bool:
    """Whether ``exc`` is bad input: an ``Hw1Error`` or hw1-viz's ``VizInputError`` (imports neither)."""
    return any(isinstance(exc, getattr(sys.modules[m], c)) for m, c in _INPUT_ERRORS.items() if m in sys.modules)


class Hw1Group(click.Group):
    """A Click group that turns bad input (:class:`Hw1Error`, bad checkpoint, ``VizInputError`` …) into
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
    click.echo(f"error: {' '.join(str(message).split())}", err=True)  # newlines too: one line
    sys.exit(code)
