"""The exception types users can cause. The CLI prints them as one line and exits 2."""

from __future__ import annotations


class Hw1Error(Exception):
    """Base of every error a user can cause with bad input; the message names the file and the fix."""


class Hw1DataError(Hw1Error):
    """An input file or folder is missing, unreadable or malformed."""


class Hw1CheckpointError(Hw1Error):
    """A checkpoint or backbone file cannot be loaded safely or does not fit the model."""


def first_line(exc: BaseException) -> str:
    """The first line of ``exc``'s message (its type name when the message is empty): the part of a
    library's exception that fits into a one-line :class:`Hw1Error`."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
