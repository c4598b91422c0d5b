import csv

import numpy as np
import pytest
from PIL import Image

from hw1.classification import make_synthetic_classification
from hw1.classification.synthetic import PALETTE, make_tiny_classification
from hw1.core import Hw1Error


def test_layout_and_names(synth):
    rows = list(csv.DictReader(open(synth.office_train_csv)))
    assert list(rows[0]) == ["id", "filename", "label"] and len(rows) == 15
    for r in rows:
        assert r["filename"].split("_")[0] == r["label"]  # label_index.jpg as in the real data
        assert (synth.office_train_dir / r["filename"]).is_file()
    assert len(list(synth.mini_dir.glob("*.jpg"))) == 20
    labels = list(csv.DictReader(open(synth.mini_labels_csv)))
    assert len(labels) == 20 and all(0 <= int(r["label"]) < 4 for r in labels)
    assert Image.open(synth.mini_dir / "00000.jpg").size == (32, 32)


def test_deterministic_by_seed(tmp_path):
    a, b = (make_tiny_classification(tmp_path / n, num_classes=3, n_val_per_class=0, size=24, seed=5) for n in "ab")
    for name in ("0_0.jpg", "2_0.jpg"):
        assert np.array_equal(
            np.asarray(Image.open(a.office_train_dir / name)), np.asarray(Image.open(b.office_train_dir / name))
        )


def test_office_and_mini_classes_are_disjoint_pairs_of_shared_primitives(synth):
    office = {(r["shape"], r["texture"]) for r in csv.DictReader(open(synth.root / "office" / "classes.csv"))}
    mini = {(r["shape"], r["texture"]) for r in csv.DictReader(open(synth.root / "mini" / "classes.csv"))}
    assert len(office) == synth.num_classes and len(mini) == synth.num_mini_classes
    assert not office & mini


def test_colour_is_nuisance_images_are_painted_from_one_palette_in_random_roles(tmp_path):
    s = make_tiny_classification(tmp_path, num_classes=1, n_train_per_class=12, n_val_per_class=0, size=48, seed=2)
    palette = PALETTE * 255.0
    backgrounds = set()
    for path in sorted(s.office_train_dir.glob("*.jpg")):
        pixels = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32).reshape(-1, 1, 3)
        distance = np.abs(pixels - palette[None]).max(-1)  # to each palette colour, worst channel
        assert (distance.min(1) < 80).mean() > 0.97, path.name  # palette colours, up to noise and JPEG
        backgrounds.add(int(np.bincount(distance.argmin(1), minlength=3).argmax()))
    assert len(backgrounds) >= 2  # one class, several background colours: colour says nothing of the class


def test_too_many_classes_is_one_error_before_anything_is_written(tmp_path):
    with pytest.raises(Hw1Error, match="exceed the 104"):
        make_synthetic_classification(tmp_path / "out", num_classes=80, num_mini_classes=30)
    assert not (tmp_path / "out").exists()
