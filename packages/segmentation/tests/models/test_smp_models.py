"""segmentation-models-pytorch architectures by name, and an hw1-ssl backbone file as encoder."""

from __future__ import annotations

import pytest
import torch
import torchvision

from hw1.core import Hw1CheckpointError, backbone_state_dict, save_checkpoint
from hw1.segmentation.models import SmpSegmentation, create_model, list_smp_architectures

pytestmark = pytest.mark.usefixtures("forbid_downloads")


def test_architecture_names_resolve_case_insensitively() -> None:
    assert {"Unet", "UnetPlusPlus", "DeepLabV3Plus", "FPN"} <= set(list_smp_architectures())
    model = create_model("smp:deeplabv3plus:resnet18")
    assert isinstance(model, SmpSegmentation)
    assert type(model.net).__name__ == "DeepLabV3Plus"


def test_unetplusplus_odd_size() -> None:
    model = create_model("smp:UnetPlusPlus:resnet18", decoder_channels=(16, 16, 8, 8, 8)).eval()
    with torch.no_grad():
        assert model(torch.randn(1, 3, 50, 70)).shape == (1, 7, 50, 70)


def test_ssl_backbone_file_loads_into_resnet_encoder(tmp_path) -> None:
    # What hw1-ssl exports: a plain torchvision ResNet state_dict without fc.
    torch.manual_seed(0)
    resnet = torchvision.models.resnet18()
    path = save_checkpoint(backbone_state_dict(resnet), tmp_path / "backbone.pt")
    model = create_model("smp:Unet:resnet18", weights=str(path))
    encoder = model.encoder.state_dict()
    for key, value in resnet.state_dict().items():
        if not key.startswith("fc."):
            torch.testing.assert_close(encoder[key], value)


def test_mismatched_backbone_file_is_refused(tmp_path) -> None:
    path = save_checkpoint(backbone_state_dict(torchvision.models.resnet34()), tmp_path / "r34.pt")
    with pytest.raises(Hw1CheckpointError, match="does not fit"):
        create_model("smp:Unet:resnet18", weights=str(path))


def test_missing_weights_file() -> None:
    with pytest.raises(Hw1CheckpointError, match="not found"):
        create_model("smp:Unet:resnet18", weights="/nonexistent/backbone.pt")


def test_imagenet_encoder_without_network_raises_a_checkpoint_error(forbid_downloads: list[str]) -> None:
    with pytest.raises(Hw1CheckpointError, match="--weights PATH"):
        create_model("smp:Unet:resnet18", weights="imagenet")
    assert forbid_downloads
