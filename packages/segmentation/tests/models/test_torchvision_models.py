"""torchvision DeepLabV3 / LR-ASPP / FCN with a 7-class head: aux head, weight files, no downloads."""

from __future__ import annotations

import pytest
import torch
import torchvision

from hw1.core import Hw1CheckpointError, Hw1Error, save_checkpoint
from hw1.segmentation.models import TorchvisionSegmentation, create_model

pytestmark = pytest.mark.usefixtures("forbid_downloads")


def test_aux_head_is_optional_and_returned_on_request() -> None:
    plain = create_model("deeplabv3_mobilenet_v3_large")
    assert isinstance(plain, TorchvisionSegmentation) and not plain.has_aux
    model = create_model("deeplabv3_mobilenet_v3_large", aux_loss=True).eval()
    assert model.has_aux
    x = torch.randn(2, 3, 45, 61)
    with torch.no_grad():
        out = model(x)
        main, aux = model(x, return_aux=True)
    assert isinstance(out, torch.Tensor) and out.shape == (2, 7, 45, 61)
    assert aux is not None and aux.shape == (2, 7, 45, 61)
    torch.testing.assert_close(out, main)


def test_lraspp_refuses_an_aux_head() -> None:
    with pytest.raises(Hw1Error, match="no auxiliary head"):
        create_model("lraspp_mobilenet_v3_large", aux_loss=True)


def test_backbone_file_loads_into_the_backbone(tmp_path) -> None:
    torch.manual_seed(1)
    mobilenet = torchvision.models.mobilenet_v3_large()
    path = save_checkpoint(mobilenet.state_dict(), tmp_path / "mbv3.pth")
    model = create_model("lraspp_mobilenet_v3_large", weights=str(path))
    loaded = model.net.backbone.state_dict()
    for key, value in mobilenet.features.state_dict().items():
        torch.testing.assert_close(loaded[key], value)


def test_full_segmentation_state_dict_loads_except_the_class_layer(tmp_path) -> None:
    torch.manual_seed(2)
    coco_like = torchvision.models.segmentation.lraspp_mobilenet_v3_large(
        weights=None, weights_backbone=None, num_classes=21
    )
    path = save_checkpoint(coco_like.state_dict(), tmp_path / "lraspp21.pth")
    model = create_model("lraspp_mobilenet_v3_large", weights=str(path))
    sd = model.net.state_dict()
    torch.testing.assert_close(sd["classifier.cbr.0.weight"], coco_like.state_dict()["classifier.cbr.0.weight"])
    assert sd["classifier.high_classifier.weight"].shape[0] == 7


@pytest.mark.parametrize("weights", ["coco", "imagenet"])
def test_named_weights_without_network_raise_a_checkpoint_error(weights: str, forbid_downloads: list[str]) -> None:
    with pytest.raises(Hw1CheckpointError, match="--weights PATH"):
        create_model("lraspp_mobilenet_v3_large", weights=weights)
    assert forbid_downloads


def test_unknown_weights_name() -> None:
    with pytest.raises(Hw1Error, match="unknown weights"):
        create_model("lraspp_mobilenet_v3_large", weights="voc")
