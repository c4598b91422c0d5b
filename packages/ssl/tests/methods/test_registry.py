"""The method registry: names, construction, option checking, head sizes."""

from __future__ import annotations

import pytest
from torch import nn

from hw1.core import Hw1Error, create_backbone
from hw1.ssl import SSLMethod, create_method, list_methods, method_defaults


def test_list_methods_has_all_six_with_byol_first():
    names = list_methods()
    assert names[0] == "byol"
    assert set(names) == {"byol", "simclr", "moco", "simsiam", "barlow_twins", "vicreg"}


def test_unknown_method_and_option_are_user_errors(tiny_backbone):
    with pytest.raises(Hw1Error, match="unknown SSL method 'dino'"):
        create_method("dino", tiny_backbone())
    with pytest.raises(Hw1Error, match="unknown option.*hiden_dim.*hidden_dim"):
        create_method("byol", tiny_backbone(), hiden_dim=8)


def test_aliases_resolve(tiny_backbone):
    assert create_method("MoCo-v2", tiny_backbone(), queue_size=16, hidden_dim=8, output_dim=4).name == "moco"


class _Features(nn.Identity):
    """A stand-in backbone with ResNet-50's feature size (building a real one takes seconds)."""

    num_features = 2048


def test_byol_paper_sizes_scale_with_backbone_features():
    m50 = create_method("byol", _Features())
    first, last = m50.projection_head.layers[0], m50.projection_head.layers[-1]
    assert (first.in_features, first.out_features, last.out_features) == (2048, 4096, 256)
    assert m50.prediction_head.layers[0].in_features == 256
    m18 = create_method("byol", create_backbone("resnet18"))
    assert m18.projection_head.layers[0].in_features == 512
    assert method_defaults("byol") == {
        "hidden_dim": 4096,
        "output_dim": 256,
        "momentum_start": 0.99,
        "momentum_end": 1.0,
    }


def test_backbone_without_num_features_is_rejected():
    with pytest.raises(TypeError, match="num_features"):
        create_method("simclr", nn.Conv2d(3, 4, 3))


def test_every_method_is_an_sslmethod_with_an_augmentation(tiny_backbone):
    for name in list_methods():
        kw = {"queue_size": 8} if name == "moco" else {}
        m = create_method(name, tiny_backbone(), hidden_dim=16, output_dim=8, **kw)
        assert isinstance(m, SSLMethod)
        assert m.augmentation in ("byol", "simclr", "moco", "simsiam", "vicreg")
        assert m.kwargs["hidden_dim"] == 16


def test_constructor_arguments_are_recorded_with_their_defaults(tiny_backbone):
    from hw1.ssl.methods import BYOL

    class WideBYOL(BYOL):  # a subclass of a subclass: its own arguments are what rebuilds it
        def __init__(self, backbone: nn.Module, width: int = 64, momentum_end: float = 0.999) -> None:
            super().__init__(backbone, hidden_dim=width, output_dim=width // 2, momentum_end=momentum_end)

    byol = BYOL(tiny_backbone(), 32, output_dim=8)
    assert byol.kwargs == {"hidden_dim": 32, "output_dim": 8, "momentum_start": 0.99, "momentum_end": 1.0}
    wide = WideBYOL(tiny_backbone(), width=16)
    assert wide.kwargs == {"width": 16, "momentum_end": 0.999} and wide.prediction_head is not None
    assert method_defaults("byol") == {
        "hidden_dim": 4096,
        "output_dim": 256,
        "momentum_start": 0.99,
        "momentum_end": 1.0,
    }
