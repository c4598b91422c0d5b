"""Figure 2: ``hw1 seg predict`` images/s end to end (decode in workers, normalise, model, encode
and write PNGs from a writer per CPU) against the model alone on the same batches already decoded
and normalised (same precision and resizing, forward + arg-max), and peak memory for many images
against few (prediction must stream, not accumulate). The GPU version (nvJPEG decoding, 1,024
images) is ``benchmarks/gpu.py``."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import torch
from harness import Figure, best_time, versus
from PIL import Image

from hw1.core import save_checkpoint
from hw1.segmentation.checkpoint import model_checkpoint
from hw1.segmentation.inference import predict_logits
from hw1.segmentation.models import create_model
from hw1.segmentation.predict import Predictor, predict_folder

MODEL = ("smp:Unet:resnet18", {"num_classes": 7})


def _images(folder: Path, n: int, size: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
    paths = []
    for i in range(n):
        path = folder / f"{i:04d}_sat.jpg"
        Image.fromarray(np.roll(base, i * 7, axis=1)).save(path, quality=90)
        paths.append(path)
    return paths


def _checkpoint(folder: Path) -> Path:
    torch.manual_seed(0)
    name, kwargs = MODEL
    model = create_model(name, weights="none", **kwargs).eval()
    return save_checkpoint(model_checkpoint(model, name, kwargs), folder / "model.pt")


PEAK_SCRIPT = textwrap.dedent("""
    import json, resource, sys
    from hw1.segmentation.predict import predict_folder
    report = predict_folder(sys.argv[1], sys.argv[2], sys.argv[3], device="cpu", batch_size=4, num_workers=2)
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"written": report.written, "peak_mb": (self_kb + child_kb) / 1024}))
""")


def _peak_mb(ckpt: Path, images: Path, out: Path) -> float:
    proc = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, str(ckpt), str(images), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])["peak_mb"]


def run(quick: bool) -> list[Figure]:
    n, size = (16, 512) if quick else (96, 512)
    few, many, mem_size = (20, 100, 128) if quick else (50, 500, 512)
    batch = 4
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ckpt = _checkpoint(root)
        paths = _images(root / "in", n, size)
        predictor = Predictor(ckpt, device="cpu")
        # model-only: the same batches already decoded, normalised and on the device
        arrays = [torch.from_numpy(np.array(Image.open(p).convert("RGB"))) for p in paths]
        batches = [torch.stack(arrays[i : i + batch]) for i in range(0, n, batch)]
        x_batches = [(b.permute(0, 3, 1, 2).float() - predictor.mean) / predictor.std for b in batches]

        def model_only() -> None:
            for x in x_batches:
                predict_logits(
                    predictor.model,
                    x,
                    size=predictor.size,
                    precision=predictor.precision,
                    channels_last=predictor.channels_last,
                ).argmax(1)

        t_model, _ = best_time(model_only, 1, warmup=1)
        t_e2e, report = best_time(
            lambda: predict_folder(predictor, root / "in", root / "out", batch_size=batch, num_workers=2, force=False),
            1,
            warmup=1,
        )
        assert report.written == n and not report.failed
        _images(root / "few", few, mem_size)
        _images(root / "many", many, mem_size)
        peak_few = _peak_mb(ckpt, root / "few", root / "out_few")
        peak_many = _peak_mb(ckpt, root / "many", root / "out_many")
    return [
        versus(
            f"seg predict end to end, {n} images {size}px ({MODEL[0]})",
            n / t_e2e,
            n / t_model,
            "model alone, same batches and precision",
            unit="img/s",
            goal=0.9,
        ),
        Figure(
            name=f"seg predict peak memory, {many} vs {few} images {mem_size}px",
            unit="MB",
            value=peak_many,
            baseline=peak_few,
            higher_is_better=False,
            baseline_name=f"{few} images",
            goal=1 / 1.1,
            notes=f"{peak_many:.0f} MB vs {peak_few:.0f} MB (goal: within 10%)",
        ),
    ]
