"""Segmentation models by name: FCN-32s/16s/8s on VGG16, torchvision DeepLabV3/LR-ASPP/FCN, and
every segmentation-models-pytorch architecture (``smp:ARCH:ENCODER``)."""

from hw1.segmentation.models.fcn import Fcn8s, Fcn16s, Fcn32s, bilinear_kernel, bilinear_upsampler
from hw1.segmentation.models.registry import create_model, describe_model, list_models, model_options, register_model
from hw1.segmentation.models.smp_models import SmpSegmentation, list_smp_architectures, list_smp_encoders
from hw1.segmentation.models.torchvision_models import TorchvisionSegmentation

__all__ = [
    "Fcn8s",
    "Fcn16s",
    "Fcn32s",
    "SmpSegmentation",
    "TorchvisionSegmentation",
    "bilinear_kernel",
    "bilinear_upsampler",
    "create_model",
    "describe_model",
    "list_models",
    "model_options",
    "list_smp_architectures",
    "list_smp_encoders",
    "register_model",
]
