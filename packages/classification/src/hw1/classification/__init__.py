"""hw1-classification: Office-Home classification under the study's settings A-E — backbone
sources on hw1-core's strict loader, one shared head, fine-tuning / linear probing (with cached
features for frozen backbones), t-SNE feature files, CSV prediction and synthetic data."""

from hw1.classification.backbones import load_backbone, load_backbone_weights
from hw1.classification.checkpoint import CHECKPOINT_FORMAT, export_backbone, load_classifier
from hw1.classification.config import FinetuneConfig
from hw1.classification.dataset import CsvImageDataset, build_transform, read_csv_rows
from hw1.classification.experiments import run_experiments, write_table
from hw1.classification.head import Classifier, ClassifierHead
from hw1.classification.predict import PredictReport, predict_csv
from hw1.classification.settings import SETTINGS, resolve_setting
from hw1.classification.synthetic import make_synthetic_classification
from hw1.classification.train import extract_features, train_classifier

__version__ = "0.1.0"

__all__ = [
    "CHECKPOINT_FORMAT",
    "Classifier",
    "ClassifierHead",
    "CsvImageDataset",
    "FinetuneConfig",
    "PredictReport",
    "SETTINGS",
    "build_transform",
    "export_backbone",
    "extract_features",
    "load_backbone",
    "load_backbone_weights",
    "load_classifier",
    "make_synthetic_classification",
    "predict_csv",
    "read_csv_rows",
    "resolve_setting",
    "run_experiments",
    "train_classifier",
    "write_table",
]
