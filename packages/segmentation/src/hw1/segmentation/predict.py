"""Streaming prediction: a folder of satellite images in, a folder of RGB palette masks out.

:class:`Predictor` rebuilds the network from a checkpoint alone and turns RGB arrays into class
maps (resize to the training size and back, or sliding-window tiles; optional flip TTA; autocast
on GPU). :func:`predict_folder` streams a folder through it at the model's speed:
DataLoader workers read (and on CPU decode) images while the model runs; on a GPU the JPEGs are
decoded there (:mod:`hw1.segmentation.prediction_inputs`), resized, run and arg-maxed on the device,
and only ``uint8`` class maps come back; masks are PNG-encoded (fast compression level, the same
pixels) by a thread pool sized to the CPUs behind a bounded queue, and nothing accumulates, so
memory does not grow with the number of images. A bad image is reported and skipped; every other
mask is still written.

Naming: ``xxxx_sat.jpg`` → ``xxxx_mask.png``; any other ``name.ext`` → ``name_mask.png``. When the
input folder holds ``*_sat.*`` files only those are predicted (so a ``p2_data/validation`` folder's
ground-truth masks are not taken for inputs); otherwise every image except ``*_mask.*``.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from hw1.core import (
    IMAGENET_NORMALIZATION,
    Hw1DataError,
    Hw1Error,
    list_images,
    prepare_model,
    progress,
    resolve_precision,
    select_device,
)
from hw1.segmentation.checkpoint import load_model_from_checkpoint
from hw1.segmentation.codec import write_mask
from hw1.segmentation.inference import predict_logits
from hw1.segmentation.prediction_inputs import ImageFiles, decode_batch, resolve_decode

#: Use the training size stored in the checkpoint (``image_size``).
FROM_CHECKPOINT = "checkpoint"


def mask_name(image: str | os.PathLike[str]) -> str:
    """Output file name for an input image: ``0013_sat.jpg`` → ``0013_mask.png``,
    ``tile.png`` → ``tile_mask.png``."""
    return Path(image).stem.removesuffix("_sat") + "_mask.png"


def list_prediction_inputs(folder: str | os.PathLike[str]) -> list[Path]:
    """The images of ``folder`` to predict (sorted): its ``*_sat.*`` images if it has any, else
    every image but ``*_mask.*`` files."""
    images = list_images(folder)
    sat = [p for p in images if p.stem.endswith("_sat")]
    return sat if sat else [p for p in images if not p.stem.endswith("_mask")]


class Predictor:
    """A trained segmentation model ready for inference, rebuilt from ``checkpoint`` alone.

    ``size``: ``"checkpoint"`` (default) runs the network at the size it was trained at (the
    checkpoint's ``image_size``; native size when it has none), an int forces a size, ``None`` the
    native size. ``window``: sliding-window tile size instead of resizing. ``tta``: average with
    horizontal/vertical flips. ``precision``: ``auto`` is bf16 on Ampere+ GPUs, fp16 on older
    GPUs and fp32 on a CPU (:func:`hw1.core.resolve_precision` without a probe).
    """

    def __init__(
        self,
        checkpoint: str | os.PathLike[str],
        *,
        device: str = "auto",
        precision: str = "auto",
        tta: bool = False,
        size: int | str | None = FROM_CHECKPOINT,
        window: int | None = None,
        channels_last: bool = True,
    ) -> None:
        self.device = select_device(device)
        self.precision = resolve_precision(precision, self.device)
        model, ckpt = load_model_from_checkpoint(checkpoint, device="cpu")
        self.model = prepare_model(model, self.device, channels_last=channels_last).eval()
        norm = ckpt.get("normalization") or IMAGENET_NORMALIZATION
        self.mean = torch.tensor(norm["mean"], dtype=torch.float32, device=self.device).view(1, 3, 1, 1) * 255.0
        self.std = torch.tensor(norm["std"], dtype=torch.float32, device=self.device).view(1, 3, 1, 1) * 255.0
        self.size: int | None = ckpt.get("image_size") if size == FROM_CHECKPOINT else size  # type: ignore[assignment]
        self.window = window
        self.tta = tta
        self.channels_last = channels_last

    def predict_images(self, images: torch.Tensor) -> torch.Tensor:
        """Class ids ``(N, H, W) uint8`` (on CPU) for a ``(N, 3, H, W) uint8`` batch of RGB images on
        any device: normalisation, resizing, the model and the arg-max run on the model's device and
        only the uint8 class maps come back."""
        x = images.to(self.device, non_blocking=True).float()
        x = (x - self.mean) / self.std
        logits = predict_logits(
            self.model,
            x,
            size=self.size,
            window=self.window,
            tta=self.tta,
            precision=self.precision,
            channels_last=self.channels_last,
        )
        return logits.argmax(1).to(torch.uint8).cpu()

    def predict_batch(self, images: torch.Tensor) -> torch.Tensor:
        """Class ids ``(N, H, W) uint8`` (on CPU) for a ``(N, H, W, 3) uint8`` batch of RGB images."""
        return self.predict_images(images.permute(0, 3, 1, 2))

    def predict_array(self, rgb: np.ndarray) -> np.ndarray:
        """Class ids ``(H, W) uint8`` for one ``(H, W, 3) uint8`` RGB image."""
        if rgb.ndim != 3 or rgb.shape[2] != 3:
            raise Hw1DataError(f"expected an (H, W, 3) RGB array, got shape {rgb.shape}")
        batch = torch.from_numpy(np.array(rgb, dtype=np.uint8))[None]  # a copy: arrays from PIL are read-only
        return self.predict_batch(batch)[0].numpy()


@dataclass
class PredictionReport:
    """What :func:`predict_folder` did: masks written and ``(input path, message)`` failures."""

    output_dir: Path
    written: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def predict_folder(
    checkpoint: str | os.PathLike[str] | Predictor,
    input_dir: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    *,
    device: str = "auto",
    precision: str = "auto",
    tta: bool = False,
    batch_size: int = 8,
    num_workers: int = 2,
    size: int | str | None = FROM_CHECKPOINT,
    window: int | None = None,
    force: bool = False,
    writer_threads: int | None = None,
    decode: str = "auto",
    compress_level: int = 1,
) -> PredictionReport:
    """Write a palette mask PNG (input size, 7 pure colours) into ``output_dir`` (created) for
    every input image of ``input_dir`` (see :func:`list_prediction_inputs`), streaming. Refuses
    ``output_dir == input_dir`` unless ``force``. Bad images are skipped and listed in the
    returned report's ``failed``; the caller decides the exit status.

    ``num_workers`` DataLoader workers read the files; ``decode`` says where JPEGs are decoded
    (``auto``: on the GPU when the model runs on one, see :mod:`hw1.segmentation.prediction_inputs`);
    ``writer_threads`` PNG writers (default: one per CPU) encode at ``compress_level`` (1: fast;
    the pixels, and so what any evaluator reads, do not depend on it)."""
    src, dst = Path(input_dir), Path(output_dir)
    if not src.is_dir():
        raise Hw1DataError(f"{src}: input folder not found; check the path")
    if dst.resolve() == src.resolve() and not force:
        raise Hw1Error(f"{dst}: output folder is the input folder; choose another one or pass --force")
    paths = list_prediction_inputs(src)
    if not paths:
        raise Hw1DataError(f"{src}: no images to predict (expected xxxx_sat.jpg files)")
    if batch_size < 1:
        raise Hw1Error("batch size must be at least 1")
    predictor = (
        checkpoint
        if isinstance(checkpoint, Predictor)
        else Predictor(checkpoint, device=device, precision=precision, tta=tta, size=size, window=window)
    )
    on_device = resolve_decode(decode, predictor.device) == "device"
    writers = max(1, writer_threads if writer_threads is not None else (os.cpu_count() or 1))
    dst.mkdir(parents=True, exist_ok=True)
    report = PredictionReport(output_dir=dst)
    loader = DataLoader(
        ImageFiles(paths, raw_jpeg=on_device),
        batch_size=batch_size,
        shuffle=False,
        num_workers=num_workers,
        collate_fn=list,  # InputItems as they are
        pin_memory=predictor.device.type == "cuda",
    )
    pending: deque[tuple[Path, Future[Path]]] = deque()
    max_pending = 2 * batch_size + 2 * writers  # bounds the label maps held in memory

    def drain(limit: int) -> None:
        while len(pending) > limit:
            path, fut = pending.popleft()
            try:
                fut.result()
                report.written += 1
            except Exception as exc:  # a full disk or unwritable folder fails this mask only
                report.failed.append((str(path), f"{path}: cannot write mask ({exc})"))

    with ThreadPoolExecutor(max_workers=writers, thread_name_prefix="mask-writer") as pool:
        for batch in progress(loader, desc="predict", total=len(loader), unit="batch"):
            good = []
            for i, image, error in decode_batch(batch, paths, predictor.device):
                if error is not None:
                    report.failed.append((str(paths[i]), error))
                else:
                    good.append((i, image))
            # Same-size images share one forward pass; a folder of mixed sizes still works.
            for _key, group_iter in itertools.groupby(good, key=lambda item: (tuple(item[1].shape), item[1].device)):
                group = list(group_iter)
                try:
                    labels = predictor.predict_images(torch.stack([img for _, img in group]))
                except RuntimeError as exc:  # e.g. out of memory on one huge image
                    message = str(exc).splitlines()[0][:160]
                    for i, _ in group:
                        report.failed.append((str(paths[i]), f"{paths[i]}: prediction failed ({message})"))
                    continue
                for (i, _), lab in zip(group, labels, strict=True):
                    out = dst / mask_name(paths[i])
                    pending.append((paths[i], pool.submit(write_mask, lab.numpy(), out, compress_level=compress_level)))
                    drain(max_pending)
        drain(0)
    report.failed.sort()
    return report
