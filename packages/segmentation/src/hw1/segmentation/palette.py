"""The study's seven land-cover classes, their names and their mask colours.

A mask PNG paints every pixel in one of seven pure colours (see :data:`PALETTE`). Class ids follow
the official ``mean_iou_evaluate.py``: 0 Urban, 1 Agriculture, 2 Rangeland, 3 Forest, 4 Water,
5 Barren, 6 Unknown. Unknown is not scored by the official mIoU (:data:`MIOU_CLASSES`), but its
pixels still count as errors of the other classes.
"""

from __future__ import annotations

import numpy as np

#: Number of classes a segmentation model predicts (Unknown included).
NUM_CLASSES = 7

#: Id of the Unknown class (black in masks).
UNKNOWN = 6

#: Class names, indexed by class id.
CLASS_NAMES: tuple[str, ...] = ("Urban", "Agriculture", "Rangeland", "Forest", "Water", "Barren", "Unknown")

#: Mask colour of each class id, ``(7, 3) uint8``: row ``c`` is the RGB colour of class ``c``.
PALETTE = np.array(
    [
        (0, 255, 255),  # Urban: cyan
        (255, 255, 0),  # Agriculture: yellow
        (255, 0, 255),  # Rangeland: magenta
        (0, 255, 0),  # Forest: green
        (0, 0, 255),  # Water: blue
        (255, 255, 255),  # Barren: white
        (0, 0, 0),  # Unknown: black
    ],
    dtype=np.uint8,
)
PALETTE.setflags(write=False)

#: Classes averaged by the official mean IoU (Unknown is left out).
MIOU_CLASSES: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
