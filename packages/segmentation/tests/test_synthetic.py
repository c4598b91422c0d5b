import hashlib

import numpy as np
import pytest
from PIL import Image

from hw1.core import Hw1DataError
from hw1.segmentation.codec import decode_mask, read_mask
from hw1.segmentation.dataset import list_pairs
from hw1.segmentation.palette import NUM_CLASSES, PALETTE, UNKNOWN
from hw1.segmentation.synthetic import make_synthetic_segmentation


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_layout_and_valid_palette_masks(synthetic_seg_data):
    train, val = list_pairs(synthetic_seg_data / "train"), list_pairs(synthetic_seg_data / "validation")
    assert [p[2] for p in train] == [f"{i:04d}" for i in range(12)]
    assert [p[2] for p in val] == ["0000", "0001", "0002", "0003"]
    seen = set()
    for sat, mask, _ in train + val:
        with Image.open(sat) as img:
            assert img.format == "JPEG" and img.mode == "RGB" and img.size == (64, 64)
        with Image.open(mask) as img:
            assert img.format == "PNG" and img.mode == "RGB" and img.size == (64, 64)
            rgb = np.asarray(img)
        colours = {tuple(c) for c in np.unique(rgb.reshape(-1, 3), axis=0)}
        assert colours <= {tuple(c) for c in PALETTE.tolist()}  # pure palette colours only
        seen |= set(np.unique(decode_mask(rgb)).tolist())  # red="error": no red hole either
    assert seen == set(range(NUM_CLASSES))  # every class, Unknown included, occurs


def test_unknown_is_rare_and_present_in_each_split(synthetic_seg_data):
    for split in ("train", "validation"):
        labels = np.stack([read_mask(m) for _, m, _ in list_pairs(synthetic_seg_data / split)])
        assert (labels[0] == UNKNOWN).any()  # image 0 of each split always has a patch
        assert 0 < (labels == UNKNOWN).mean() < 0.06


def test_colour_alone_does_not_solve_the_task(synthetic_seg_data):
    # Nearest class-mean colour per pixel: a model needs texture/context to do much better.
    pairs = list_pairs(synthetic_seg_data / "train")
    images = np.stack([np.asarray(Image.open(s), dtype=np.float32) for s, _, _ in pairs]).reshape(-1, 3)
    labels = np.stack([read_mask(m) for _, m, _ in pairs]).reshape(-1)
    means = np.stack([images[labels == c].mean(axis=0) for c in range(NUM_CLASSES)])
    nearest = np.argmin(((images[:, None, :] - means[None]) ** 2).sum(-1), axis=1)
    assert (nearest == labels).mean() < 0.75


def test_same_seed_same_files_other_seed_other_files(tmp_path, synthetic_seg_data):
    again = make_synthetic_segmentation(tmp_path / "a", n_train=12, n_val=4, size=64, seed=0)
    assert digest(again) == digest(synthetic_seg_data)
    other = make_synthetic_segmentation(tmp_path / "b", n_train=2, n_val=0, size=64, seed=1)
    assert digest(other)["0000_sat.jpg"] != digest(again)["0000_sat.jpg"]


def test_study_validation_ids_exist_from_105(tmp_path):
    root = make_synthetic_segmentation(tmp_path, n_train=0, n_val=105, size=16)
    ids = [p[2] for p in list_pairs(root / "validation")]
    assert len(ids) == 105 and {"0013", "0062", "0104"} <= set(ids)
    assert not any((root / "train").iterdir())


def test_existing_pairs_need_overwrite(tmp_path):
    make_synthetic_segmentation(tmp_path, n_train=3, n_val=1, size=16)
    (tmp_path / "train" / "keep.txt").write_text("user file")
    with pytest.raises(Hw1DataError, match="already holds"):
        make_synthetic_segmentation(tmp_path, n_train=1, n_val=1, size=16)
    make_synthetic_segmentation(tmp_path, n_train=1, n_val=1, size=16, overwrite=True)
    assert sorted(p.name for p in (tmp_path / "train").iterdir()) == ["0000_mask.png", "0000_sat.jpg", "keep.txt"]


def test_bad_arguments(tmp_path):
    with pytest.raises(Hw1DataError, match="size"):
        make_synthetic_segmentation(tmp_path, size=8)
    with pytest.raises(Hw1DataError, match="n_train"):
        make_synthetic_segmentation(tmp_path, n_train=-1)


def test_cli_synth_seg(tmp_path):
    main = pytest.importorskip("hw1.cli.main", reason="hw1-cli not installed (package tested alone)")
    from click.testing import CliRunner

    out = tmp_path / "p2"
    result = CliRunner().invoke(
        main.cli, ["data", "synth-seg", str(out), "--n-train", "2", "--n-val", "1", "--size", "32", "--seed", "5"]
    )
    assert result.exit_code == 0, result.output
    assert "wrote 2 train and 1 validation pairs of 32x32" in result.stdout
    assert len(list_pairs(out / "train")) == 2 and len(list_pairs(out / "validation")) == 1
    again = CliRunner().invoke(main.cli, ["data", "synth-seg", str(out), "--n-train", "1"])
    assert again.exit_code == 2 and "already holds" in again.stderr
