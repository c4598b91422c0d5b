"""hw1-viz: Figures for the hw1 study: t-SNE/PCA embeddings, mask overlays, stage panels, curves, confusion matrices"""

__version__ = "0.1.0"
