"""FCN-32s/16s/8s: bilinear-initialised upsampling, VGG16 weight loading, shapes."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
import torchvision

from hw1.core import Hw1CheckpointError, save_checkpoint
from hw1.segmentation.models import Fcn8s, Fcn32s, bilinear_upsampler, create_model

pytestmark = pytest.mark.usefixtures("forbid_downloads")


@pytest.mark.parametrize("factor", [2, 8, 16, 32])
def test_transposed_conv_is_bilinear_interpolation(factor: int) -> None:
    up = bilinear_upsampler(3, factor)
    x = torch.randn(1, 3, 6, 5)
    out = up(x)
    ref = F.interpolate(x, scale_factor=factor, mode="bilinear", align_corners=False)
    assert out.shape == ref.shape == (1, 3, 6 * factor, 5 * factor)
    # Identical away from the border (where interpolate clamps and the conv sees zero padding).
    m = factor
    torch.testing.assert_close(out[..., m:-m, m:-m], ref[..., m:-m, m:-m], atol=1e-5, rtol=1e-5)


def test_upsampler_keeps_channels_apart() -> None:
    up = bilinear_upsampler(4, 32)
    w = up.weight.detach()
    off_diagonal = w.clone()
    off_diagonal[range(4), range(4)] = 0
    assert off_diagonal.abs().sum() == 0
    assert w[0, 0].max() == pytest.approx(w[0, 0][31, 31].item())


@pytest.mark.parametrize("batch_norm", [False, True])
def test_fcn32s_layout_matches_model_a(batch_norm: bool) -> None:
    with torch.device("meta"):  # the full-size model without allocating its 130M parameters
        model = Fcn32s(7, batch_norm=batch_norm)
    assert model.fc6.kernel_size == (7, 7) and model.fc6.in_channels == 512 and model.fc6.out_channels == 4096
    assert model.fc6.padding == (3, 3)
    assert model.fc7.kernel_size == (1, 1) and model.fc7.out_channels == 4096
    assert model.score_fr.out_channels == 7
    assert model.upscore.stride == (32, 32) and model.upscore.kernel_size == (64, 64)
    assert not model.upscore.weight.requires_grad  # fixed bilinear, as in the FCN paper
    # Same conv layers and key names as torchvision's VGG16 (-BN).
    from torchvision.models.vgg import cfgs, make_layers

    with torch.device("meta"):
        tv = make_layers(cfgs["D"], batch_norm=batch_norm).state_dict()
    assert {k: v.shape for k, v in model.features.state_dict().items()} == {k: v.shape for k, v in tv.items()}


def _vgg_like_state_dict(model: Fcn32s, seed: int) -> dict[str, torch.Tensor]:
    """A state_dict laid out like torchvision's VGG16 (features.*, classifier.0/3/6) for a
    narrow model: the same conversion as the 25088x4096 -> 4096x512x7x7 one, at test size."""
    g = torch.Generator().manual_seed(seed)
    sd = {
        f"features.{k}": torch.randn(v.shape, generator=g) if v.is_floating_point() else v
        for k, v in model.features.state_dict().items()
    }
    fc, c5 = model.fc6.out_channels, model.fc6.in_channels
    sd["classifier.0.weight"] = torch.randn(fc, c5 * 49, generator=g)
    sd["classifier.0.bias"] = torch.randn(fc, generator=g)
    sd["classifier.3.weight"] = torch.randn(fc, fc, generator=g)
    sd["classifier.3.bias"] = torch.randn(fc, generator=g)
    sd["classifier.6.weight"] = torch.randn(1000, fc, generator=g)
    sd["classifier.6.bias"] = torch.randn(1000, generator=g)
    return sd


@pytest.mark.parametrize("batch_norm", [False, True])
def test_vgg16_file_initialises_features_and_fc(tmp_path, batch_norm: bool) -> None:
    kwargs = {"width": 0.0625, "fc_channels": 16, "batch_norm": batch_norm}
    sd = _vgg_like_state_dict(Fcn8s(7, **kwargs), seed=0)
    path = save_checkpoint(sd, tmp_path / "vgg16.pth")
    model = create_model("fcn8s", weights=str(path), **kwargs)
    for key, value in model.features.state_dict().items():
        torch.testing.assert_close(value, sd[f"features.{key}"])
    c5 = model.fc6.in_channels
    # classifier.0 acts on the flattened (C, 7, 7) pool5 map: its rows reshape to 7x7 kernels.
    torch.testing.assert_close(model.fc6.weight, sd["classifier.0.weight"].reshape(16, c5, 7, 7))
    torch.testing.assert_close(model.fc6.bias, sd["classifier.0.bias"])
    torch.testing.assert_close(model.fc7.weight[:, :, 0, 0], sd["classifier.3.weight"])
    # On a 7x7 pool5 map the fc6 convolution's centre output equals the linear layer.
    x = torch.randn(1, c5, 7, 7)
    centre = torch.nn.functional.conv2d(x, model.fc6.weight, model.fc6.bias, padding=3)[0, :, 3, 3]
    torch.testing.assert_close(
        centre, x.flatten() @ sd["classifier.0.weight"].T + sd["classifier.0.bias"], atol=1e-3, rtol=1e-4
    )


def test_wrong_file_is_a_checkpoint_error(tmp_path) -> None:
    path = save_checkpoint(torchvision.models.resnet18().state_dict(), tmp_path / "resnet18.pth")
    with pytest.raises(Hw1CheckpointError, match="VGG16"):
        create_model("fcn32s", weights=str(path), width=0.0625, fc_channels=16)


def test_imagenet_without_network_says_how_to_pass_a_file(forbid_downloads: list[str]) -> None:
    with pytest.raises(Hw1CheckpointError, match="--weights PATH"):
        create_model("fcn32s", weights="imagenet")
    assert forbid_downloads  # the download was attempted, and refused by the fixture


def test_skip_layers_start_at_zero_so_fcn8s_begins_as_coarse_net() -> None:
    model = Fcn8s(7, width=0.0625, fc_channels=16)
    assert model.score_pool3.weight.abs().sum() == 0 and model.score_pool4.weight.abs().sum() == 0
    with torch.no_grad():
        out = model.eval()(torch.randn(1, 3, 40, 72))
    assert out.shape == (1, 7, 40, 72)
