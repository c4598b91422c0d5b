"""One backbone export for every run checkpoint: ``hw1 ssl export`` (alias ``hw1 cls export-backbone``).

The checkpoint's ``format`` says which library wrote it; that library exports its backbone.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection
from pathlib import Path

#: Library that writes each run-checkpoint kind, the module of its ``CHECKPOINT_FORMAT``, and its command.
_EXPORTERS = (
    ("hw1.ssl", "hw1.ssl.run_checkpoint", "hw1 ssl pretrain"),
    ("hw1.classification", "hw1.classification.checkpoint", "hw1 cls train"),
)


def checkpoint_format(checkpoint: str | Path, accepted: Collection[str], what: str, fix: str) -> str:
    """The ``format`` of ``checkpoint`` (loaded safely) when it is ``accepted``, else
    :class:`Hw1CheckpointError` ``<file>: not a <what> (format …); <fix>``."""
    from hw1.core import Hw1CheckpointError, load_checkpoint

    state = load_checkpoint(checkpoint)
    found = state.get("format") if isinstance(state, dict) else type(state).__name__
    if found not in accepted:
        raise Hw1CheckpointError(f"{checkpoint}: not a {what} (format {found!r}); {fix}")
    return found


def library_format(module_name: str) -> str | None:
    """The ``CHECKPOINT_FORMAT`` of the library module ``module_name``; None when that library is not installed."""
    try:
        return importlib.import_module(module_name).CHECKPOINT_FORMAT
    except ImportError:  # that library is not installed: its checkpoints cannot be exported here
        return None


def export_any_backbone(checkpoint: str | Path, out_path: str | Path) -> Path:
    """Write the backbone of ``checkpoint`` (an ``hw1 ssl pretrain`` or ``hw1 cls train`` run
    checkpoint) as a plain torchvision state_dict ``out_path``; :class:`Hw1CheckpointError` naming
    the file and what it is otherwise."""
    libraries = {fmt: package for package, module, _ in _EXPORTERS if (fmt := library_format(module))}
    writers = " or ".join(f"'{writer}'" for _p, _m, writer in _EXPORTERS)
    found = checkpoint_format(checkpoint, libraries, "run checkpoint", f"pass last.pt or best.pt of {writers}")
    return Path(importlib.import_module(libraries[found]).export_backbone(checkpoint, out_path))
