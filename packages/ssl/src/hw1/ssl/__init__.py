"""hw1-ssl: Self-supervised pre-training of ResNet backbones (BYOL and friends) with a kNN monitor and backbone export"""

__version__ = "0.1.0"
