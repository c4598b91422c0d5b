"""torchvision's segmentation models with a 7-class head: DeepLabV3 (ResNet-50/101,
MobileNetV3-Large), LR-ASPP (MobileNetV3-Large) and FCN (ResNet-50/101).

``weights``: ``"coco"`` loads torchvision's COCO-with-VOC-labels weights and replaces the last
layer of the head (and of the aux head) by a fresh ``num_classes`` one; ``"imagenet"`` loads only
the ImageNet backbone; a file path loads either a full torchvision segmentation state_dict (head
layers of another class count are skipped) or a backbone file (a plain torchvision ResNet/MobileNet
state_dict such as ``hw1 ssl export`` writes). ``aux_loss=True`` keeps the auxiliary FCN head
(DeepLabV3/FCN only); training adds its loss with weight 0.4. The forward returns the main logits
as a plain tensor; ``forward(x, return_aux=True)`` returns ``(logits, aux_logits_or_None)``.
"""

from __future__ import annotations

import os

import torch
import torchvision
from torch import nn

from hw1.core import Hw1CheckpointError, Hw1Error, extract_state_dict, load_backbone_state_dict, load_checkpoint
from hw1.core.backbone import download_error, weights_file
from hw1.segmentation.models.registry import register_model
from hw1.segmentation.palette import NUM_CLASSES

#: Weight enums by registry name: (the model's, whose COCO member is loaded, and its ImageNet backbone's).
TORCHVISION_MODELS: dict[str, tuple[str, str]] = {
    "deeplabv3_resnet50": ("DeepLabV3_ResNet50_Weights", "ResNet50_Weights"),
    "deeplabv3_resnet101": ("DeepLabV3_ResNet101_Weights", "ResNet101_Weights"),
    "deeplabv3_mobilenet_v3_large": ("DeepLabV3_MobileNet_V3_Large_Weights", "MobileNet_V3_Large_Weights"),
    "lraspp_mobilenet_v3_large": ("LRASPP_MobileNet_V3_Large_Weights", "MobileNet_V3_Large_Weights"),
    "fcn_resnet50": ("FCN_ResNet50_Weights", "ResNet50_Weights"),
    "fcn_resnet101": ("FCN_ResNet101_Weights", "ResNet101_Weights"),
}


class TorchvisionSegmentation(nn.Module):
    """A torchvision segmentation model whose forward returns the ``"out"`` logits tensor
    (torchvision already resizes them to the input size)."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    @property
    def has_aux(self) -> bool:
        return getattr(self.net, "aux_classifier", None) is not None

    def forward(
        self, x: torch.Tensor, return_aux: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor | None]:
        out = self.net(x)
        if return_aux:
            return out["out"], out.get("aux")
        return out["out"]


def _build(name: str, num_classes: int, weights: str | os.PathLike[str] | None, aux_loss: bool = False) -> nn.Module:
    builder = getattr(torchvision.models.segmentation, name)
    enum_name, backbone_enum = TORCHVISION_MODELS[name]
    if name.startswith("lraspp") and aux_loss:
        raise Hw1Error("lraspp_mobilenet_v3_large has no auxiliary head: drop aux_loss")
    path = weights_file(weights)
    named = None if (weights is None or path is not None) else str(weights).lower()
    if named not in (None, "coco", "imagenet"):
        raise Hw1Error(f"unknown weights {weights!r} for {name}: use coco, imagenet, none or a file path")
    try:
        if named == "coco":
            enum = getattr(torchvision.models.segmentation, enum_name).COCO_WITH_VOC_LABELS_V1
            # COCO weights come with the aux head; build with it, then drop it if not wanted.
            net = builder(weights=enum, progress=False, aux_loss=None if name.startswith("lraspp") else True)
        else:
            enum = getattr(torchvision.models, backbone_enum).IMAGENET1K_V1 if named == "imagenet" else None
            net = builder(
                weights=None, weights_backbone=enum, num_classes=num_classes, aux_loss=aux_loss or None, progress=False
            )
    except (OSError, RuntimeError, ValueError) as exc:
        raise download_error(f"{name} ({named})", exc) from exc
    if named == "coco":
        _set_num_classes(net, num_classes)
        if not aux_loss and getattr(net, "aux_classifier", None) is not None:
            net.aux_classifier = None
    if path is not None:
        _load_file(net, path)
    return TorchvisionSegmentation(net)


def _set_num_classes(net: nn.Module, num_classes: int) -> None:
    """New ``num_classes`` 1×1 convs for the last layer of each head (DeepLabHead/FCNHead: index 4)."""

    def new(old: nn.Conv2d) -> nn.Conv2d:
        return nn.Conv2d(old.in_channels, num_classes, kernel_size=1)

    head = net.classifier
    if hasattr(head, "low_classifier"):  # LR-ASPP: two 1×1 classifiers
        head.low_classifier, head.high_classifier = new(head.low_classifier), new(head.high_classifier)
    else:
        head[-1] = new(head[-1])
    if getattr(net, "aux_classifier", None) is not None:
        net.aux_classifier[-1] = new(net.aux_classifier[-1])


def _load_file(net: nn.Module, path: os.PathLike[str] | str) -> None:
    sd = extract_state_dict(load_checkpoint(path), str(path))
    if any(k.startswith("backbone.") for k in sd) and any(k.startswith("classifier.") for k in sd):
        # A full torchvision segmentation state_dict: load all but class-count-specific layers.
        own, heads = net.state_dict(), ("classifier.", "aux_classifier.")
        usable = {k: v for k, v in sd.items() if k in own and own[k].shape == v.shape}
        unexpected = [k for k in sd if k not in own and not k.startswith("aux_classifier.")]
        bad = [k for k in sd if k in own and k not in usable and not k.startswith(heads)]
        missing = [k for k in own if k not in sd]
        if unexpected or bad or [k for k in missing if not k.startswith(heads)]:
            raise Hw1CheckpointError(
                f"{path}: does not fit {type(net).__name__} (unexpected {unexpected[:4]}, shape mismatch "
                f"{bad[:4]}, missing {missing[:4]}); check --model"
            )
        net.load_state_dict(usable, strict=False)
    else:
        load_backbone_state_dict(net.backbone, sd, source=str(path))


def _register(name: str) -> None:
    def builder(num_classes: int = NUM_CLASSES, weights: str | None = None, aux_loss: bool = False) -> nn.Module:
        return _build(name, num_classes, weights, aux_loss=aux_loss)

    kind = name.split("_", 1)
    builder.__doc__ = f"torchvision {kind[0].upper()} on {kind[1]}; weights coco|imagenet (backbone)|none|file" + (
        "; aux_loss=True adds the aux head" if not name.startswith("lraspp") else ""
    )
    builder.__name__ = name
    register_model(builder, name=name)


for _name in TORCHVISION_MODELS:
    _register(_name)
