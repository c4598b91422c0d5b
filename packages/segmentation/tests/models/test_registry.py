"""The model registry: names, errors, and the any-input-size contract for every family."""

from __future__ import annotations

import pytest
import torch

from hw1.core import Hw1Error
from hw1.segmentation.models import create_model, list_models, register_model

pytestmark = pytest.mark.usefixtures("forbid_downloads")

#: One tiny configuration per family (weights none): enough to check shapes quickly.
TINY = {
    "fcn32s": {"width": 0.0625, "fc_channels": 16},
    "fcn16s": {"width": 0.0625, "fc_channels": 16},
    "fcn8s": {"width": 0.0625, "fc_channels": 16, "batch_norm": True},
    "deeplabv3_mobilenet_v3_large": {},
    "lraspp_mobilenet_v3_large": {},
    "smp:Unet:resnet18": {"decoder_channels": (32, 16, 16, 8, 8)},
    "smp:DeepLabV3Plus:resnet18": {},
    "smp:FPN:mobilenet_v2": {},
}


def test_list_models_has_every_family() -> None:
    names = list_models()
    for expected in (
        "fcn32s",
        "fcn16s",
        "fcn8s",
        "deeplabv3_resnet50",
        "deeplabv3_resnet101",
        "deeplabv3_mobilenet_v3_large",
        "lraspp_mobilenet_v3_large",
        "fcn_resnet50",
        "fcn_resnet101",
        "smp:Unet:ENCODER",
        "smp:DeepLabV3Plus:ENCODER",
        "smp:UnetPlusPlus:ENCODER",
    ):
        assert expected in names
    assert list_models("fcn*") == ["fcn16s", "fcn32s", "fcn8s", "fcn_resnet101", "fcn_resnet50"]


@pytest.mark.parametrize("name", sorted(TINY))
@pytest.mark.parametrize("size", [(33, 47), (64, 64), (5, 3)])
def test_logits_have_the_input_size(name: str, size: tuple[int, int]) -> None:
    torch.manual_seed(0)
    model = create_model(name, num_classes=7, weights="none", **TINY[name]).eval()
    with torch.no_grad():
        out = model(torch.randn(2, 3, *size))
    assert isinstance(out, torch.Tensor)
    assert out.shape == (2, 7, *size)
    assert torch.isfinite(out).all()


def test_num_classes_is_honoured() -> None:
    model = create_model("smp:Unet:resnet18", num_classes=3).eval()
    with torch.no_grad():
        assert model(torch.randn(1, 3, 32, 32)).shape == (1, 3, 32, 32)


def test_unknown_names_are_user_errors() -> None:
    with pytest.raises(Hw1Error, match="unknown model"):
        create_model("fcn64s")
    with pytest.raises(Hw1Error, match="unknown smp architecture"):
        create_model("smp:NotAnArch:resnet18")
    with pytest.raises(Hw1Error, match="unknown smp encoder"):
        create_model("smp:Unet:resnet9000")
    with pytest.raises(Hw1Error, match="smp:ARCH:ENCODER"):
        create_model("smp:Unet")
    with pytest.raises(Hw1Error, match="unexpected keyword"):
        create_model("fcn32s", widht=0.5)


def test_register_model_adds_a_builder() -> None:
    @register_model(name="test_identity_net")
    def build(num_classes: int = 7, weights: str | None = None) -> torch.nn.Module:
        """A 1x1 conv (test only)."""
        return torch.nn.Conv2d(3, num_classes, 1)

    assert "test_identity_net" in list_models()
    assert create_model("test_identity_net", num_classes=4)(torch.zeros(1, 3, 2, 2)).shape == (1, 4, 2, 2)


def test_weights_none_never_downloads(forbid_downloads: list[str]) -> None:
    for name in ("fcn32s", "lraspp_mobilenet_v3_large", "smp:Unet:resnet18"):
        create_model(name, weights="none", **TINY.get(name, {}))
        create_model(name, weights=None, **TINY.get(name, {}))
    assert forbid_downloads == []


def test_registry_imports_no_family() -> None:
    """timm style: families import the registry and register themselves, never the other way round."""
    import ast
    import inspect

    from hw1.segmentation.models import registry

    imported = set()
    for node in ast.walk(ast.parse(inspect.getsource(registry))):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert not {m for m in imported if m.startswith("hw1.segmentation.models")}


def test_smp_names_resolve_through_the_registered_prefix() -> None:
    from hw1.segmentation.models.registry import describe_model

    assert describe_model("smp:Unet:resnet18").startswith("segmentation-models-pytorch")
    with pytest.raises(Hw1Error, match="smp:ARCH:ENCODER"):
        create_model("fcn64s")
