import pytest

from hw1.core import IMAGENET_MEAN, IMAGENET_NORMALIZATION, IMAGENET_STD


def test_normalization_values_agree():
    assert IMAGENET_MEAN == (0.485, 0.456, 0.406)
    assert IMAGENET_STD == (0.229, 0.224, 0.225)
    assert IMAGENET_NORMALIZATION == {"mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD)}


def test_packages_use_the_core_values():
    cls_dataset = pytest.importorskip("hw1.classification.dataset")
    segmentation = pytest.importorskip("hw1.segmentation")

    assert segmentation.IMAGENET_NORMALIZATION is IMAGENET_NORMALIZATION
    assert cls_dataset.IMAGENET_MEAN is IMAGENET_MEAN
