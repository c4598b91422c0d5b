"""hw1-segmentation: Satellite land-cover segmentation: official mask codec and mIoU, FCN32s/DeepLabV3/smp models, training, streaming prediction, SAM"""

# The albumentations-based transforms (slow to import, OpenCV) load on first use: see __getattr__;
# segment-anything is imported only when SAM is used.
from hw1.segmentation.checkpoint import CHECKPOINT_FORMAT, load_model_from_checkpoint, model_checkpoint
from hw1.segmentation.codec import RED_CHOICES, decode_mask, encode_mask, mask_codes, read_mask, write_mask
from hw1.segmentation.dataset import IMAGENET_NORMALIZATION, SegmentationPairs, image_to_tensor, list_pairs
from hw1.segmentation.evaluate import SegEvaluation, evaluate_folders, format_official, pair_mask_files
from hw1.segmentation.inference import predict_logits, sliding_window_logits
from hw1.segmentation.losses import LOSS_CHOICES, build_loss
from hw1.segmentation.metrics import ConfusionMatrix, MeanIoUResult
from hw1.segmentation.models import Fcn8s, Fcn16s, Fcn32s, create_model, list_models, register_model
from hw1.segmentation.palette import CLASS_NAMES, MIOU_CLASSES, NUM_CLASSES, PALETTE, UNKNOWN
from hw1.segmentation.predict import Predictor, PredictReport, mask_name, predict_folder
from hw1.segmentation.sam import (
    SAM_ARCHITECTURES,
    SAM_CHECKPOINT_FILES,
    SamArchitecture,
    SamConfig,
    SamReport,
    build_mask_generator,
    build_sam,
    generate_sam_masks,
    load_sam,
    masks_from_records,
    read_sam_json,
    refine_with_sam,
    register_sam_architecture,
    segment_images,
    write_sam_json,
)
from hw1.segmentation.synthetic import make_synthetic_pair, make_synthetic_segmentation, render_satellite
from hw1.segmentation.train import SegTrainConfig, train_segmentation

_LAZY_TRANSFORMS = ("build_train_transform", "build_eval_transform")


def __getattr__(name: str):  # PEP 562: import the albumentations-based transforms only when asked
    if name in _LAZY_TRANSFORMS:
        from hw1.segmentation import transforms

        return getattr(transforms, name)
    raise AttributeError(f"module 'hw1.segmentation' has no attribute {name!r}")


__all__ = [
    "CHECKPOINT_FORMAT",
    "CLASS_NAMES",
    "ConfusionMatrix",
    "Fcn16s",
    "Fcn32s",
    "Fcn8s",
    "IMAGENET_NORMALIZATION",
    "LOSS_CHOICES",
    "MIOU_CLASSES",
    "MeanIoUResult",
    "NUM_CLASSES",
    "PALETTE",
    "PredictReport",
    "Predictor",
    "RED_CHOICES",
    "SAM_ARCHITECTURES",
    "SAM_CHECKPOINT_FILES",
    "SamArchitecture",
    "SamConfig",
    "SamReport",
    "SegEvaluation",
    "SegTrainConfig",
    "SegmentationPairs",
    "UNKNOWN",
    "build_eval_transform",
    "build_loss",
    "build_mask_generator",
    "build_sam",
    "build_train_transform",
    "create_model",
    "decode_mask",
    "encode_mask",
    "evaluate_folders",
    "format_official",
    "generate_sam_masks",
    "image_to_tensor",
    "list_models",
    "list_pairs",
    "load_model_from_checkpoint",
    "load_sam",
    "make_synthetic_pair",
    "make_synthetic_segmentation",
    "mask_codes",
    "mask_name",
    "masks_from_records",
    "model_checkpoint",
    "pair_mask_files",
    "predict_folder",
    "predict_logits",
    "read_mask",
    "read_sam_json",
    "refine_with_sam",
    "register_model",
    "register_sam_architecture",
    "render_satellite",
    "segment_images",
    "sliding_window_logits",
    "train_segmentation",
    "write_mask",
    "write_sam_json",
]

__version__ = "0.1.1"
