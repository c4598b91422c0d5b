"""hw1-classification: Office-Home classification under settings A-E: backbone sources, one head, fine-tune / linear probe, features, CSV prediction"""

__version__ = "0.1.0"
