"""hw1-segmentation: Satellite land-cover segmentation: official mask codec and mIoU, FCN32s/DeepLabV3/smp
models, training, streaming prediction, SAM"""

from typing import TYPE_CHECKING

from hw1.core.lazy_exports import lazy_exports, type_checking_imports
from hw1.core.normalization import IMAGENET_NORMALIZATION
from hw1.segmentation import sam  # torch-free: its names load on first use

# numpy + PIL only: the codec, the training config, the official mIoU, eval.json, stage names and synthetic
# data load at once; everything that needs torch (models, training, prediction, SAM) or albumentations loads on
# first use (PEP 562), so `import hw1.segmentation`, `hw1 seg evaluate` and `--help` never import torch.
from hw1.segmentation.codec import RED_CHOICES, decode_mask, encode_mask, mask_codes, read_mask, write_mask
from hw1.segmentation.config import LOSS_CHOICES, SegTrainConfig
from hw1.segmentation.evaluate import (
    SegEvaluation,
    evaluate_folders,
    format_official,
    pair_mask_files,
    read_evaluation,
    write_evaluation,
)
from hw1.segmentation.metrics import ConfusionMatrix, MeanIoUResult
from hw1.segmentation.palette import CLASS_NAMES, MIOU_CLASSES, NUM_CLASSES, PALETTE, UNKNOWN
from hw1.segmentation.stages import DEFAULT_STAGE_IDS, STAGES, StagePredictions, predict_stages
from hw1.segmentation.synthetic import make_synthetic_pair, make_synthetic_segmentation, render_satellite

# Attributes that need torch (or albumentations) load on first use from the module their TYPE_CHECKING import
# below names; SAM's (imported with *) by sam.__all__.
_LAZY = {**type_checking_imports(__loader__.get_source(__name__)), "hw1.segmentation.sam": sam.__all__}
__getattr__, __dir__ = lazy_exports(globals(), _LAZY)

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time, names loaded on first use
    from hw1.segmentation.checkpoint import CHECKPOINT_FORMAT, load_model_from_checkpoint, model_checkpoint
    from hw1.segmentation.dataset import SegmentationPairs, image_to_tensor, list_pairs
    from hw1.segmentation.inference import predict_logits, sliding_window_logits
    from hw1.segmentation.losses import build_loss
    from hw1.segmentation.models import Fcn8s, Fcn16s, Fcn32s, create_model, list_models, register_model
    from hw1.segmentation.predict import PredictionReport, Predictor, mask_name, predict_folder
    from hw1.segmentation.sam import *  # noqa: F403
    from hw1.segmentation.train import train_segmentation
    from hw1.segmentation.transforms import build_eval_transform, build_train_transform


__all__ = [
    "CHECKPOINT_FORMAT",
    "CLASS_NAMES",
    "ConfusionMatrix",
    "DEFAULT_STAGE_IDS",
    "Fcn16s",
    "Fcn32s",
    "Fcn8s",
    "IMAGENET_NORMALIZATION",
    "LOSS_CHOICES",
    "MIOU_CLASSES",
    "MeanIoUResult",
    "NUM_CLASSES",
    "PALETTE",
    "PredictionReport",
    "Predictor",
    "RED_CHOICES",
    "STAGES",
    "SegEvaluation",
    "SegTrainConfig",
    "SegmentationPairs",
    "StagePredictions",
    "UNKNOWN",
    "build_eval_transform",
    "build_loss",
    "build_train_transform",
    "create_model",
    "decode_mask",
    "encode_mask",
    "evaluate_folders",
    "format_official",
    "image_to_tensor",
    "list_models",
    "list_pairs",
    "load_model_from_checkpoint",
    "make_synthetic_pair",
    "make_synthetic_segmentation",
    "mask_codes",
    "mask_name",
    "model_checkpoint",
    "pair_mask_files",
    "predict_folder",
    "predict_logits",
    "predict_stages",
    "read_evaluation",
    "read_mask",
    "register_model",
    "render_satellite",
    "sliding_window_logits",
    "train_segmentation",
    "write_evaluation",
    "write_mask",
]
__all__ += sam.__all__

__version__ = "0.4.0"
