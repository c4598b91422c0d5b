"""The study's backbone sources on hw1-core's strict loader.

A *backbone spec* is ``"random"`` (also ``None``/``"none"``/``"scratch"``: random init, setting A),
``"imagenet"`` (published torchvision weights; needs network access), or the path of a backbone
file in any of the forms the study meets:

* a TA-style full torchvision ``state_dict`` with a 1000-way ``fc`` (``pretrain_model_SL.pt``):
  the ``fc.*`` keys are dropped;
* an hw1-ssl export or :func:`hw1.classification.checkpoint.export_backbone` output (plain
  torchvision ``state_dict`` without ``fc``);
* state_dicts whose keys carry ``module.`` (DDP), ``_orig_mod.`` (torch.compile), ``backbone.``
  (lightly), ``net.`` / ``online_network.`` / ``online_encoder.net.`` (byol-pytorch) prefixes,
  possibly nested under ``state_dict`` / ``model``;
* lightly's ``nn.Sequential(*list(resnet.children())[:-1])`` backbones, whose keys are numbered
  (``backbone.0.weight`` = ``conv1.weight``, ``backbone.4.0.conv1.weight`` =
  ``layer1.0.conv1.weight``): renumbered to torchvision names;
* an hw1-classification run checkpoint (``best.pt``): its backbone part.

Missing keys, unknown keys and shape mismatches are a :class:`~hw1.core.Hw1CheckpointError`
listing them; nothing is ever loaded partially.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import torch
from torch import nn

from hw1.core import (
    BackboneLoadReport,
    Hw1CheckpointError,
    create_backbone,
    extract_state_dict,
    load_backbone_state_dict,
    load_checkpoint,
)
from hw1.core.backbone import BACKBONE_PREFIXES

RANDOM_SPECS = ("random", "none", "scratch", "")

#: torchvision ResNet children in order: what a lightly ``nn.Sequential`` backbone numbers 0..7.
RESNET_CHILDREN = ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4")
_NUMBERED = re.compile(r"^(\d+)\.(.*)$")


def is_random_spec(spec: str | os.PathLike[str] | None) -> bool:
    """True when ``spec`` asks for a randomly initialised backbone."""
    return spec is None or str(spec).strip().lower() in RANDOM_SPECS


def renumber_sequential_resnet(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename keys of a ResNet saved as ``nn.Sequential(*children[:-1])`` (``0.weight``,
    ``4.1.conv2.weight`` — optionally under a framework prefix such as ``backbone.``) to torchvision
    names (``conv1.weight``, ``layer1.1.conv2.weight``). Keys that do not follow that numbering are
    returned unchanged, so a torchvision-named dict passes through as is."""
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        prefix = ""
        rest = key
        for pre in BACKBONE_PREFIXES:
            if key.startswith(pre) and _NUMBERED.match(key[len(pre):]):
                prefix, rest = pre, key[len(pre):]
                break
        m = _NUMBERED.match(rest)
        if m and int(m.group(1)) < len(RESNET_CHILDREN):
            key = f"{prefix}{RESNET_CHILDREN[int(m.group(1))]}.{m.group(2)}"
        out[key] = value
    return out


def load_backbone_weights(model: nn.Module, state: Any, *, source: str = "<state_dict>") -> BackboneLoadReport:
    """Load any supported backbone state (see the module docstring) into ``model`` strictly.

    Run checkpoints of this package are recognised by their ``format`` and contribute their
    ``backbone.*`` part. Raises :class:`Hw1CheckpointError` listing unknown/missing/mismatched keys.
    """
    if isinstance(state, dict) and str(state.get("format", "")).startswith("hw1-classification/"):
        sd = extract_state_dict(state.get("state_dict", {}), source)
        state = {k[len("backbone."):]: v for k, v in sd.items() if k.startswith("backbone.")}
        if not state:
            raise Hw1CheckpointError(f"{source}: classification checkpoint without backbone weights; re-run training")
    sd = extract_state_dict(state, source)
    if any(_NUMBERED.match(k) or any(k.startswith(p) and _NUMBERED.match(k[len(p):]) for p in BACKBONE_PREFIXES)
           for k in sd):
        sd = renumber_sequential_resnet(sd)
    return load_backbone_state_dict(model, sd, source=source)


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
    report = load_backbone_weights(model, load_checkpoint(path), source=str(path))
    detail = []
    if report.stripped_prefix:
        detail.append(f"prefix {report.stripped_prefix!r} stripped")
    if report.dropped_head_keys:
        detail.append(f"{len(report.dropped_head_keys)} classifier keys dropped")
    return model, f"{path} ({report.loaded_keys} tensors{', ' + ', '.join(detail) if detail else ''})"
