"""Every segmentation-models-pytorch architecture with any smp encoder, by name:
``smp:ARCH:ENCODER`` (``smp:DeepLabV3Plus:resnet101``, ``smp:UnetPlusPlus:resnet50``,
``smp:Unet:tu-convnext_tiny`` …), resolved at call time from smp's own architecture table.

``weights``: ``None`` (random), an smp encoder-weights name (``"imagenet"``, ``"ssl"``, ``"swsl"`` …,
downloaded by smp), or a backbone file — a plain torchvision ResNet state_dict as ``hw1 ssl export``
writes — loaded strictly into a ResNet encoder (smp's ResNet encoder uses torchvision key names
and has no ``fc``). Inputs are zero-padded to a multiple of the encoder's output stride and the
logits cropped back, so any input size works.
"""

from __future__ import annotations

import os
from typing import Any

import torch
from torch import nn

from hw1.core import Hw1Error, load_backbone_file
from hw1.core.backbone import download_error, weights_file
from hw1.segmentation.models.input_size import fit_to_size, pad_to_multiple
from hw1.segmentation.models.registry import ModelPrefix, register_model_prefix
from hw1.segmentation.palette import NUM_CLASSES


def _architectures() -> dict[str, type]:
    import segmentation_models_pytorch as smp

    return {cls.__name__: cls for cls in smp.MODEL_ARCHITECTURES_MAPPING.values()}


def list_smp_architectures() -> list[str]:
    """smp's architecture names (``Unet``, ``UnetPlusPlus``, ``DeepLabV3Plus`` …)."""
    return sorted(_architectures())


def list_smp_encoders() -> list[str]:
    """smp's encoder names (``resnet18`` … ``mit_b0``; any timm model also works as ``tu-NAME``)."""
    import segmentation_models_pytorch as smp

    return sorted(smp.encoders.get_encoder_names())


class SmpSegmentation(nn.Module):
    """An smp model that accepts any input size (pad to the encoder stride, crop back)."""

    def __init__(self, net: nn.Module, multiple: int) -> None:
        super().__init__()
        self.net = net
        self.multiple = multiple

    @property
    def encoder(self) -> nn.Module:
        return self.net.encoder

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        padded, h, w = pad_to_multiple(x, self.multiple)
        return fit_to_size(self.net(padded), tuple(padded.shape[-2:]), h, w)


def parse_smp_name(name: str) -> tuple[str, str]:
    """``"smp:ARCH:ENCODER"`` → ``(Arch, encoder)`` with the architecture matched
    case-insensitively against smp's table."""
    parts = name.split(":", 2)
    if len(parts) != 3 or not parts[1] or not parts[2]:
        raise Hw1Error(f"model name {name!r}: write smp models as smp:ARCH:ENCODER, e.g. smp:Unet:resnet34")
    archs = {a.lower(): a for a in list_smp_architectures()}
    arch = archs.get(parts[1].lower())
    if arch is None:
        raise Hw1Error(f"unknown smp architecture {parts[1]!r}: use one of {', '.join(sorted(archs.values()))}")
    return arch, parts[2]


def create_smp_model(
    name: str, num_classes: int = NUM_CLASSES, weights: str | os.PathLike[str] | None = None, **kwargs: Any
) -> nn.Module:
    """Build ``smp:ARCH:ENCODER`` (see the module docstring for ``weights``); ``kwargs`` go to
    the smp architecture (``decoder_channels``, ``encoder_depth`` …)."""
    import segmentation_models_pytorch as smp

    arch, encoder = parse_smp_name(name)
    path = weights_file(weights)
    encoder_weights = None if (weights is None or path is not None) else str(weights)
    if not encoder.startswith("tu-") and encoder not in smp.encoders.get_encoder_names():
        raise Hw1Error(
            f"unknown smp encoder {encoder!r}: see segmentation_models_pytorch.encoders.get_encoder_names()"
            " or use tu-TIMM_NAME"
        )
    try:
        net = _architectures()[arch](
            encoder_name=encoder, encoder_weights=encoder_weights, classes=num_classes, **kwargs
        )
    except TypeError as exc:
        raise Hw1Error(f"{name}: {exc}") from exc
    except (KeyError, ValueError) as exc:
        raise Hw1Error(f"{name}: cannot build it with weights {encoder_weights!r} ({exc})") from exc
    except Exception as exc:  # a failed hub download surfaces as OSError/HTTP/hub errors
        if encoder_weights is None:
            raise
        raise download_error(f"smp encoder {encoder} ({encoder_weights})", exc) from exc
    if path is not None:
        load_backbone_file(net.encoder, path)
    multiple = int(getattr(net.encoder, "output_stride", 32) or 32)
    return SmpSegmentation(net, multiple=max(32, multiple))


register_model_prefix(
    ModelPrefix(
        "smp",
        create_smp_model,
        lambda: [f"smp:{arch}:ENCODER" for arch in list_smp_architectures()],
        description="segmentation-models-pytorch architecture; any smp encoder (resnet18 … efficientnet, tu-*)",
        pattern="smp:ARCH:ENCODER",
        options=lambda name: _architectures()[parse_smp_name(name)[0]],
    )
)
