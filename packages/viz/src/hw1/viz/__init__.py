"""hw1-viz: figures for the hw1 study — t-SNE/PCA embeddings and class scatter plots, mask
overlays in the official look, stage panels, training curves, confusion matrices and SAM overlays.

Arrays in, PNG files out: numpy, matplotlib (Agg canvases, no pyplot), Pillow, scikit-learn and
openTSNE only; it knows no other hw1 package and never loads a model.
"""

from hw1.viz.class_styles import class_styles, distinct_colors
from hw1.viz.confusion import iou_from_confusion, plot_confusion
from hw1.viz.curves import curve_panels, metric_family, metric_series, plot_training_curves
from hw1.viz.embedding import embed, embedding_silhouette
from hw1.viz.errors import VizInputError
from hw1.viz.features import FeatureSet, read_feature_file
from hw1.viz.overlay import class_edges, mask_overlay, save_mask_overlay, write_png
from hw1.viz.sam_overlay import sam_overlay, save_sam_overlay
from hw1.viz.scatter import EmbeddingComparison, legend_handles, plot_embedding, plot_embedding_comparison
from hw1.viz.stages import stage_panel

__version__ = "0.3.0"

__all__ = [
    "EmbeddingComparison",
    "FeatureSet",
    "VizInputError",
    "class_edges",
    "class_styles",
    "curve_panels",
    "distinct_colors",
    "embed",
    "embedding_silhouette",
    "iou_from_confusion",
    "legend_handles",
    "mask_overlay",
    "metric_family",
    "metric_series",
    "plot_confusion",
    "plot_embedding",
    "plot_embedding_comparison",
    "plot_training_curves",
    "read_feature_file",
    "sam_overlay",
    "save_mask_overlay",
    "save_sam_overlay",
    "stage_panel",
    "write_png",
]
