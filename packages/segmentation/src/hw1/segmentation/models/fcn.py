"""Fully convolutional networks on VGG16 (Long, Shelhamer & Darrell): FCN-32s, FCN-16s, FCN-8s.

VGG16's 13 conv layers (same layout and key names as ``torchvision.models.vgg16().features``;
``batch_norm=True`` gives the VGG16-BN variant, much easier to train from scratch),
``fc6`` as a 7×7 convolution 512→4096 (padding 3, so a 1×1 pool5 map still works), ``fc7`` 1×1
4096→4096, a 1×1 score layer, and transposed-convolution upsampling initialised to bilinear
interpolation. FCN-16s/8s add scores from pool4/pool3 (zero-initialised, so training starts from
the coarser net's output). The input is zero-padded to a multiple of 32 and the output cropped
back, so any input size gives logits of exactly that size. With ``weights="imagenet"`` (or a VGG16
state_dict file) the conv layers come from VGG16 and fc6/fc7 from its classifier, reshaped
(25088×4096 → 4096×512×7×7).
"""

from __future__ import annotations

import os

import torch
import torch.nn.functional as F
from torch import nn

from hw1.core import Hw1CheckpointError, Hw1Error, extract_state_dict, load_checkpoint
from hw1.core.backbone import download_error, weights_file
from hw1.core.errors import first_line
from hw1.segmentation.models.input_size import pad_to_multiple
from hw1.segmentation.models.registry import register_model
from hw1.segmentation.palette import NUM_CLASSES

#: VGG16 configuration "D": channel counts, "M" = 2×2 max-pool.
VGG16_LAYOUT = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


def bilinear_kernel(channels: int, kernel_size: int) -> torch.Tensor:
    """Weight ``(channels, channels, k, k)`` for a ConvTranspose2d that upsamples each channel on
    its own by bilinear interpolation (the FCN initialisation: identity across channels)."""
    factor = (kernel_size + 1) // 2
    center = factor - 1 if kernel_size % 2 == 1 else factor - 0.5
    og = torch.arange(kernel_size, dtype=torch.float64)
    filt1d = 1 - (og - center).abs() / factor
    filt = (filt1d[:, None] * filt1d[None, :]).float()
    weight = torch.zeros(channels, channels, kernel_size, kernel_size)
    weight[range(channels), range(channels)] = filt
    return weight


def bilinear_upsampler(channels: int, factor: int) -> nn.ConvTranspose2d:
    """A ×``factor`` ConvTranspose2d (kernel 2·factor, padding factor/2) initialised bilinear: its
    output is exactly ``factor`` times its input size and matches
    ``F.interpolate(mode="bilinear", align_corners=False)`` away from the border."""
    up = nn.ConvTranspose2d(channels, channels, kernel_size=2 * factor, stride=factor, padding=factor // 2, bias=False)
    with torch.no_grad():
        up.weight.copy_(bilinear_kernel(channels, 2 * factor))
    return up


def vgg16_features(width: float = 1.0, batch_norm: bool = False) -> nn.Sequential:
    """VGG16's conv part with torchvision's layer indices (``vgg16().features``, or
    ``vgg16_bn().features`` with ``batch_norm``), so state_dict keys match; ``width`` scales every
    channel count (tiny test/demo models)."""
    layers: list[nn.Module] = []
    in_ch = 3
    for v in VGG16_LAYOUT:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            out_ch = max(4, int(round(int(v) * width)))
            layers.append(nn.Conv2d(in_ch, out_ch, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out_ch))
            layers.append(nn.ReLU(inplace=True))
            in_ch = out_ch
    return nn.Sequential(*layers)


def _pool_indices(features: nn.Sequential) -> list[int]:
    return [i for i, m in enumerate(features) if isinstance(m, nn.MaxPool2d)]


def _channels_before(features: nn.Sequential, index: int) -> int:
    return [m for m in list(features)[:index] if isinstance(m, nn.Conv2d)][-1].out_channels


class Fcn32s(nn.Module):
    """FCN-32s on VGG16: score pool5-level features, upsample ×32 (bilinear-initialised)."""

    #: Output stride of the coarsest score map; inputs are padded to a multiple of it.
    stride = 32

    def __init__(
        self,
        num_classes: int = NUM_CLASSES,
        *,
        width: float = 1.0,
        fc_channels: int = 4096,
        dropout: float = 0.5,
        batch_norm: bool = False,
        learn_final_upsampling: bool = False,
    ) -> None:
        super().__init__()
        self.features = vgg16_features(width, batch_norm)
        self.pool3, self.pool4, self.pool5 = _pool_indices(self.features)[2:]
        c5 = _channels_before(self.features, self.pool5)
        self.fc6 = nn.Conv2d(c5, fc_channels, kernel_size=7, padding=3)
        self.fc7 = nn.Conv2d(fc_channels, fc_channels, kernel_size=1)
        self.drop = nn.Dropout2d(dropout)
        self.score_fr = nn.Conv2d(fc_channels, num_classes, kernel_size=1)
        self._init_weights()
        # The FCN paper keeps the last (largest) upsampling fixed to bilinear interpolation; learning
        # its 2·32×2·32 kernels from scratch mostly adds noise.
        self._build_decoder(num_classes).weight.requires_grad_(learn_final_upsampling)

    def _init_weights(self) -> None:
        # He init as torchvision's VGG: PyTorch's default conv init shrinks activations layer by
        # layer, and a 15-layer plain (BatchNorm-free) net trained from scratch then stalls.
        for m in [*self.features, self.fc6, self.fc7]:
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        # Score layers start at zero, as in the FCN paper.
        nn.init.zeros_(self.score_fr.weight)
        nn.init.zeros_(self.score_fr.bias)

    def _build_decoder(self, num_classes: int) -> nn.ConvTranspose2d:
        """Build the score fusion and upsampling layers; returns the final (largest) upsampling."""
        self.upscore = bilinear_upsampler(num_classes, 32)
        return self.upscore

    def _encode(self, x: torch.Tensor) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
        taps: dict[int, torch.Tensor] = {}
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in (self.pool3, self.pool4):
                taps[i] = x
        x = self.drop(F.relu(self.fc6(x), inplace=True))
        x = self.drop(F.relu(self.fc7(x), inplace=True))
        return self.score_fr(x), taps

    def _decode(self, score: torch.Tensor, taps: dict[int, torch.Tensor]) -> torch.Tensor:
        return self.upscore(score)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        padded, h, w = pad_to_multiple(x, self.stride)
        score, taps = self._encode(padded)
        return self._decode(score, taps)[..., :h, :w]

    def load_vgg16_state_dict(self, state: dict[str, torch.Tensor], source: str = "<state_dict>") -> None:
        """Initialise the conv layers from a torchvision VGG16 state_dict and fc6/fc7 from its
        classifier (``classifier.0`` 4096×25088 → fc6 4096×512×7×7, ``classifier.3`` → fc7)."""
        sd = extract_state_dict(state, source)
        feats = {k[len("features.") :]: v for k, v in sd.items() if k.startswith("features.")}
        try:
            self.features.load_state_dict(feats, strict=True)
            self.fc6.weight.data.copy_(sd["classifier.0.weight"].reshape(self.fc6.weight.shape))
            self.fc6.bias.data.copy_(sd["classifier.0.bias"])
            self.fc7.weight.data.copy_(sd["classifier.3.weight"].reshape(self.fc7.weight.shape))
            self.fc7.bias.data.copy_(sd["classifier.3.bias"])
        except (RuntimeError, KeyError) as exc:
            raise Hw1CheckpointError(
                f"{source}: not a torchvision VGG16 state_dict that fits this FCN ({first_line(exc)[:200]}); pass the "
                "file torchvision's vgg16(weights='IMAGENET1K_V1') downloads (vgg16-397923af.pth; "
                "vgg16_bn-6c64b313.pth with batch_norm=True) and keep width=1, fc_channels=4096"
            ) from exc


class Fcn16s(Fcn32s):
    """FCN-16s on VGG16: FCN-32s plus a skip from pool4, ×2 then ×16 upsampling."""

    def _build_decoder(self, num_classes: int) -> nn.ConvTranspose2d:
        c4 = _channels_before(self.features, self.pool4)
        self.score_pool4 = nn.Conv2d(c4, num_classes, kernel_size=1)
        nn.init.zeros_(self.score_pool4.weight)
        nn.init.zeros_(self.score_pool4.bias)
        self.upscore2 = bilinear_upsampler(num_classes, 2)
        self.upscore16 = bilinear_upsampler(num_classes, 16)
        return self.upscore16

    def _decode(self, score: torch.Tensor, taps: dict[int, torch.Tensor]) -> torch.Tensor:
        fuse = self.upscore2(score) + self.score_pool4(taps[self.pool4])
        return self.upscore16(fuse)


class Fcn8s(Fcn32s):
    """FCN-8s on VGG16: skips from pool4 and pool3, ×2, ×2 then ×8 upsampling."""

    def _build_decoder(self, num_classes: int) -> nn.ConvTranspose2d:
        c3 = _channels_before(self.features, self.pool3)
        c4 = _channels_before(self.features, self.pool4)
        self.score_pool4 = nn.Conv2d(c4, num_classes, kernel_size=1)
        self.score_pool3 = nn.Conv2d(c3, num_classes, kernel_size=1)
        for conv in (self.score_pool4, self.score_pool3):
            nn.init.zeros_(conv.weight)
            nn.init.zeros_(conv.bias)
        self.upscore2 = bilinear_upsampler(num_classes, 2)
        self.upscore_pool4 = bilinear_upsampler(num_classes, 2)
        self.upscore8 = bilinear_upsampler(num_classes, 8)
        return self.upscore8

    def _decode(self, score: torch.Tensor, taps: dict[int, torch.Tensor]) -> torch.Tensor:
        fuse4 = self.upscore2(score) + self.score_pool4(taps[self.pool4])
        fuse3 = self.upscore_pool4(fuse4) + self.score_pool3(taps[self.pool3])
        return self.upscore8(fuse3)


def _build(cls: type[Fcn32s], num_classes: int, weights: str | os.PathLike[str] | None, **kwargs: object) -> Fcn32s:
    path = weights_file(weights)
    state, source = None, ""
    if path is not None:
        state, source = load_checkpoint(path), str(path)
    elif weights is not None:
        if str(weights).lower() != "imagenet":
            raise Hw1Error(f"unknown weights {weights!r} for {cls.__name__}: use imagenet, none or a VGG16 file path")
        if kwargs.get("width", 1.0) != 1.0 or kwargs.get("fc_channels", 4096) != 4096:
            raise Hw1Error("ImageNet VGG16 weights need width=1 and fc_channels=4096")
        import torchvision

        enum = torchvision.models.VGG16_BN_Weights if kwargs.get("batch_norm") else torchvision.models.VGG16_Weights
        source = f"torchvision {enum.__name__}.IMAGENET1K_V1"
        try:  # fetched before building the 130M-parameter model, so an offline failure is instant
            state = enum.IMAGENET1K_V1.get_state_dict(progress=False)
        except Exception as exc:  # URLError, OSError, HTTP errors: any failed fetch
            raise download_error(f"VGG16 ({source})", exc) from exc
    model = cls(num_classes, **kwargs)  # type: ignore[arg-type]
    if state is not None:
        model.load_vgg16_state_dict(state, source=source)
    return model


def _register(cls: type[Fcn32s], summary: str) -> None:
    def builder(num_classes: int = NUM_CLASSES, weights: str | None = None, **kwargs: object) -> nn.Module:
        return _build(cls, num_classes, weights, **kwargs)

    builder.__name__, builder.__doc__ = cls.__name__.lower(), f"{summary}; weights imagenet|none|VGG16 file."
    register_model(builder, options=cls)


_register(Fcn32s, "Model A: VGG16-FCN32s (fc6 7x7 conv, x32 bilinear transposed conv)")
_register(Fcn16s, "VGG16-FCN16s (FCN32s + pool4 skip)")
_register(Fcn8s, "VGG16-FCN8s (pool4 + pool3 skips)")
