"""hw1-classification: Office-Home classification under settings A–E: backbone sources, one
shared head, fine-tune / linear probe, feature extraction, CSV prediction, synthetic data."""

from typing import TYPE_CHECKING

# Torch-free modules load at once; the rest (torch, torchvision) on first use (PEP 562), so that
# `hw1 cls train --help` reads FinetuneConfig without importing torch.
from hw1.classification.config import FinetuneConfig
from hw1.classification.settings import SETTINGS, Setting, get_setting
from hw1.classification.synthetic import make_synthetic_classification
from hw1.core.lazy_exports import lazy_exports

#: Attributes that need torch, by defining module: imported when first asked for.
_LAZY: dict[str, tuple[str, ...]] = {
    "hw1.classification.backbones": ("load_backbone",),
    "hw1.classification.checkpoint": ("CHECKPOINT_FORMAT", "export_backbone", "load_classifier"),
    "hw1.classification.dataset": ("OfficeHomeCsv", "build_transform", "read_csv_rows"),
    "hw1.classification.experiments": ("run_experiments",),
    "hw1.classification.features": ("loader_features", "save_features"),
    "hw1.classification.head": ("Classifier", "ClassifierHead", "build_classifier", "freeze_backbone"),
    "hw1.classification.predict": ("PredictionReport", "predict_csv"),
    "hw1.classification.training": ("train_classifier",),
}
__getattr__, __dir__ = lazy_exports(globals(), _LAZY)

if TYPE_CHECKING:  # what static type checkers and IDEs see
    from hw1.classification.backbones import load_backbone
    from hw1.classification.checkpoint import CHECKPOINT_FORMAT, export_backbone, load_classifier
    from hw1.classification.dataset import OfficeHomeCsv, build_transform, read_csv_rows
    from hw1.classification.experiments import run_experiments
    from hw1.classification.features import loader_features, save_features
    from hw1.classification.head import Classifier, ClassifierHead, build_classifier, freeze_backbone
    from hw1.classification.predict import PredictionReport, predict_csv
    from hw1.classification.training import train_classifier

__version__ = "0.3.0"

__all__ = [
    "CHECKPOINT_FORMAT",
    "SETTINGS",
    "Classifier",
    "ClassifierHead",
    "FinetuneConfig",
    "OfficeHomeCsv",
    "PredictionReport",
    "Setting",
    "build_classifier",
    "build_transform",
    "export_backbone",
    "freeze_backbone",
    "get_setting",
    "load_backbone",
    "load_classifier",
    "loader_features",
    "make_synthetic_classification",
    "predict_csv",
    "read_csv_rows",
    "run_experiments",
    "save_features",
    "train_classifier",
]
