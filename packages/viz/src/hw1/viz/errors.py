"""The one error type of hw1-viz: bad input arrays or files.

hw1-viz depends on no other hw1 package, so it cannot raise ``hw1.core.Hw1DataError`` itself;
the ``hw1 viz`` commands turn :class:`VizInputError` into that error (one line, exit 2).
It subclasses :class:`ValueError` so plain library users can catch it without importing it.
"""

from __future__ import annotations


class VizInputError(ValueError):
    """An input array or file cannot be drawn; the message names the input and the fix."""
