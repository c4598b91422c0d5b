"""hw1-ssl: self-supervised pre-training of ResNet backbones (BYOL first; SimCLR, MoCo v2,
SimSiam, Barlow Twins, VICReg) built from lightly's heads and losses, with an online kNN monitor
and export of the backbone as a plain torchvision state_dict.

>>> from hw1.ssl import PretrainConfig, pretrain, export_backbone
>>> result = pretrain(PretrainConfig(images="mini/train", out_dir="ssl_run", backbone="resnet50"))
>>> export_backbone(result["last_checkpoint"], "backbone.pt")
"""

from typing import TYPE_CHECKING

from hw1.core.lazy_exports import lazy_exports

# Torch-free modules load at once; the rest (torch, lightly) on first use (PEP 562), so that `hw1 ssl
# pretrain --help` reads PretrainConfig without importing torch. The loop's module is `training`, not
# `pretrain`: a submodule named like a lazy function would replace it here once imported.
from hw1.ssl.config import PretrainConfig
from hw1.ssl.labeled_csv import LabeledImages, read_labeled_csv

__getattr__, __dir__ = lazy_exports(globals())  # the names of the TYPE_CHECKING block below

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time, names loaded on first use
    from hw1.core.run import build_optimizer
    from hw1.ssl.augmentations import AUGMENTATIONS, build_eval_transform, build_two_view_transform
    from hw1.ssl.dataset import UnlabeledImageFolder
    from hw1.ssl.export import export_backbone
    from hw1.ssl.knn import KnnMonitor, knn_accuracy, normalized_image_features
    from hw1.ssl.methods import SSLMethod, create_method, list_methods, method_defaults, register_method
    from hw1.ssl.run_checkpoint import CHECKPOINT_FORMAT, read_run_checkpoint
    from hw1.ssl.training import pretrain

__version__ = "0.4.0"

__all__ = [
    "AUGMENTATIONS",
    "CHECKPOINT_FORMAT",
    "KnnMonitor",
    "LabeledImages",
    "PretrainConfig",
    "SSLMethod",
    "UnlabeledImageFolder",
    "build_eval_transform",
    "build_optimizer",
    "build_two_view_transform",
    "create_method",
    "export_backbone",
    "knn_accuracy",
    "list_methods",
    "method_defaults",
    "normalized_image_features",
    "pretrain",
    "read_labeled_csv",
    "read_run_checkpoint",
    "register_method",
]
