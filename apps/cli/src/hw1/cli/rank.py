"""The CLI's one rank-0 idiom: under torchrun only rank 0 prints results.

It reads ``RANK`` (set by torchrun for every process) rather than asking torch.distributed: the
training functions leave the process group they joined before they return, so by the time a
command prints, the environment is the one thing that still knows the rank.
"""

from __future__ import annotations

import os


def is_rank_zero() -> bool:
    """True in a single process and in the rank-0 process of a torchrun launch."""
    return os.environ.get("RANK", "0") == "0"
