import numpy as np

from hw1.segmentation.palette import CLASS_NAMES, MIOU_CLASSES, NUM_CLASSES, PALETTE, UNKNOWN


def test_palette_is_the_study_table():
    assert NUM_CLASSES == 7 and UNKNOWN == 6
    assert CLASS_NAMES == ("Urban", "Agriculture", "Rangeland", "Forest", "Water", "Barren", "Unknown")
    assert PALETTE.dtype == np.uint8 and PALETTE.shape == (7, 3)
    assert PALETTE.tolist() == [
        [0, 255, 255],
        [255, 255, 0],
        [255, 0, 255],
        [0, 255, 0],
        [0, 0, 255],
        [255, 255, 255],
        [0, 0, 0],
    ]
    assert MIOU_CLASSES == (0, 1, 2, 3, 4, 5)


def test_palette_is_read_only():
    assert not PALETTE.flags.writeable
