"""Backbone factory (torchvision / timm names) and backbone-file loading, shared by ssl,
classification and segmentation.

A *backbone* here is an image model whose forward returns pooled features of size
``model.num_features`` (a torchvision ResNet with ``fc = Identity()``, or a timm model with
``num_classes=0``). A *backbone file* is a torchvision-compatible ``state_dict``; files with a
classifier (``fc.*``), wrapper prefixes (``module.``, ``_orig_mod.``) or SSL-framework prefixes
(``backbone.``, ``online_network.``, ``net.``, ``encoder.`` …) load too, and so do lightly's
``nn.Sequential(*list(resnet.children())[:-1])`` backbones with numbered keys (``backbone.0.weight`` is
``conv1.weight``, ``backbone.4.0.conv1.weight`` is ``layer1.0.conv1.weight``) and run checkpoints that
keep the backbone under ``state_dict`` → ``backbone.*`` (hw1-classification's ``best.pt``). Any other
unknown key, missing key or shape mismatch is an error that lists them: never a silent partial load.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torchvision
from torch import nn

from hw1.core.checkpoint import load_checkpoint
from hw1.core.errors import Hw1CheckpointError, Hw1Error, first_line

#: Prefixes that training wrappers add to every key (DDP, torch.compile), stripped however often repeated.
_WRAPPERS = re.compile(r"^(?:module\.|_orig_mod\.)+")
#: Prefixes under which SSL frameworks and training scripts keep the backbone, most specific first
#: (byol-pytorch: ``online_encoder.net.`` / ``net.``; lightly: ``backbone.``).
BACKBONE_PREFIXES = (
    "online_encoder.net.",
    "online_network.net.",
    "online_network.encoder.",
    "online_network.backbone.",
    "online_network.",
    "backbone.",
    "encoder.",
    "net.",
    "model.",
    "features.",
)
#: Keys of a classifier head that a backbone file may carry and a backbone does not use.
HEAD_PREFIXES = ("fc.", "head.fc.", "classifier.")
#: Keys in a checkpoint dict under which a state_dict may be nested.
NESTED_KEYS = ("state_dict", "model_state_dict", "model", "backbone", "online_backbone")

WEIGHT_ALIASES = {"imagenet": "DEFAULT", "default": "DEFAULT"}
#: File endings that make a ``weights`` argument a path (see :func:`weights_file`).
WEIGHT_FILE_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt", ".safetensors")
#: torchvision ResNet children in order: what a lightly ``nn.Sequential`` backbone numbers 0..7.
RESNET_CHILDREN = ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4")
#: ``[framework prefix]N.rest``, the prefix tried first to last as in :func:`load_backbone_state_dict`.
_NUMBERED = re.compile("^(" + "|".join(map(re.escape, ("", *BACKBONE_PREFIXES))) + r")(\d+)\.(.*)$")


def list_backbones() -> list[str]:
    """torchvision names this factory builds (ResNet family); any ``timm:NAME`` works as well."""
    names = torchvision.models.list_models(module=torchvision.models)
    return sorted(n for n in names if n.startswith(("resnet", "resnext", "wide_resnet")))


def create_backbone(name: str = "resnet50", weights: str | os.PathLike[str] | None = None) -> nn.Module:
    """Build a feature extractor by name: a torchvision ResNet-family name (``resnet50``) or
    ``timm:NAME`` for any timm model. Its forward returns ``(N, model.num_features)``.

    ``weights``: ``None``/``"none"`` for random init (the default: never pretrained unless asked),
    ``"imagenet"`` (or a torchvision weights enum name such as ``IMAGENET1K_V2``) to download
    published weights, or a path to a backbone file loaded strictly with :func:`load_backbone_file`.
    """
    path = weights_file(weights)
    named = None if path is not None or weights is None or str(weights).lower() == "none" else str(weights)
    if name.startswith("timm:"):
        import timm

        from hw1.core.tiny_resnet import register_builtin_tiny_resnet

        timm_name = name[len("timm:") :]
        register_builtin_tiny_resnet(timm_name)
        try:
            model = timm.create_model(timm_name, pretrained=named is not None, num_classes=0)
        except (RuntimeError, OSError) as exc:
            if isinstance(exc, RuntimeError) and "unknown model" in str(exc).lower():
                raise Hw1Error(f"unknown timm model {timm_name!r}: see timm.list_models()") from exc
            raise download_error(name, exc) from exc
    else:
        if name not in list_backbones():
            raise Hw1Error(
                f"unknown backbone {name!r}: use a torchvision ResNet name ({', '.join(list_backbones()[:6])} …) "
                "or timm:NAME"
            )
        tv_weights = None
        if named is not None:
            try:
                tv_weights = torchvision.models.get_model_weights(name)[WEIGHT_ALIASES.get(named.lower(), named)]
            except KeyError as exc:
                raise Hw1Error(f"unknown weights {named!r} for {name}: use imagenet, none or a file path") from exc
        try:
            model = torchvision.models.get_model(name, weights=tv_weights)
        except (OSError, RuntimeError) as exc:
            raise download_error(name, exc) from exc
        model.num_features = model.fc.in_features  # type: ignore[assignment]
        model.fc = nn.Identity()
    if path is not None:
        load_backbone_file(model, path)
    return model


def weights_file(weights: str | os.PathLike[str] | None) -> Path | None:
    """The local file a ``weights`` argument names, or ``None`` when it is a published name
    (``imagenet``, ``coco`` …) or nothing. Anything with a path separator or a checkpoint suffix is
    a path and must exist (:class:`Hw1CheckpointError` otherwise)."""
    s = "" if weights is None else str(weights)
    if not (isinstance(weights, os.PathLike) or os.sep in s or s.endswith(WEIGHT_FILE_SUFFIXES)):
        return None
    if not (path := Path(s)).is_file():
        raise Hw1CheckpointError(f"{path}: weights file not found; check the --weights path")
    return path


def download_error(what: str, exc: BaseException) -> Hw1CheckpointError:
    """The :class:`Hw1CheckpointError` for published weights of ``what`` that could not be fetched."""
    return Hw1CheckpointError(
        f"pretrained weights for {what} could not be downloaded ({first_line(exc)[:160]}); without network "
        "access, download the file on another machine and pass its path with --weights PATH (or use --weights none)"
    )


@dataclass
class BackboneLoadReport:
    """What :func:`load_backbone_state_dict` did to make a file fit: the prefix it stripped and
    the classifier keys it dropped."""

    source: str
    stripped_prefix: str = ""
    dropped_head_keys: list[str] = field(default_factory=list)
    loaded_keys: int = 0


def extract_state_dict(obj: Any, source: str = "<state_dict>") -> dict[str, torch.Tensor]:
    """Find the tensor state_dict in a loaded file: the dict itself, or one nested under
    ``state_dict``/``model``/``backbone`` …; wrapper prefixes (``module.``, ``_orig_mod.``) removed."""
    if not isinstance(obj, dict):
        raise Hw1CheckpointError(f"{source}: expected a state_dict (a dict of tensors), found {type(obj).__name__}")
    sd = next((d for d in (obj, *map(obj.get, NESTED_KEYS)) if isinstance(d, dict) and _is_tensor_dict(d)), None)
    if sd is None:
        raise Hw1CheckpointError(
            f"{source}: no state_dict of tensors found (top-level keys: {', '.join(map(str, list(obj)[:8]))}); "
            "pass a backbone file, e.g. one written by 'hw1 ssl export'"
        )
    return {_WRAPPERS.sub("", str(k)): v for k, v in sd.items()}


def _is_tensor_dict(d: dict) -> bool:
    return bool(d) and all(isinstance(v, torch.Tensor) for v in d.values())


def _resnet_child(key: str) -> re.Match[str] | None:
    """The match of ``key`` as ``[framework prefix]N.rest`` with N a ResNet child index, else None."""
    m = _NUMBERED.match(key)
    return m if m and int(m[2]) < len(RESNET_CHILDREN) else None


def renumber_sequential_resnet(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename keys of a ResNet saved as ``nn.Sequential(*children[:-1])`` (``0.weight``,
    ``4.1.conv2.weight`` — optionally under a framework prefix such as ``backbone.``) to torchvision
    names (``conv1.weight``, ``layer1.1.conv2.weight``). Keys that do not follow that numbering are
    returned unchanged, so a torchvision-named dict passes through as is."""
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        m = _resnet_child(key)
        out[f"{m[1]}{RESNET_CHILDREN[int(m[2])]}.{m[3]}" if m else key] = value
    return out


def load_backbone_state_dict(model: nn.Module, state: Any, *, source: str = "<state_dict>") -> BackboneLoadReport:
    """Load ``state`` into ``model`` strictly after normalising it (nested dicts, wrapper and
    framework prefixes, a classifier head the backbone does not have).

    Raises :class:`Hw1CheckpointError` listing missing keys, unexpected keys and shape mismatches.
    """
    sd = extract_state_dict(state, source)
    target = model.state_dict()
    if "conv1.weight" in target and "conv1.weight" not in sd and any(map(_resnet_child, sd)):
        sd = renumber_sequential_resnet(sd)  # lightly's nn.Sequential ResNet backbone
    # the prefix under which most keys fit the model (a projection head beside the backbone is left out)
    prefix = max(
        ("", *BACKBONE_PREFIXES), key=lambda pre: sum(k[len(pre) :] in target for k in sd if k.startswith(pre))
    )
    selected = {k[len(prefix) :]: v for k, v in sd.items() if k.startswith(prefix)}
    dropped = [k for k in selected if k not in target and k.startswith(HEAD_PREFIXES)]
    problems = {
        "missing": [k for k in target if k not in selected and not k.endswith("num_batches_tracked")],
        "unexpected": [k for k in selected if k not in target and not k.startswith(HEAD_PREFIXES)],
        "shape mismatch": [
            f"{k} {tuple(v.shape)} vs {tuple(target[k].shape)}"
            for k, v in selected.items()
            if k in target and v.shape != target[k].shape
        ],
    }
    parts = [
        f"{len(items)} {label}: {', '.join(items[:6])}" + (f" … (+{len(items) - 6} more)" if len(items) > 6 else "")
        for label, items in problems.items()
        if items
    ]
    if parts:
        raise Hw1CheckpointError(
            f"{source}: does not fit the backbone ({'; '.join(parts)}); check that the file was "
            "saved from the same architecture (--backbone)"
        )
    # num_batches_tracked may be absent from older files: those keep the model's
    model.load_state_dict({k: selected.get(k, v) for k, v in target.items()}, strict=True)
    return BackboneLoadReport(source=source, stripped_prefix=prefix, dropped_head_keys=dropped, loaded_keys=len(target))


def load_backbone_file(model: nn.Module, path: str | os.PathLike[str]) -> BackboneLoadReport:
    """Load a backbone file from disk (safely, ``weights_only=True``) into ``model``."""
    return load_backbone_state_dict(model, load_checkpoint(path), source=str(path))


def backbone_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """A plain backbone file's content: the model's state_dict without wrapper prefixes or
    classifier keys, tensors detached on CPU. For a torchvision ResNet it loads into
    ``torchvision.models.resnet50(weights=None)`` with ``strict=False`` (only ``fc.*`` missing)."""
    sd = extract_state_dict(model.state_dict())
    return {k: v.detach().cpu().clone() for k, v in sd.items() if not k.startswith(HEAD_PREFIXES)}
