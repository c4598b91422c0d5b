"""register_tiny_resnet: a reduced-width ResNet any config can name as timm:NAME."""

from __future__ import annotations

import torch

from hw1.core import create_backbone
from hw1.core.tiny_resnet import register_tiny_resnet


def test_registered_once_and_built_by_the_backbone_factory() -> None:
    name = register_tiny_resnet("hw1_test_core_tiny")
    assert name == register_tiny_resnet("hw1_test_core_tiny") == "timm:hw1_test_core_tiny"
    backbone = create_backbone(name)
    assert backbone.num_features == 128
    assert backbone(torch.zeros(2, 3, 32, 32)).shape == (2, 128)


class GroupNorm4(torch.nn.GroupNorm):
    def __init__(self, num_channels: int, **kwargs: object) -> None:
        super().__init__(4, num_channels, **kwargs)


def test_width_maxpool_and_norm_layer() -> None:
    name = register_tiny_resnet("hw1_test_core_tiny_gn", width=8, maxpool=False, norm_layer=GroupNorm4)
    backbone = create_backbone(name)
    assert backbone.num_features == 64
    assert backbone.forward_features(torch.zeros(1, 3, 32, 32)).shape == (1, 64, 2, 2)  # no stem max-pool
    norms = [m for m in backbone.modules() if isinstance(m, torch.nn.GroupNorm | torch.nn.BatchNorm2d)]
    assert norms and all(isinstance(m, torch.nn.GroupNorm) for m in norms)


def test_builtin_name_needs_no_registering() -> None:
    from hw1.core.tiny_resnet import BUILTIN_TINY_RESNETS

    assert "hw1_tiny_resnet" in BUILTIN_TINY_RESNETS
    backbone = create_backbone("timm:hw1_tiny_resnet")  # the factory registers it on first use
    assert backbone.num_features == 128
    assert backbone.forward_features(torch.zeros(1, 3, 32, 32)).shape == (1, 128, 2, 2)  # no stem max-pool
