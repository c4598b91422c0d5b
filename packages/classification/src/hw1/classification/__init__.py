"""hw1-classification: Office-Home classification under settings A–E: backbone sources, one
shared head, fine-tune / linear probe, feature extraction, CSV prediction, synthetic data."""

from typing import TYPE_CHECKING

# Torch-free modules load at once; the rest (torch, torchvision) on first use (PEP 562), so that
# `hw1 cls train --help` reads FinetuneConfig without importing torch.
from hw1.classification.config import FinetuneConfig
from hw1.classification.settings import SETTINGS, Setting, get_setting
from hw1.classification.synthetic import make_synthetic_classification
from hw1.core.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(globals())  # the names of the TYPE_CHECKING block below

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time, names loaded on first use
    from hw1.classification.backbones import load_backbone
    from hw1.classification.checkpoint import CHECKPOINT_FORMAT, export_backbone, load_classifier
    from hw1.classification.dataset import OfficeHomeCsv, build_transform, read_csv_rows
    from hw1.classification.experiments import run_experiments
    from hw1.classification.features import loader_features, save_features
    from hw1.classification.head import Classifier, ClassifierHead, build_classifier, freeze_backbone
    from hw1.classification.predict import PredictionReport, predict_csv
    from hw1.classification.training import train_classifier

__version__ = "0.4.0"

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
