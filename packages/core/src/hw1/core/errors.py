"""The exception types users can cause. The CLI prints them as one line and exits 2."""

from __future__ import annotations


class Hw1Error(Exception):
    """Base of every error a user can cause with bad input; the message names the file and the fix."""


class Hw1DataError(Hw1Error):
    """An input file or folder is missing, unreadable or malformed."""


class Hw1CheckpointError(Hw1Error):
    """A checkpoint or backbone file cannot be loaded safely or does not fit the model."""
