"""One backbone export for every run checkpoint: ``hw1 ssl export`` (alias ``hw1 cls export-backbone``).

The checkpoint's ``format`` says which library wrote it; that library exports its backbone.
"""

from __future__ import annotations

import importlib
from pathlib import Path

#: Library that writes each run-checkpoint kind, and the name of its format constant.
_EXPORTERS = (
    ("hw1.ssl", "hw1.ssl.run_checkpoint", "hw1 ssl pretrain"),
    ("hw1.classification", "hw1.classification.checkpoint", "hw1 cls train"),
)


def _format_of(module_name: str) -> str | None:
    try:
        module = importlib.import_module(module_name)
    except ImportError:  # that library is not installed: its checkpoints cannot be exported here
        return None
    return getattr(module, "CHECKPOINT_FORMAT", None) or getattr(module, "FORMAT", None)


def export_any_backbone(checkpoint: str | Path, out_path: str | Path) -> Path:
    """Write the backbone of ``checkpoint`` (an ``hw1 ssl pretrain`` or ``hw1 cls train`` run
    checkpoint) as a plain torchvision state_dict ``out_path``; :class:`Hw1CheckpointError` naming
    the file and what it is otherwise."""
    from hw1.core import Hw1CheckpointError, load_checkpoint

    state = load_checkpoint(checkpoint)
    found = state.get("format") if isinstance(state, dict) else None
    del state
    for package, module_name, _writer in _EXPORTERS:
        if found is not None and found == _format_of(module_name):
            return Path(importlib.import_module(package).export_backbone(checkpoint, out_path))
    writers = " or ".join(f"'{w}'" for _p, _m, w in _EXPORTERS)
    raise Hw1CheckpointError(
        f"{checkpoint}: not a run checkpoint (format {found!r}); pass last.pt or best.pt of {writers}"
    )
