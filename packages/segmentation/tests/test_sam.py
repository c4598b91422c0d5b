from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

pytest.importorskip("segment_anything")

from hw1.core import IMAGENET_NORMALIZATION, Hw1CheckpointError, save_checkpoint  # noqa: E402
from hw1.segmentation.sam import (  # noqa: E402
    SAM_ARCHITECTURES,
    SamArchitecture,
    SamConfig,
    build_mask_generator,
    build_sam,
    generate_sam_masks,
    load_sam,
    masks_from_records,
    read_sam_json,
    refine_with_sam,
    register_sam_architecture,
    segment_images,
)
from hw1.segmentation.sam.tiny import TINY_SAM, save_tiny_sam  # noqa: E402

#: Same encoder width, other depth: a checkpoint of one must not load into the other.
TINY_DEEP = SamArchitecture(**{**TINY_SAM.__dict__, "encoder_depth": 3, "encoder_global_attn_indexes": (2,)})


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    register_sam_architecture("test_tiny_deep", TINY_DEEP)
    yield save_tiny_sam(tmp_path_factory.mktemp("sam") / "sam_tiny.pth", "test_tiny")
    SAM_ARCHITECTURES.pop("test_tiny", None)
    SAM_ARCHITECTURES.pop("test_tiny_deep", None)


def _config(tmp_path, checkpoint, **kw):
    base = dict(
        checkpoint=str(checkpoint),
        model_type="test_tiny",
        out_dir=str(tmp_path / "out"),
        points_per_side=4,
        pred_iou_thresh=0.0,
        stability_score_thresh=0.0,
        device="cpu",
    )
    base.update(kw)
    return SamConfig(**base)


def _image(h=48, w=56, seed=0):
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w, 3), dtype=np.uint8)
    img[:, : w // 2] = (30, 120, 40)
    img[:, w // 2 :] = (200, 190, 160)
    return np.clip(img + rng.integers(0, 20, size=img.shape), 0, 255).astype(np.uint8)


def test_registered_sizes_match_segment_anything():
    from segment_anything import sam_model_registry

    # Same architecture as segment_anything's builder: identical parameter names and shapes (vit_b).
    # Built on the meta device: shapes only, no memory or random init time.
    with torch.device("meta"):
        ours = {k: tuple(v.shape) for k, v in build_sam("vit_b").state_dict().items()}
        theirs = {k: tuple(v.shape) for k, v in sam_model_registry["vit_b"]().state_dict().items()}
    assert ours == theirs


def test_generate_masks_on_tiny_model(tiny_checkpoint, tmp_path):
    model = load_sam(tiny_checkpoint, "test_tiny")
    generator = build_mask_generator(model, _config(tmp_path, tiny_checkpoint))
    img = _image()
    records = generate_sam_masks(generator, img)
    assert records, "thresholds at 0 must let masks through"
    areas = [r["area"] for r in records]
    assert areas == sorted(areas, reverse=True)
    masks = masks_from_records(records)
    for rec, m in zip(records, masks, strict=True):
        assert m.shape == img.shape[:2] and m.dtype == bool
        assert int(m.sum()) == rec["area"]
        assert set(rec) >= {"segmentation", "bbox", "predicted_iou", "stability_score", "point_coords", "crop_box"}
    json.dumps(records)  # JSON-ready


def test_segment_images_writes_json_and_reports_bad_files(tiny_checkpoint, tmp_path):
    good = tmp_path / "0013_sat.jpg"
    Image.fromarray(_image()).save(good)
    bad = tmp_path / "0062_sat.jpg"
    bad.write_bytes(b"not an image")
    seen = []
    report = segment_images(
        _config(tmp_path, tiny_checkpoint),
        [good, bad],
        on_image=lambda p, rgb, recs, j: seen.append((p.name, rgb.shape, len(recs))),
    )
    assert [p.name for p in report.written] == ["0013_sat_sam.json"]
    assert [p.name for p, _ in report.failed] == ["0062_sat.jpg"]
    assert seen == [("0013_sat.jpg", (48, 56, 3), report.mask_counts["0013_sat.jpg"])]
    doc, masks = read_sam_json(report.written[0])
    assert doc["format"] == "hw1-segmentation-sam/1" and doc["model_type"] == "test_tiny"
    assert (doc["height"], doc["width"]) == (48, 56)
    assert doc["generator"]["points_per_side"] == 4
    assert len(masks) == len(doc["masks"]) == report.mask_counts["0013_sat.jpg"]


def test_missing_and_mismatched_checkpoints(tiny_checkpoint, tmp_path):
    with pytest.raises(Hw1CheckpointError, match="not found"):
        load_sam(tmp_path / "sam_vit_h_4b8939.pth", "vit_h")
    with pytest.raises(Hw1CheckpointError, match=r"does not fit SAM model type test_tiny_deep.*--model-type test_tiny"):
        load_sam(tiny_checkpoint, "test_tiny_deep")
    register_sam_architecture(
        "test_tiny_wide_decoder", SamArchitecture(**{**TINY_SAM.__dict__, "decoder_mlp_dim": 128})
    )
    try:
        expected = "does not fit SAM model type test_tiny_wide_decoder.*size mismatch"
        with pytest.raises(Hw1CheckpointError, match=expected):
            load_sam(tiny_checkpoint, "test_tiny_wide_decoder")
    finally:
        SAM_ARCHITECTURES.pop("test_tiny_wide_decoder", None)
    other = tmp_path / "resnet.pt"
    save_checkpoint({"conv1.weight": torch.zeros(1)}, other)
    with pytest.raises(Hw1CheckpointError, match="not a Segment Anything checkpoint"):
        load_sam(other, "vit_b")


def test_refine_with_sam_majority_vote():
    labels = np.zeros((10, 10), dtype=np.uint8)
    labels[:, 5:] = 3
    labels[2, 2] = 1  # noise inside region A
    labels[7, 8] = 4  # noise inside region B
    region_a = np.zeros((10, 10), dtype=bool)
    region_a[:, :5] = True
    region_b = ~region_a
    small = np.zeros((10, 10), dtype=bool)
    small[0:2, 0:2] = True
    labels[0:2, 0:2] = 2  # a small region with its own class, inside A
    out = refine_with_sam(labels, [small, region_a, region_b])
    assert out[2, 2] == 0 and out[7, 8] == 3  # noise removed
    assert (out[0:2, 0:2] == 2).all()  # smaller mask applied last keeps its vote
    assert (out[:, 5:] == 3).all()
    uncovered = refine_with_sam(labels, [])
    assert np.array_equal(uncovered, labels)
    # Ambiguous region left alone when agreement is demanded.
    half = np.zeros((10, 10), dtype=bool)
    half[:, 3:7] = True
    assert np.array_equal(refine_with_sam(labels, [half], min_agreement=0.9), labels)


def test_segment_images_refines_a_land_cover_prediction(tiny_checkpoint, tmp_path):
    from hw1.segmentation.checkpoint import CHECKPOINT_FORMAT, model_spec, plain_state_dict
    from hw1.segmentation.codec import read_mask
    from hw1.segmentation.models import create_model
    from hw1.segmentation.predict import Predictor

    kwargs = {"num_classes": 7, "width": 0.0625, "fc_channels": 8}
    torch.manual_seed(0)
    seg_ckpt = save_checkpoint(
        {
            "format": CHECKPOINT_FORMAT,
            "model": model_spec("fcn32s", kwargs),
            "state_dict": plain_state_dict(create_model("fcn32s", weights=None, **kwargs)),
            "normalization": IMAGENET_NORMALIZATION,
            "image_size": None,
        },
        tmp_path / "seg.pt",
    )
    img = tmp_path / "0013_sat.jpg"
    Image.fromarray(_image(64, 64)).save(img)
    report = segment_images(_config(tmp_path, tiny_checkpoint, refine_with=str(seg_ckpt)), [img])
    assert not report.failed
    assert [p.name for p in report.refined] == ["0013_mask.png"]
    _, masks = read_sam_json(report.written[0])
    rgb = np.array(Image.open(img).convert("RGB"))
    expected = refine_with_sam(Predictor(seg_ckpt, device="cpu").predict_array(rgb), masks)
    assert np.array_equal(read_mask(report.refined[0]), expected)
