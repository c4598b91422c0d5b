"""DDP equivalence: each training loop run by 2 gloo processes on CPU with per-rank batch ``b`` gives
the metrics and final weights of 1 process with batch ``2b`` on the same data and seed, and only
rank 0 writes files.

Why the runs can agree: every loop draws one seeded permutation per epoch and shards it over the
ranks (rank r takes ``P[r::2]``), so step k of the 2-process run trains on exactly the global batch
of step k of the single process; each rank's loss is a mean over its ``b`` samples and DDP averages
the gradients, which is the mean over the ``2b`` samples. What would make them differ is removed
from the runs, not tolerated:

* BatchNorm normalises each rank's local batch (SyncBatchNorm is GPU-only in PyTorch): the models
  here have no batch-dependent layer — FCN-32s without BatchNorm for segmentation, and for ssl and
  classification a tiny ResNet with GroupNorm (``hw1_test_gn_resnet``, registered with timm in the
  scripts). SSL: lightly's BYOL heads carry BatchNorm1d, so the ssl run uses BYOL with the same
  heads minus BatchNorm (registered through ``hw1.ssl.methods.register_method``); everything else
  (EMA target, momentum schedule, loss) is BYOL's.
* Dropout draws differ per rank: dropout is 0.
* Augmentation: the device pipelines (segmentation's and ssl's) draw each global batch's
  augmentation from (seed, epoch, step) and segmentation's worker path each pair's from (seed,
  epoch, index), so augmentation stays on (the ssl views are bit-identical between 2 processes and
  1; packages/ssl/tests/test_device_augmentations.py). Classification runs ``augment="none"``.
* SSL runs its network in float64 (the views are cast on entry): with the device pipeline's random
  views, fp32 rounding of the all-reduce is amplified by the training itself on some seeds. Measured
  on seed 4 (fp32): the online weights' sum differs by 1e-7 after step 1 and by ~10x more each step
  (1e-2 after step 8; final weights 6e-4, epoch-2 loss 0.16 % apart), on seeds 5-7 final weights
  <= 5e-7; in float64 the same runs agree on every step, final weights <= 1.4e-15 apart on seeds 4-7:
  the gap was rounding, not the loop.
* Dataset sizes divide by the global batch (no uneven last batch); validation shards may be uneven
  (5 images on 2 ranks) because validation sums counts over ranks.

What remains is float rounding: a batch of ``2b`` and two batches of ``b`` reduced by an all-reduce
sum in different orders. Measured on the 2-core machine (fp32, 8 steps): losses ≤ 1e-7 relative,
final weights ≤ 1e-6 apart (|w| ~ 1). The tolerances below leave 10× margin, while a wrong global
batch moves an epoch loss by percent (12 % when the ssl runs still drew their augmentations per
process), so a loop that trains on other batches, skips or repeats a step, or reduces a metric
wrongly fails.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from hw1.core import load_checkpoint, read_metrics
from hw1.core.image_store import open_folder_store
from hw1.core.launch import torchrun_command

#: Relative tolerance of losses, learning rates and EMA momenta: fp32 rounding from the different
#: summation order (one batch of 2b vs two batches of b plus an all-reduce); measured ≤ 1e-7.
LOSS_RTOL = 1e-5
#: Absolute tolerance of final weights (|w| ~ 1): the same rounding carried through 8 steps; measured ≤ 1e-6.
WEIGHT_ATOL = 1e-5
#: The same for the ssl run's float64 network: measured <= 1.4e-15 on seeds 4-7 (fp32: 6e-4 on seed 4, <= 5e-7 on 5-7).
FP64_WEIGHT_ATOL = 1e-9
#: Argmax metrics (accuracy, IoU, pixel accuracy) can flip a sample whose two best logits tie within
#: rounding; allowed difference: 1e-3 for pixel metrics (~20 of the 20 480 validation pixels).
PIXEL_METRIC_ATOL = 1e-3
#: Wall-clock limit of one run (start-up of torch in 2 processes on 2 shared cores included).
TIMEOUT_S = 300

PREAMBLE = '''
import atexit
import json
import os
import sys
from pathlib import Path

from torch import nn

from hw1.core.tiny_resnet import register_tiny_resnet

CONFIG, WATCH, LOG = json.loads(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
RANK = os.environ.get("RANK", "0")
WRITES = []


def _watched(path):
    try:
        return os.path.abspath(os.fsdecode(path)).startswith(WATCH)
    except TypeError:
        return False  # a file descriptor


def _audit(event, args):
    # Every file this process creates or changes under the run folder: opens for writing (torch.save
    # through save_checkpoint's temp file, metrics lines, config.json, .npz) and renames into it.
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        if writing and _watched(path):
            WRITES.append([event, os.fsdecode(path)])
    elif event in ("os.rename", "os.remove") and _watched(args[1] if event == "os.rename" else args[0]):
        WRITES.append([event, str(args[:2])])


sys.addaudithook(_audit)
atexit.register(lambda: Path(LOG, f"writes_rank{RANK}.json").write_text(json.dumps(WRITES)))


class GroupNorm4(nn.GroupNorm):
    """GroupNorm (4 groups): normalises each sample alone, unlike BatchNorm."""

    def __init__(self, num_channels, **kwargs):
        super().__init__(4, num_channels, **kwargs)


register_tiny_resnet("hw1_test_gn_resnet", width=8, norm_layer=GroupNorm4)
register_tiny_resnet("hw1_test_bn_resnet", width=8)  # with BatchNorm buffers, which DDP syncs per forward
'''

SEGMENTATION = """
from hw1.segmentation.train import SegTrainConfig, train_segmentation

train_segmentation(SegTrainConfig(**CONFIG))
"""

SSL = '''
import copy

from lightly.models.modules.heads import ProjectionHead
from lightly.models.utils import deactivate_requires_grad

from hw1.ssl import PretrainConfig, pretrain
from hw1.ssl.methods import BYOL, register_method


class PlainHeadBYOL(BYOL):
    """BYOL whose projector and predictor have no BatchNorm1d (Linear-ReLU-Linear)."""

    name = "byol_plain_heads"

    def __init__(self, backbone, hidden_dim=32, output_dim=16, momentum_start=0.99, momentum_end=1.0):
        super().__init__(backbone, hidden_dim, output_dim, momentum_start, momentum_end)
        self.projection_head = ProjectionHead([(self.num_features, hidden_dim, None, nn.ReLU()),
                                               (hidden_dim, output_dim, None, None)])
        self.prediction_head = ProjectionHead([(output_dim, hidden_dim, None, nn.ReLU()),
                                               (hidden_dim, output_dim, None, None)])
        self.projection_head_momentum = copy.deepcopy(self.projection_head)
        deactivate_requires_grad(self.projection_head_momentum)
        self.double()  # float64: see the module docstring of the test

    def forward(self, view0, view1):
        return super().forward(view0.double(), view1.double())


register_method(PlainHeadBYOL)
pretrain(PretrainConfig(**CONFIG))
'''

CLASSIFICATION = """
from hw1.classification.config import FinetuneConfig
from hw1.classification.training import train_classifier

train_classifier(FinetuneConfig(**CONFIG))
"""


def _run_loop(tmp_path: Path, body: str, config: dict[str, Any], out_key: str, batch: int) -> dict[str, Path]:
    """Run the loop script once in 1 process (batch 2·``batch``) and once under torchrun with 2
    processes (batch ``batch`` each); return the two run folders and their write logs."""
    script = tmp_path / "loop.py"
    script.write_text(PREAMBLE + body)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
    }
    env.update(HW1_PROGRESS="0", OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE")
    runs, procs = {}, {}
    # Both runs at once: start-up (importing torch and friends) is most of their time, and the
    # single process would leave the second core idle.
    for name, per_process, launcher in (("single", 2 * batch, [sys.executable]), ("ddp", batch, torchrun_command(2))):
        out, logs = tmp_path / name, tmp_path / f"{name}_writes"
        logs.mkdir()
        args = json.dumps({**config, out_key: str(out), "batch_size": per_process})
        procs[name] = subprocess.Popen(
            [*launcher, str(script), args, str(out), str(logs)],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        runs[name], runs[f"{name}_writes"] = out, logs
    try:
        for name, proc in procs.items():
            output, _ = proc.communicate(timeout=TIMEOUT_S)
            assert proc.returncode == 0, f"{name} run failed:\n{output[-5000:]}"
    finally:
        for proc in procs.values():
            if proc.poll() is None:  # timed out or the other run failed: end torchrun and its workers
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return runs


def _records(run: Path) -> dict[tuple[str, int], dict[str, Any]]:
    records = [r for r in read_metrics(run / "metrics.jsonl") if r["split"] != "knn"]
    keyed = {(r["split"], r["epoch"]): r for r in records}
    assert len(keyed) == len(records), f"{run}: an epoch was logged twice (a rank other than 0 wrote?)"
    return keyed


def _assert_same_metrics(runs: dict[str, Path], compared: dict[str, dict[str, float | None]], epochs: int) -> None:
    """``compared``: split -> {metric: absolute tolerance, or None for LOSS_RTOL relative}."""
    single, ddp = _records(runs["single"]), _records(runs["ddp"])
    assert sorted(ddp) == sorted(single) == sorted((s, e) for s in compared for e in range(1, epochs + 1))
    for (split, epoch), one in single.items():
        two = ddp[(split, epoch)]
        assert one["step"] == two["step"], (split, epoch)
        for name, atol in compared[split].items():
            where = (split, epoch, name)
            if atol is None:  # abs=1e-7 only for values that pass through zero (a BYOL loss)
                assert two[name] == pytest.approx(one[name], rel=LOSS_RTOL, abs=1e-7), where
            else:
                assert _flat(two[name]) == pytest.approx(_flat(one[name]), abs=atol, nan_ok=True), where


def _flat(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [math.nan if v is None else float(v) for _, v in sorted(value.items())]
    return [math.nan if value is None else float(value)]


def _assert_same_weights(runs: dict[str, Path], checkpoint: str = "last.pt", atol: float = WEIGHT_ATOL) -> None:
    one = load_checkpoint(runs["single"] / checkpoint)["state_dict"]
    two = load_checkpoint(runs["ddp"] / checkpoint)["state_dict"]
    assert not [k for k in two if k.startswith("module.")]  # saved from the unwrapped model
    assert sorted(one) == sorted(two)
    for key, value in one.items():
        if value.is_floating_point():
            torch.testing.assert_close(two[key], value, rtol=0, atol=atol, msg=lambda m, k=key: f"{k}: {m}")
        else:
            assert torch.equal(two[key], value), key


def _assert_rank_zero_wrote_alone(runs: dict[str, Path]) -> None:
    single_files = sorted(p.name for p in runs["single"].iterdir())
    ddp_files = sorted(p.name for p in runs["ddp"].iterdir())
    assert ddp_files == single_files  # the same run folder, nothing per rank, no temp files left
    assert not [n for n in ddp_files if n.endswith(".tmp") or "rank" in n]
    rank0 = json.loads((runs["ddp_writes"] / "writes_rank0.json").read_text())
    rank1 = json.loads((runs["ddp_writes"] / "writes_rank1.json").read_text())
    assert rank0, "the write audit saw nothing on rank 0; the check itself is broken"
    assert rank1 == [], f"rank 1 wrote into the run folder: {rank1[:5]}"


def _write_images(folder: Path, n: int, seed: int, size: int = 32) -> list[tuple[str, int]]:
    """``n`` images whose class (0–2) decides the dominant colour channel, plus noise."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        label = i % 3
        image = rng.integers(0, 120, (size, size, 3)).astype(np.uint8)
        image[..., label] += 120
        Image.fromarray(image).save(folder / f"{i:04d}.png")
        rows.append((f"{i:04d}.png", label))
    return rows


def _write_csv(path: Path, rows: list[tuple[str, int]]) -> Path:
    path.write_text("id,filename,label\n" + "".join(f"{i},{name},{label}\n" for i, (name, label) in enumerate(rows)))
    return path


def _run_classification(
    tmp_path: Path, *, n_train: int, n_val: int, image_seed: int, backbone: str, seed: int, **options: Any
) -> dict[str, Path]:
    """Full fine-tuning (backbone and head train) from random init with a linear head without dropout,
    2 epochs of 3 classes at 32 px, on ``n_train`` / ``n_val`` generated images: :func:`_run_loop`'s runs."""
    train = _write_csv(tmp_path / "train.csv", _write_images(tmp_path / "train", n_train, seed=image_seed))
    val = _write_csv(tmp_path / "val.csv", _write_images(tmp_path / "val", n_val, seed=image_seed + 1))
    config = dict(
        train_csv=str(train),
        train_images=str(tmp_path / "train"),
        val_csv=str(val),
        val_images=str(tmp_path / "val"),
        backbone=backbone,
        num_classes=3,
        head="linear",
        head_dropout=0.0,
        image_size=32,
        augment="none",
        epochs=2,
        lr=3e-3,
        warmup_epochs=0.5,
        precision="fp32",
        device="cpu",
        seed=seed,
        **options,
    )
    return _run_loop(tmp_path, CLASSIFICATION, config, "out_dir", batch=2)


@pytest.mark.slow
@pytest.mark.ddp
def test_segmentation_two_processes_equal_one(tmp_path: Path) -> None:
    from hw1.segmentation.synthetic import make_synthetic_segmentation

    # 16 training pairs = 4 steps of global batch 4 per epoch; 5 validation pairs split 3 + 2.
    data = make_synthetic_segmentation(tmp_path / "p2", n_train=16, n_val=5, size=64, seed=2)
    config = dict(
        data_dir=str(data),
        model="fcn32s",
        model_kwargs={"width": 0.0625, "fc_channels": 16, "dropout": 0.0},
        optimizer="sgd",
        lr=0.02,
        warmup_epochs=0.5,
        epochs=2,
        num_workers=0,
        device="cpu",
        precision="fp32",
        seed=5,
    )
    runs = _run_loop(tmp_path, SEGMENTATION, config, "out_dir", batch=2)
    _assert_same_metrics(
        runs,
        {
            "train": {"loss": None, "lr": None},
            "val": {
                "loss": None,
                "mean_iou_nansafe": PIXEL_METRIC_ATOL,
                "pixel_accuracy": PIXEL_METRIC_ATOL,
                "iou": PIXEL_METRIC_ATOL,
            },
        },
        epochs=2,
    )
    _assert_same_weights(runs)
    _assert_rank_zero_wrote_alone(runs)
    assert {"best.pt", "stage_early.pt", "stage_final.pt", "config.json"} <= {p.name for p in runs["ddp"].iterdir()}


@pytest.mark.slow
@pytest.mark.ddp
def test_ssl_pretraining_two_processes_equal_one(tmp_path: Path) -> None:
    images = tmp_path / "images"
    _write_images(images, 16, seed=3)  # 4 steps of global batch 4 per epoch
    config = dict(
        images=str(images),
        method="byol_plain_heads",
        backbone="timm:hw1_test_gn_resnet",
        method_options={"hidden_dim": 32, "output_dim": 16},
        epochs=2,
        num_workers=0,
        image_size=32,
        warmup_epochs=0.5,
        precision="fp32",
        device="cpu",
        seed=4,  # the seed whose fp32 runs drifted apart (see the module docstring)
        data_pipeline="device",  # the real two-view augmentations, drawn per global batch
        cache_dir=str(tmp_path / "cache"),
    )
    open_folder_store(images, 32, cache_dir=tmp_path / "cache", report=False)  # built once, before both runs
    runs = _run_loop(tmp_path, SSL, config, "out_dir", batch=2)
    # feature_std is the spread of each rank's own batch, averaged over ranks (a collapse monitor,
    # not a global statistic), so it is not compared.
    _assert_same_metrics(runs, {"train": {"loss": None, "lr": None, "momentum": None}}, epochs=2)
    _assert_same_weights(runs, atol=FP64_WEIGHT_ATOL)  # online and EMA target networks
    _assert_rank_zero_wrote_alone(runs)


@pytest.mark.slow
@pytest.mark.ddp
def test_classification_two_processes_equal_one(tmp_path: Path) -> None:
    runs = _run_classification(tmp_path, n_train=16, n_val=5, image_seed=5, backbone="timm:hw1_test_gn_resnet", seed=6)
    # accuracy over 16 / 5 samples: one flipped argmax would be 0.06 / 0.2, so equal here means equal.
    _assert_same_metrics(
        runs, {"train": {"loss": None, "lr": None, "acc": 1e-9}, "val": {"loss": None, "acc": 1e-9}}, epochs=2
    )
    _assert_same_weights(runs)
    _assert_rank_zero_wrote_alone(runs)
    assert {"best.pt", "features_first.npz", "features_last.npz"} <= {p.name for p in runs["ddp"].iterdir()}


@pytest.mark.slow
@pytest.mark.ddp
def test_classification_validation_set_smaller_than_the_process_count(tmp_path: Path) -> None:
    # One validation image on two ranks: rank 1 has no validation batch at all. Evaluating through
    # the DDP wrapper of a model with BatchNorm buffers makes every forward a buffer broadcast (a
    # collective), so rank 0 waited for rank 1 forever (checked: the run hangs with the wrapper).
    # The bare model, with rank 0's buffers broadcast once before, finishes. BatchNorm normalises
    # each rank's own batch, so the metrics are not compared with one process here.
    runs = _run_classification(
        tmp_path, n_train=8, n_val=1, image_seed=7, backbone="timm:hw1_test_bn_resnet", seed=7, save_features=False
    )
    ddp = _records(runs["ddp"])
    assert sorted(ddp) == [("train", 1), ("train", 2), ("val", 1), ("val", 2)]
    assert all(0.0 <= ddp[("val", e)]["acc"] <= 1.0 for e in (1, 2))
    _assert_rank_zero_wrote_alone(runs)
