"""GPU figures of issue 14, run by hand on a CUDA machine (``make bench`` skips them without CUDA).

    python benchmarks/gpu.py --out benchmarks/results_gpu.md

Each figure is the rate of the real entry point against the bare device work on the same model and
batch, measured in one run:

* BYOL, ResNet-50 at 128 px, batch 256: the training step alone (random tensors already on the
  device) against ``hw1 ssl pretrain``'s epoch rate on generated Mini-ImageNet-sized images
  (84 px JPEGs; epochs after the first, so start-up and the decoded-image store's build are not
  counted). Goal ≥ 0.85.
* Segmentation training at 512²: the step alone against ``train_segmentation``'s training time per
  epoch (from one train record to the next, validation excluded). Goal ≥ 0.7.
* ``predict_folder`` on ≥ 1,000 generated 512² JPEGs against the model alone on the same batches
  already decoded and normalised on the device (forward + arg-max). Goal ≥ 0.7. It also reports how
  many masks the device JPEG decoder (nvJPEG) gives bit-identical to the PIL path.

``python benchmarks/gpu.py --device cpu --tiny`` runs every part end to end on the CPU at toy sizes:
a check that the script works, not a measurement.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import Figure, versus  # noqa: E402


@dataclass(frozen=True)
class Sizes:
    """Everything that differs between the measured run and the ``--tiny`` check."""

    byol_backbone: str = "resnet50"
    byol_size: int = 128
    byol_batch: int = 256
    byol_images: int = 12_800
    byol_epochs: int = 3
    byol_steps: int = 20
    seg_model: str = "deeplabv3_resnet50"
    seg_kwargs: dict[str, Any] = field(default_factory=dict)
    seg_size: int = 512
    seg_batch: int = 8
    seg_train: int = 400
    seg_epochs: int = 3
    seg_steps: int = 20
    predict_images: int = 1_024
    predict_batch: int = 32
    agreement_images: int = 64


FULL = Sizes()
QUICK = replace(FULL, byol_images=5_120, seg_train=200, seg_epochs=2)
TINY = Sizes(
    byol_backbone="resnet18",
    byol_size=32,
    byol_batch=8,
    byol_images=48,
    byol_epochs=2,
    byol_steps=2,
    seg_model="fcn32s",
    seg_kwargs={"width": 0.0625, "fc_channels": 16},
    seg_size=64,
    seg_batch=4,
    seg_train=16,
    seg_epochs=2,
    seg_steps=2,
    predict_images=24,
    predict_batch=4,
    agreement_images=8,
)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _rate(step: Callable[[], Any], steps: int, items_per_step: int, device: torch.device) -> float:
    """Items per second of ``steps`` calls of ``step`` after 3 untimed ones (cuDNN autotuning)."""
    for _ in range(3):
        step()
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    _sync(device)
    return steps * items_per_step / (time.perf_counter() - t0)


def _workers() -> int:
    return max(0, min(14, (os.cpu_count() or 2) - 2))


# --- BYOL ------------------------------------------------------------------------------------------


def byol_step_rate(s: Sizes, device: torch.device) -> float:
    """Images/s of the BYOL training step alone (two views already on the device)."""
    from hw1.core import autocast, create_backbone, resolve_precision
    from hw1.ssl.methods import create_method

    precision = resolve_precision("auto", device)
    method = create_method("byol", create_backbone(s.byol_backbone)).to(device).to(memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW([p for p in method.parameters() if p.requires_grad], lr=1e-4)
    views = [
        torch.randn(s.byol_batch, 3, s.byol_size, s.byol_size, device=device).contiguous(
            memory_format=torch.channels_last
        )
        for _ in range(2)
    ]

    def step() -> None:
        with autocast(device, precision):
            loss = method(views[0], views[1]).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        method.update_target(0.99)

    return _rate(step, s.byol_steps, s.byol_batch, device)


def write_mini_images(folder: Path, n: int, size: int = 84) -> Path:
    """``n`` generated JPEGs of Mini-ImageNet's size (smooth colour fields plus noise)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        coarse = rng.integers(0, 256, (6, 6, 3), dtype=np.uint8)
        img = np.kron(coarse, np.ones((size // 6 + 1, size // 6 + 1, 1), np.uint8))[:size, :size]
        noise = rng.integers(-20, 21, img.shape)
        Image.fromarray(np.clip(img + noise, 0, 255).astype(np.uint8)).save(folder / f"{i:05d}.jpg", quality=90)
    return folder


def pretrain_epoch_rate(s: Sizes, device: torch.device, root: Path) -> float:
    """Images/s of ``hw1 ssl pretrain`` epochs after the first (its own ``images_per_second``)."""
    from hw1.core import read_metrics
    from hw1.ssl import PretrainConfig, pretrain

    images = write_mini_images(root / "mini", s.byol_images)
    config = PretrainConfig(
        images=str(images),
        out_dir=str(root / "ssl_run"),
        backbone=s.byol_backbone,
        epochs=s.byol_epochs,
        batch_size=s.byol_batch,
        num_workers=_workers(),
        image_size=s.byol_size,
        device=str(device),
        warmup_epochs=0.0,
    )
    pretrain(config)
    rows = [r for r in read_metrics(root / "ssl_run" / "metrics.jsonl") if r.get("split") == "train"]
    later = rows[1:] or rows
    return float(np.mean([r["images_per_second"] for r in later]))


# --- segmentation training -------------------------------------------------------------------------


def seg_step_rate(s: Sizes, device: torch.device) -> float:
    """Images/s of the segmentation training step alone (a batch already on the device)."""
    from hw1.core import autocast, resolve_precision
    from hw1.segmentation.models import create_model

    precision = resolve_precision("auto", device)
    model = create_model(s.seg_model, num_classes=7, weights="none", **s.seg_kwargs).to(device)
    model = model.to(memory_format=torch.channels_last).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    x = torch.randn(s.seg_batch, 3, s.seg_size, s.seg_size, device=device).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 7, (s.seg_batch, s.seg_size, s.seg_size), device=device)

    def step() -> None:
        with autocast(device, precision):
            loss = torch.nn.functional.cross_entropy(model(x).float(), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return _rate(step, s.seg_steps, s.seg_batch, device)


def seg_epoch_rate(s: Sizes, device: torch.device, root: Path) -> float:
    """Images/s of ``train_segmentation``'s training part of each epoch after the first: from the
    previous epoch's last record (its validation) to this epoch's train record."""
    from hw1.core import read_metrics
    from hw1.segmentation.synthetic import make_synthetic_segmentation
    from hw1.segmentation.train import SegTrainConfig, train_segmentation

    data = make_synthetic_segmentation(
        root / "p2_data", n_train=s.seg_train, n_val=s.seg_batch, size=s.seg_size, seed=0
    )
    run = root / "seg_run"
    train_segmentation(
        SegTrainConfig(
            data_dir=str(data),
            out_dir=str(run),
            model=s.seg_model,
            model_kwargs=dict(s.seg_kwargs),
            epochs=s.seg_epochs,
            batch_size=s.seg_batch,
            num_workers=_workers(),
            device=str(device),
        )
    )
    rows = read_metrics(run / "metrics.jsonl")
    per_epoch = (s.seg_train // s.seg_batch) * s.seg_batch
    rates = []
    for prev, row in zip(rows, rows[1:], strict=False):
        if row.get("split") == "train" and row.get("epoch", 0) > 1 and prev.get("epoch") == row["epoch"] - 1:
            rates.append(per_epoch / (row["time"] - prev["time"]))
    if not rates:
        raise RuntimeError(f"{run / 'metrics.jsonl'}: no timed epoch after the first; raise --seg-epochs")
    return float(np.mean(rates))


# --- prediction ------------------------------------------------------------------------------------


def write_satellite_jpegs(folder: Path, n: int, size: int) -> list[Path]:
    """``n`` generated satellite-looking 512² JPEGs (8 rendered scenes, shifted copies)."""
    from hw1.segmentation.synthetic import make_synthetic_pair

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    scenes = [make_synthetic_pair(size, rng, with_unknown=True)[0] for _ in range(8)]
    paths = []
    for i in range(n):
        path = folder / f"{i:04d}_sat.jpg"
        Image.fromarray(np.roll(scenes[i % 8], 13 * (i // 8), axis=1)).save(path, quality=90)
        paths.append(path)
    return paths


def _checkpoint(s: Sizes, root: Path) -> Path:
    from hw1.core import save_checkpoint
    from hw1.segmentation.checkpoint import model_checkpoint
    from hw1.segmentation.models import create_model

    torch.manual_seed(0)
    kwargs = {"num_classes": 7, **s.seg_kwargs}
    model = create_model(s.seg_model, weights="none", **kwargs).eval()
    return save_checkpoint(model_checkpoint(model, s.seg_model, kwargs), root / "seg_model.pt")


def predict_rates(s: Sizes, device: torch.device, root: Path) -> tuple[float, float, str]:
    """(``predict_folder`` images/s, model-alone images/s, decoder agreement line)."""
    from hw1.segmentation.inference import predict_logits
    from hw1.segmentation.predict import Predictor, predict_folder

    paths = write_satellite_jpegs(root / "images", s.predict_images, s.seg_size)
    predictor = Predictor(_checkpoint(s, root), device=str(device))
    workers = _workers()
    warm = root / "warm"
    warm.mkdir()
    for p in paths[: 2 * s.predict_batch]:
        os.link(p, warm / p.name)
    predict_folder(predictor, warm, root / "warm_out", batch_size=s.predict_batch, num_workers=workers)
    _sync(device)
    t0 = time.perf_counter()
    report = predict_folder(predictor, root / "images", root / "masks", batch_size=s.predict_batch, num_workers=workers)
    _sync(device)
    e2e = len(paths) / (time.perf_counter() - t0)
    if report.failed or report.written != len(paths):
        raise RuntimeError(f"predict_folder failed on {len(report.failed)} image(s): {report.failed[:2]}")

    arrays = [torch.from_numpy(np.array(Image.open(p).convert("RGB"))) for p in paths]
    batches = [
        torch.stack(arrays[i : i + s.predict_batch]).to(device).permute(0, 3, 1, 2).float()
        for i in range(0, len(arrays), s.predict_batch)
    ]
    batches = [((b - predictor.mean) / predictor.std) for b in batches]
    model_iter = iter(batches * 2)

    def model_only() -> None:
        predict_logits(
            predictor.model,
            next(model_iter),
            size=predictor.size,
            precision=predictor.precision,
            channels_last=predictor.channels_last,
        ).argmax(1)

    model = _rate(model_only, max(1, len(batches) - 3), s.predict_batch, device)
    return e2e, model, decoder_agreement(predictor, paths[: s.agreement_images], root)


def decoder_agreement(predictor: Any, paths: list[Path], root: Path) -> str:
    """How many masks (and pixels) of device-decoded JPEGs equal those of the PIL path."""
    from hw1.segmentation.codec import read_mask
    from hw1.segmentation.predict import mask_name, predict_folder

    folder = root / "agreement"
    folder.mkdir()
    for p in paths:
        os.link(p, folder / p.name)
    out = {}
    for decode in ("pil", "device"):
        out[decode] = root / f"agreement_{decode}"
        predict_folder(predictor, folder, out[decode], batch_size=8, num_workers=0, decode=decode)
    same_files = same_pixels = total = 0
    for p in paths:
        a, b = (read_mask(out[d] / mask_name(p)) for d in ("pil", "device"))
        same_files += int(np.array_equal(a, b))
        same_pixels += int((a == b).sum())
        total += a.size
    return (
        f"device JPEG decoding vs PIL: {same_files}/{len(paths)} masks bit-identical, "
        f"{same_pixels / total:.6%} of pixels equal"
    )


# --- report ----------------------------------------------------------------------------------------


def measure(s: Sizes, device: torch.device, parts: set[str]) -> tuple[list[Figure], list[str]]:
    """The figures of ``parts`` (byol, seg, predict) and extra lines to print."""
    figures: list[Figure] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if "byol" in parts:
            step = byol_step_rate(s, device)
            epoch = pretrain_epoch_rate(s, device, root / "byol")
            name = f"hw1 ssl pretrain epoch vs BYOL step, {s.byol_backbone} {s.byol_size}px batch {s.byol_batch}"
            note = f"{s.byol_images} images, epochs 2-{s.byol_epochs}"
            figures.append(versus(name, epoch, step, "BYOL step alone", unit="img/s", goal=0.85, note=note))
        if "seg" in parts:
            step = seg_step_rate(s, device)
            epoch = seg_epoch_rate(s, device, root / "seg")
            name = f"seg train epoch vs step, {s.seg_model} {s.seg_size}px batch {s.seg_batch}"
            note = f"{s.seg_train} pairs, epochs 2-{s.seg_epochs}, validation excluded"
            figures.append(versus(name, epoch, step, "training step alone", unit="img/s", goal=0.7, note=note))
        if "predict" in parts:
            e2e, model, agreement = predict_rates(s, device, root / "predict")
            name = f"predict_folder vs model alone, {s.predict_images} images {s.seg_size}px ({s.seg_model})"
            baseline = "model alone (forward + arg-max)"
            figures.append(versus(name, e2e, model, baseline, unit="img/s", goal=0.7, note=f"batch {s.predict_batch}"))
            notes.append(agreement)
    return figures, notes


def markdown(figures: list[Figure], notes: list[str], device: torch.device) -> str:
    """The results as ``results_gpu.md``: device, date, one row per figure."""
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    lines = [
        "# hw1 GPU figures (benchmarks/gpu.py)",
        "",
        f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on {name}, {os.cpu_count()} CPU threads, "
        f"torch {torch.__version__}.",
        "",
        "| figure | ours | baseline | ratio | goal | met |",
        "|---|---|---|---|---|---|",
    ]
    for f in figures:
        lines.append(
            f"| {f.name} | {f.value:.1f} {f.unit} | {f.baseline:.1f} {f.unit} ({f.baseline_name}) | "
            f"{f.ratio:.2f} | ≥ {f.goal} | {'yes' if f.met else '**no**'} |"
        )
    return "\n".join([*lines, "", *notes, ""])


def run(quick: bool) -> list[Figure]:
    """``benchmarks/run.py`` entry: the GPU figures, or none (skipped) without CUDA."""
    if not torch.cuda.is_available():
        print("   skipped: no CUDA device (run benchmarks/gpu.py by hand on a GPU machine)", flush=True)
        return []
    figures, notes = measure(QUICK if quick else FULL, torch.device("cuda"), {"byol", "seg", "predict"})
    for line in notes:
        print(f"   {line}", flush=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu (with --tiny: a check of the script)")
    parser.add_argument("--tiny", action="store_true", help="toy sizes: runs every part in about a minute on a CPU")
    parser.add_argument("--only", nargs="*", choices=["byol", "seg", "predict"], default=["byol", "seg", "predict"])
    parser.add_argument("--out", type=Path, default=None, help="also write the results as markdown here")
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("no CUDA device: run on a GPU machine, or check the script with --device cpu --tiny", file=sys.stderr)
        return 2
    figures, notes = measure(TINY if args.tiny else FULL, device, set(args.only))
    text = markdown(figures, notes, device)
    print(text)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
