"""Progress bars that stay quiet where nobody is watching (not a TTY, or not rank 0)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # tqdm costs ~70 ms to import: light commands that draw no bar never pay it
    from tqdm.std import tqdm

T = TypeVar("T")


def _on_main_process() -> bool:
    """Rank 0 or not distributed. A process group needs torch, so until torch is imported this is
    rank 0 without importing it (light commands such as ``hw1 seg evaluate`` stay torch-free)."""
    if "torch" not in sys.modules:
        return True
    from hw1.core.distributed import is_main_process as rank_zero

    return rank_zero()


def progress_enabled(stream: Any = None) -> bool:
    """Whether to draw a bar: rank 0, an interactive terminal, and ``HW1_PROGRESS`` not ``0``.
    ``HW1_PROGRESS=1`` forces bars on (e.g. in a CI log)."""
    if (forced := os.environ.get("HW1_PROGRESS")) is not None:
        return forced != "0" and _on_main_process()
    return _on_main_process() and bool(getattr(stream or sys.stderr, "isatty", lambda: False)())


def progress(
    iterable: Iterable[T] | None = None, *, leave: bool = False, enabled: bool | None = None, **kwargs: Any
) -> tqdm:
    """A tqdm bar over ``iterable`` (or a manual bar when ``iterable`` is None; ``desc``, ``total``,
    ``unit`` … go to tqdm) that is disabled when :func:`progress_enabled` says so, or when ``enabled=False``."""
    from tqdm.std import tqdm  # not tqdm.auto: its asyncio class calls iter() once more (a second DataLoader)

    on = progress_enabled() if enabled is None else (enabled and _on_main_process())
    return tqdm(iterable, leave=leave, disable=not on, dynamic_ncols=True, **kwargs)
