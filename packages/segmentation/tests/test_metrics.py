import json
import math

import numpy as np
import pytest
import torch

from hw1.segmentation.codec import read_mask
from hw1.segmentation.metrics import ConfusionMatrix

# gt/pred by hand: class 0 TP=1 P=2 G=2 (an Unknown pixel predicted 0 is a false positive of 0),
# class 1 TP=2 P=3 G=2, classes 2-5 absent from both, Unknown TP=1 P=1 G=2.
GT = np.array([[0, 0, 1], [1, 6, 6]], dtype=np.uint8)
PRED = np.array([[0, 1, 1], [1, 0, 6]], dtype=np.uint8)


def test_hand_computed_iou_with_absent_classes_and_unknown_errors():
    cm = ConfusionMatrix().update(PRED, GT)
    iou = cm.iou()
    assert iou[0] == pytest.approx(1 / 3)
    assert iou[1] == pytest.approx(2 / 3)
    assert all(math.isnan(v) for v in iou[2:6])
    assert iou[6] == pytest.approx(1 / 2)
    assert math.isnan(cm.mean_iou())  # the official mean is nan when a scored class is absent
    assert cm.mean_iou_nansafe() == pytest.approx(0.5)
    assert cm.pixel_accuracy() == pytest.approx(4 / 6)
    assert cm.total() == 6
    assert cm.counts()[6, 0] == 1  # row = ground truth, column = prediction


def test_hand_computed_official_mean_with_every_class_present():
    gt = np.array([0, 1, 2, 3, 4, 5, 6, 0, 1, 2])
    pred = np.array([0, 1, 2, 3, 4, 5, 0, 1, 1, 3])
    cm = ConfusionMatrix().update(pred, gt)
    # 0: TP1 P2 G2 -> 1/3; 1: TP2 P3 G2 -> 2/3; 2: TP1 P1 G2 -> 1/2; 3: TP1 P2 G1 -> 1/2; 4, 5: 1
    expected = [1 / 3, 2 / 3, 1 / 2, 1 / 2, 1.0, 1.0]
    np.testing.assert_allclose(cm.iou()[:6], expected)
    assert cm.mean_iou() == pytest.approx(sum(expected) / 6)
    assert cm.mean_iou_nansafe() == pytest.approx(sum(expected) / 6)


def test_dataset_level_not_per_image_mean():
    # Image a is perfect on class 0, image b gets it wrong: IoU over both, not the mean of two IoUs.
    cm = ConfusionMatrix()
    cm.update(np.zeros((1, 3), np.uint8), np.zeros((1, 3), np.uint8))
    cm.update(np.array([[1]], np.uint8), np.array([[0]], np.uint8))
    assert cm.iou()[0] == pytest.approx(3 / 4)


def test_torch_and_numpy_inputs_agree_and_logits_are_argmaxed():
    rng = np.random.default_rng(0)
    gt = rng.integers(0, 7, (2, 9, 11))
    pred = rng.integers(0, 7, (2, 9, 11))
    a = ConfusionMatrix().update(pred, gt)
    b = ConfusionMatrix().update(torch.from_numpy(pred), torch.from_numpy(gt))
    logits = torch.nn.functional.one_hot(torch.from_numpy(pred), 7).permute(0, 3, 1, 2).float()
    c = ConfusionMatrix().update(logits, torch.from_numpy(gt))
    assert np.array_equal(a.counts(), b.counts()) and np.array_equal(a.counts(), c.counts())
    assert a.counts().dtype == np.int64 and a.total() == gt.size
    # numpy inputs keep numpy counts; a device keeps torch counts there, with the same numbers
    assert isinstance(a.matrix, np.ndarray) and a.device is None
    d = ConfusionMatrix(device="cpu").update(pred, gt)
    assert isinstance(d.matrix, torch.Tensor) and np.array_equal(d.counts(), a.counts())


def test_ignored_targets_are_skipped_and_bad_predictions_rejected():
    cm = ConfusionMatrix().update(np.array([0, 1, 2]), np.array([0, 255, 2]))
    assert cm.total() == 2 and cm.pixel_accuracy() == 1.0
    with pytest.raises(ValueError, match="0..6"):
        ConfusionMatrix().update(np.array([7]), np.array([0]))
    with pytest.raises(ValueError, match="shape"):
        ConfusionMatrix().update(np.zeros((2, 2)), np.zeros((2, 3)))


def test_accelerator_path_counts_like_the_checked_path():
    from hw1.segmentation.metrics import _checked_counts, _sync_free_counts

    rng = np.random.default_rng(3)
    target = torch.from_numpy(rng.integers(0, 7, 5000))
    target[::17] = 255  # ignore index
    pred = torch.from_numpy(rng.integers(0, 7, 5000))
    assert torch.equal(_sync_free_counts(pred, target, 7), _checked_counts(pred, target, 7))
    pred[0] = 9  # out of range: skipped, never counted in another cell
    counts = _sync_free_counts(pred, target, 7)
    assert int(counts.sum()) == int((target < 7).sum()) - int(target[0] < 7)


def test_merge_reset_from_matrix_and_single_process_all_reduce():
    a = ConfusionMatrix().update(PRED, GT)
    b = ConfusionMatrix().update(PRED, GT)
    a.merge(b)
    assert a.total() == 12 and a.iou()[0] == pytest.approx(1 / 3)
    c = ConfusionMatrix.from_matrix(a.counts().tolist())
    assert np.array_equal(c.counts(), a.counts())
    assert np.array_equal(a.all_reduce().counts(), c.counts())  # no process group: unchanged
    t = ConfusionMatrix.from_matrix(torch.from_numpy(a.counts()))
    assert t.device == torch.device("cpu") and np.array_equal(t.merge(c).counts(), 2 * c.counts())
    a.reset()
    assert a.total() == 0 and math.isnan(a.pixel_accuracy()) and math.isnan(a.mean_iou_nansafe())


def test_result_to_dict_is_strict_json():
    out = ConfusionMatrix().update(PRED, GT).result().to_dict()
    text = json.dumps(out, allow_nan=False)
    back = json.loads(text)
    assert back["mean_iou"] is None and back["per_class_iou"]["Rangeland"] is None
    assert back["per_class_iou"]["Agriculture"] == pytest.approx(2 / 3)
    assert back["confusion"][6][0] == 1


def test_official_oracle_through_the_confusion_matrix(official_miou_dir):
    expected = json.loads((official_miou_dir / "expected.json").read_text())
    cm = ConfusionMatrix()
    for gt in sorted((official_miou_dir / "gt").glob("*.png")):
        cm.update(read_mask(official_miou_dir / "pred" / gt.name), read_mask(gt))
    assert cm.iou()[:6].tolist() == expected["per_class_iou"]  # bit for bit
    assert cm.mean_iou() == expected["mean_iou"]


DDP_SCRIPT = """
import sys
import numpy as np
import torch.distributed as dist
from hw1.core import init_distributed
from hw1.segmentation.metrics import ConfusionMatrix

ctx = init_distributed("cpu")
rank = ctx.rank
# Rank r sees pixels whose ground truth is r and predicts class 1 for them.
cm = ConfusionMatrix().update(np.array([1, 1, 1]), np.array([rank, rank, rank]))
cm.all_reduce()
counts = cm.counts()
ok = counts[0, 1] == 3 and counts[1, 1] == 3 and cm.total() == 6 and abs(cm.iou()[1] - 0.5) < 1e-12
dist.destroy_process_group()
sys.exit(0 if ok else 3)
"""


@pytest.mark.slow
@pytest.mark.ddp
def test_all_reduce_sums_counts_over_two_gloo_ranks(tmp_path):
    import os
    import socket
    import subprocess
    import sys

    script = tmp_path / "ddp_confusion.py"
    script.write_text(DDP_SCRIPT)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    procs = []
    for rank in range(2):
        env = dict(
            os.environ,
            RANK=str(rank),
            LOCAL_RANK=str(rank),
            WORLD_SIZE="2",
            MASTER_ADDR="127.0.0.1",
            MASTER_PORT=str(port),
        )
        procs.append(
            subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        )
    try:
        outputs = [p.communicate(timeout=180)[0].decode(errors="replace") for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in procs] == [0, 0], outputs
