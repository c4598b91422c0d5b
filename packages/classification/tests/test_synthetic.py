import csv

import numpy as np
from PIL import Image

from hw1.classification import make_synthetic_classification


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
    a = make_synthetic_classification(tmp_path / "a", num_classes=3, n_train_per_class=1, n_val_per_class=0,
                                      n_mini=2, num_mini_classes=2, size=24, mini_size=24, seed=5)
    b = make_synthetic_classification(tmp_path / "b", num_classes=3, n_train_per_class=1, n_val_per_class=0,
                                      n_mini=2, num_mini_classes=2, size=24, mini_size=24, seed=5)
    for name in ("0_0.jpg", "2_0.jpg"):
        assert np.array_equal(np.asarray(Image.open(a.office_train_dir / name)),
                              np.asarray(Image.open(b.office_train_dir / name)))
