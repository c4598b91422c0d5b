"""Segmentation encoders load the same backbone files as classification (hw1-core's one loader),
including lightly's numbered nn.Sequential ResNet backbones and classification run checkpoints."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from hw1.core import Hw1CheckpointError, create_backbone
from hw1.segmentation.models import create_model


def _lightly_file(path, resnet: nn.Module) -> None:
    seq = nn.Sequential(*list(resnet.children())[:-1])  # how lightly builds its ResNet backbone
    torch.save({f"backbone.{k}": v for k, v in seq.state_dict().items()}, path)


def _small_unet(weights) -> nn.Module:
    """A 3-stage smp U-Net on resnet18 whose encoder starts from the backbone file ``weights``."""
    return create_model(
        "smp:Unet:resnet18", weights=str(weights), num_classes=7, encoder_depth=3, decoder_channels=[16, 8, 8]
    )


def test_smp_encoder_loads_a_lightly_keyed_file(tmp_path):
    pytest.importorskip("segmentation_models_pytorch")
    torch.manual_seed(0)
    resnet = torchvision.models.resnet18()
    _lightly_file(tmp_path / "lightly.pt", resnet)
    model = _small_unet(tmp_path / "lightly.pt")
    encoder = model.net.encoder
    assert torch.equal(encoder.layer4[1].conv2.weight, resnet.layer4[1].conv2.weight)
    assert torch.equal(encoder.bn1.running_mean, resnet.bn1.running_mean)


def test_torchvision_deeplab_backbone_loads_a_lightly_keyed_file(tmp_path):
    torch.manual_seed(1)
    resnet = torchvision.models.resnet50()
    _lightly_file(tmp_path / "lightly50.pt", resnet)
    model = create_model("deeplabv3_resnet50", weights=str(tmp_path / "lightly50.pt"), num_classes=7)
    backbone = model.net.backbone if hasattr(model, "net") else model.backbone
    assert torch.equal(backbone.layer3[2].conv1.weight, resnet.layer3[2].conv1.weight)


def test_a_lightly_file_of_another_depth_is_refused(tmp_path):
    pytest.importorskip("segmentation_models_pytorch")
    _lightly_file(tmp_path / "r34.pt", torchvision.models.resnet34())
    with pytest.raises(Hw1CheckpointError, match="r34.pt: does not fit the backbone"):
        _small_unet(tmp_path / "r34.pt")


def test_a_classification_run_checkpoint_is_a_backbone_file_too(tmp_path):
    pytest.importorskip("segmentation_models_pytorch")
    backbone = create_backbone("resnet18")
    head = nn.Linear(backbone.num_features, 5)
    state = {
        **{f"backbone.{k}": v for k, v in backbone.state_dict().items()},
        **{f"head.fc.{k}": v for k, v in head.state_dict().items()},
    }
    torch.save({"format": "hw1-classification/1", "state_dict": state, "epoch": 3}, tmp_path / "best.pt")
    model = _small_unet(tmp_path / "best.pt")
    assert torch.equal(model.net.encoder.conv1.weight, backbone.conv1.weight)
