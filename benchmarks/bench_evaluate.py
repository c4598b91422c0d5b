"""Figure 1: dataset-level mIoU of generated 512×512 mask pairs — ``hw1 seg evaluate``'s library
call against a straightforward implementation of the official algorithm (per-file decode into a
float64 stack, per-class sums, :mod:`official_miou`), which must give identical numbers; and the
same as processes, as a user runs them: ``hw1 seg evaluate GT PRED`` against
``python official_miou.py GT PRED`` (start-up included: the CLI must not import torch)."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from harness import Figure, best_time
from official_miou import official_mean_iou
from PIL import Image

from hw1.segmentation import encode_mask
from hw1.segmentation.evaluate import evaluate_folders


def _smooth_labels(rng: np.random.Generator, size: int) -> np.ndarray:
    coarse = rng.integers(0, 7, (size // 64 + 1, size // 64 + 1))
    return np.kron(coarse, np.ones((64, 64), dtype=np.int64))[:size, :size].astype(np.uint8)


def write_pairs(folder: Path, n: int, size: int = 512, seed: int = 0) -> tuple[Path, Path]:
    """``n`` ground-truth masks and predictions that agree on ~70 % of the pixels."""
    rng = np.random.default_rng(seed)
    gt_dir, pred_dir = folder / "gt", folder / "pred"
    gt_dir.mkdir(parents=True, exist_ok=True)
    pred_dir.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        gt = _smooth_labels(rng, size)
        pred = np.where(rng.random((size, size)) < 0.3, _smooth_labels(rng, size), gt).astype(np.uint8)
        Image.fromarray(encode_mask(gt)).save(gt_dir / f"{i:04d}_mask.png", compress_level=1)
        Image.fromarray(encode_mask(pred)).save(pred_dir / f"{i:04d}_mask.png", compress_level=1)
    return gt_dir, pred_dir


def hw1_command() -> list[str]:
    """The ``hw1`` console script of this environment (beside the interpreter), else the one on PATH."""
    beside = Path(sys.executable).with_name("hw1")
    found = str(beside) if beside.is_file() else shutil.which("hw1")
    if found is None:
        raise RuntimeError("the hw1 command is not installed; pip install -e apps/cli")
    return [found]


def _run_process(command: list[str], cpu_seconds: list[float]) -> str:
    """Run ``command``, append its CPU time (user + system) to ``cpu_seconds``, return its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done.stdout


def _machine_load() -> str:
    """CPUs and 1-minute load average: ours decodes on every CPU, the official script on one, so a
    busy machine narrows the wall-time ratio (the CPU-time ratio is the load-independent figure)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "n/a"
    return f"{cpus} CPUs, load average {load}"


def run(quick: bool) -> list[Figure]:
    n = 64 if quick else 257
    with tempfile.TemporaryDirectory() as tmp:
        gt_dir, pred_dir = write_pairs(Path(tmp), n)
        repeats = 1 if quick else 3
        t_official, (ious_official, miou_official) = best_time(lambda: official_mean_iou(gt_dir, pred_dir), repeats)
        t_ours, ours = best_time(lambda: evaluate_folders(gt_dir, pred_dir), repeats, warmup=1)
        official = str(Path(__file__).with_name("official_miou.py"))
        official_script = [sys.executable, official, str(gt_dir), str(pred_dir)]
        ours_cli = [*hw1_command(), "seg", "evaluate", str(gt_dir), str(pred_dir)]
        # Both read files the in-process runs above already brought into the page cache.
        cpu_official: list[float] = []
        cpu_ours: list[float] = []
        t_official_proc, printed_official = best_time(lambda: _run_process(official_script, cpu_official), repeats)
        t_ours_proc, printed_ours = best_time(lambda: _run_process(ours_cli, cpu_ours), repeats)
    identical = bool(
        np.allclose(ours.per_class_iou, ious_official, rtol=0, atol=1e-12)
        and abs(ours.mean_iou - miou_official) < 1e-12
    )
    if not identical:
        raise AssertionError(f"mIoU differs: ours {ours.mean_iou!r} vs official {miou_official!r}")
    return [
        Figure(
            name=f"seg evaluate: {n} mask pairs 512x512",
            unit="pairs/s",
            value=n / t_ours,
            baseline=n / t_official,
            baseline_name="official algorithm (float64 stack)",
            goal=8.0,
            notes=f"identical mIoU {ours.mean_iou:.6f}; ours {t_ours:.2f} s vs {t_official:.2f} s",
        ),
        Figure(
            name=f"hw1 seg evaluate as a process: {n} mask pairs 512x512",
            unit="pairs/s",
            value=n / t_ours_proc,
            baseline=n / t_official_proc,
            baseline_name="official algorithm as a process",
            goal=8.0,
            notes=f"same printed text: {printed_ours == printed_official}; "
            f"ours {t_ours_proc:.2f} s vs {t_official_proc:.2f} s, start-up included; CPU time "
            f"{min(cpu_ours):.2f} s vs {min(cpu_official):.2f} s ({min(cpu_official) / min(cpu_ours):.1f}x); "
            f"{_machine_load()}",
        ),
    ]
