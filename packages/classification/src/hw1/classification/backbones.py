"""The study's backbone sources on hw1-core's strict loader (:func:`hw1.core.load_backbone_file`).

A *backbone spec* is ``"random"`` (also ``None``/``"none"``/``"scratch"``: random init, setting A),
``"imagenet"`` (published torchvision weights; needs network access), or the path of a backbone
file in any form hw1-core accepts, as segmentation encoders do: the TA's full torchvision
``state_dict`` with a 1000-way ``fc`` (``pretrain_model_SL.pt``; ``fc.*`` is dropped), an
``hw1 ssl export`` or :func:`hw1.classification.checkpoint.export_backbone` file, keys under
DDP / torch.compile / SSL-framework prefixes, lightly's numbered ``nn.Sequential`` backbones, or a
classification run checkpoint (``best.pt``: its backbone part). Missing keys, unknown keys and
shape mismatches are a :class:`~hw1.core.Hw1CheckpointError` listing them; nothing is ever loaded
partially.
"""

from __future__ import annotations

import os
from pathlib import Path

from torch import nn

from hw1.core import Hw1CheckpointError, create_backbone, load_backbone_file

RANDOM_SPECS = ("random", "none", "scratch", "")


def is_random_spec(spec: str | os.PathLike[str] | None) -> bool:
    """True when ``spec`` asks for a randomly initialised backbone."""
    return spec is None or str(spec).strip().lower() in RANDOM_SPECS


def load_backbone(spec: str | os.PathLike[str] | None, arch: str = "resnet50") -> tuple[nn.Module, str]:
    """Build the ``arch`` backbone (pooled features, ``.num_features``) initialised from ``spec``
    and return it with a one-line description of where its weights came from.

    ``spec``: ``"random"``/``None`` (random init), ``"imagenet"`` (published weights) or the path of
    a backbone file in any supported form. A missing file or one that does not fit ``arch`` raises
    :class:`Hw1CheckpointError` naming the file and listing the offending keys.
    """
    if is_random_spec(spec):
        return create_backbone(arch, weights=None), "random init"
    text = str(spec)
    if text.lower() in ("imagenet", "default") or text.upper().startswith("IMAGENET1K"):
        return create_backbone(arch, weights=text), f"published {text} weights"
    path = Path(text)
    if not path.is_file():
        raise Hw1CheckpointError(f"{path}: backbone file not found; pass an existing file, 'random' or 'imagenet'")
    model = create_backbone(arch, weights=None)
    report = load_backbone_file(model, path)
    detail = []
    if report.stripped_prefix:
        detail.append(f"prefix {report.stripped_prefix!r} stripped")
    if report.dropped_head_keys:
        detail.append(f"{len(report.dropped_head_keys)} classifier keys dropped")
    return model, f"{path} ({report.loaded_keys} tensors{', ' + ', '.join(detail) if detail else ''})"
