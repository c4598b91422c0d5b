"""hw1-segmentation: Satellite land-cover segmentation: official mask codec and mIoU, FCN32s/DeepLabV3/smp models, training, streaming prediction, SAM"""

# Formats, metric and data (palette, codec, metrics, dataset, transforms, evaluate, synthetic).
# transforms.py (albumentations + OpenCV, slow to import) loads on first use: see __getattr__.
from hw1.segmentation.codec import RED_CHOICES, decode_mask, encode_mask, mask_codes, read_mask, write_mask
from hw1.segmentation.dataset import IMAGENET_NORMALIZATION, SegmentationPairs, image_to_tensor, list_pairs
from hw1.segmentation.evaluate import SegEvaluation, evaluate_folders, format_official, pair_mask_files
from hw1.segmentation.metrics import ConfusionMatrix, MeanIoUResult
from hw1.segmentation.palette import CLASS_NAMES, MIOU_CLASSES, NUM_CLASSES, PALETTE, UNKNOWN
from hw1.segmentation.synthetic import make_synthetic_pair, make_synthetic_segmentation, render_satellite

_LAZY_TRANSFORMS = ("build_train_transform", "build_eval_transform")


def __getattr__(name: str):  # PEP 562: import the albumentations-based transforms only when asked
    if name in _LAZY_TRANSFORMS:
        from hw1.segmentation import transforms

        return getattr(transforms, name)
    raise AttributeError(f"module 'hw1.segmentation' has no attribute {name!r}")

# SAM automatic masks and SAM-refined maps (segment-anything is imported only when SAM is used).
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

# Models, losses, training and prediction.
from hw1.segmentation.checkpoint import CHECKPOINT_FORMAT, load_model_from_checkpoint, model_checkpoint
from hw1.segmentation.inference import predict_logits, sliding_window_logits
from hw1.segmentation.losses import LOSS_CHOICES, build_loss
from hw1.segmentation.models import Fcn8s, Fcn16s, Fcn32s, create_model, list_models, register_model
from hw1.segmentation.predict import PredictReport, Predictor, mask_name, predict_folder
from hw1.segmentation.train import SegTrainConfig, train_segmentation

__version__ = "0.1.0"
