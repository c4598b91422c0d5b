"""Folder-level evaluation: the official mean IoU of predicted masks against ground-truth masks.

:func:`evaluate_folders` pairs the PNG masks of two folders **by file name** (the official script
pairs by sorted position and silently mis-scores a folder with one file missing; we refuse missing,
extra and differently-sized files with one error listing them), decodes them in parallel with the
official codec (:func:`~hw1.segmentation.codec.code_image`, inside Pillow with the GIL released), and
sums one ``8 x 8`` histogram of joint colour codes per pair — memory stays flat for any number and
size of images (no float64 stack of all masks). :func:`format_official` prints the
result exactly as ``mean_iou_evaluate.py`` does. :func:`write_evaluation` and
:func:`read_evaluation` are the ``eval.json`` format (the scores, the confusion counts and the
official text), so no caller parses it by hand.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageChops

from hw1.core import Hw1DataError, open_image, progress, progress_enabled
from hw1.core.atomic_files import write_text_atomic
from hw1.segmentation.codec import RED_CODE, _lookup_table, code_image, read_mask
from hw1.segmentation.metrics import ConfusionMatrix, MeanIoUResult
from hw1.segmentation.palette import MIOU_CLASSES, NUM_CLASSES

#: How many names an error message lists before "and N more".
_LISTED = 10


def _names(items: Sequence[str]) -> str:
    """``items`` joined by commas, the first :data:`_LISTED` of them, then "and N more"."""
    shown = ", ".join(items[:_LISTED])
    return shown + (f" and {len(items) - _LISTED} more" if len(items) > _LISTED else "")


@dataclass
class SegEvaluation:
    """The outcome of :func:`evaluate_folders`: metrics over all files at once, the matched file
    names and the folders."""

    metrics: MeanIoUResult
    names: list[str]
    gt_dir: Path
    pred_dir: Path
    n_images: int = -1  # len(names) unless read from a file written without them

    def __post_init__(self) -> None:
        if self.n_images < 0:
            self.n_images = len(self.names)

    @property
    def per_class_iou(self) -> list[float]:
        """IoU of the scored classes (0–5), nan for a class absent from both folders."""
        return [self.metrics.per_class_iou[c] for c in MIOU_CLASSES]

    @property
    def mean_iou(self) -> float:
        """The official mean IoU over classes 0–5 (nan if one of them is absent everywhere)."""
        return self.metrics.mean_iou

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (nan becomes ``None``)."""
        paths = {"gt_dir": str(self.gt_dir), "pred_dir": str(self.pred_dir)}
        return {**self.metrics.to_dict(), "n_images": self.n_images, **paths}


def _mask_files(folder: Path, role: str) -> dict[str, Path]:
    if not folder.is_dir():
        raise Hw1DataError(f"{folder}: {role} folder not found; check the path")
    return {
        p.name: p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".png" and not p.name.startswith(".")
    }


def pair_mask_files(gt_dir: str | os.PathLike[str], pred_dir: str | os.PathLike[str]) -> list[tuple[Path, Path]]:
    """``(gt_path, pred_path)`` for every PNG of ``gt_dir``, matched by name in ``pred_dir``, in
    name order. Raises :class:`Hw1DataError` for an empty ground-truth folder, ground-truth masks
    without prediction and predictions without ground truth (listing the names)."""
    gt_root, pred_root = Path(gt_dir), Path(pred_dir)
    gt = _mask_files(gt_root, "ground-truth")
    pred = _mask_files(pred_root, "prediction")
    if not gt:
        raise Hw1DataError(f"{gt_root}: no .png masks found; point to the folder of ground-truth xxxx_mask.png files")
    missing = sorted(gt.keys() - pred.keys())
    if missing:
        raise Hw1DataError(
            f"{pred_root}: {len(missing)} of {len(gt)} ground-truth mask(s) have no prediction: "
            f"{_names(missing)}; predict every image of {gt_root} or evaluate a matching folder"
        )
    extra = sorted(pred.keys() - gt.keys())
    if extra:
        raise Hw1DataError(
            f"{pred_root}: {len(extra)} prediction(s) have no ground truth in {gt_root}: {_names(extra)}; "
            "remove them or evaluate against the folder they belong to"
        )
    return [(gt[name], pred[name]) for name in sorted(gt)]


def _joint_counts(gt_path: Path, pred_path: Path, red: str) -> np.ndarray:
    """``(8, 8)`` pixel counts of (target code, predicted code) of one pair of mask files."""
    target_image, pred_image = open_image(gt_path), open_image(pred_path)
    if target_image.size != pred_image.size:
        (gw, gh), (pw, ph) = target_image.size, pred_image.size
        raise Hw1DataError(f"{pred_path.name}: prediction is {pw}x{ph} but ground truth is {gw}x{gh}")
    # Joint code 8 * target + prediction (0..63) and its histogram, all inside Pillow (GIL released):
    # the same counts as decoding both masks to class ids and counting pairs, at a fraction of the passes.
    joint = ImageChops.add(code_image(target_image, scale=8), code_image(pred_image))
    counts = np.asarray(joint.histogram()[:64], dtype=np.int64).reshape(8, 8)
    if red == "error":
        if counts[RED_CODE].any():
            read_mask(gt_path, red=red)  # raises Hw1DataError naming the file and the pixel count
        if counts[:, RED_CODE].any():
            read_mask(pred_path, red=red)
    return counts


def _usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask, e.g. under ``taskset`` or a container quota)."""
    return max(1, len(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


#: Pillow images one pair of masks allocates (two decoded, two looked up, two code images, their sum).
_IMAGES_PER_PAIR = 8


@contextlib.contextmanager
def _reuse_pillow_blocks(n_workers: int) -> Iterator[None]:
    """Let Pillow keep freed image memory for reuse while masks are scored, then restore its setting.

    By default Pillow returns every image's memory to the system, so each mask costs fresh pages
    (page faults: a third of the CPU time of ``hw1 seg evaluate``); cached blocks are reused instead.
    """
    core = Image.core
    before = core.get_blocks_max()
    core.set_blocks_max(max(before, _IMAGES_PER_PAIR * n_workers))
    try:
        yield
    finally:
        core.set_blocks_max(before)  # frees the blocks cached beyond the user's setting


def evaluate_folders(
    gt_dir: str | os.PathLike[str],
    pred_dir: str | os.PathLike[str],
    *,
    num_workers: int | None = None,
    red: str = "error",
) -> SegEvaluation:
    """Score the predicted masks of ``pred_dir`` against the ground-truth masks of ``gt_dir`` with
    the official dataset-level mean IoU.

    Files are paired by name (every ``.png`` in ``gt_dir``, e.g. ``xxxx_mask.png``; other files such
    as ``xxxx_sat.jpg`` are ignored), any image size is accepted as long as a prediction matches its
    ground truth. ``num_workers`` threads decode and count in parallel (Pillow releases the GIL;
    default: up to 8, one per CPU this process may use). ``red`` is the codec's choice for the red
    hole (``"error"`` or ``"unknown"``). Every unreadable, mis-sized or red-holed file is collected and reported in one
    :class:`Hw1DataError`.
    """
    pairs = pair_mask_files(gt_dir, pred_dir)
    n_workers = num_workers if num_workers is not None else min(8, _usable_cpus())
    n_workers = max(1, min(n_workers, len(pairs)))

    def score(pair: tuple[Path, Path]) -> np.ndarray | Hw1DataError:
        try:
            return _joint_counts(pair[0], pair[1], red)
        except Hw1DataError as exc:
            return exc

    joint = np.zeros((8, 8), dtype=np.int64)
    problems: list[str] = []
    with _reuse_pillow_blocks(n_workers), ThreadPoolExecutor(max_workers=n_workers) as pool:
        outcomes = pool.map(score, pairs)
        if progress_enabled():  # no bar to draw: skip importing tqdm (start-up of `hw1 seg evaluate`)
            outcomes = progress(outcomes, desc="evaluate", total=len(pairs), unit="mask")
        for outcome in outcomes:
            if isinstance(outcome, Hw1DataError):
                problems.append(str(outcome))
            else:
                joint += outcome
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise Hw1DataError(
            f"{len(problems)} of {len(pairs)} mask pair(s) cannot be scored: " + "; ".join(problems[:3]) + more
        )
    # Codes -> classes once, on the summed 8 x 8 counts. With red="error" no code 4 is left (refused
    # above), so mapping it to Unknown adds nothing.
    classes = _lookup_table("unknown").astype(np.intp)
    total = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(total, (classes[:, None], classes[None, :]), joint)
    return SegEvaluation(
        metrics=ConfusionMatrix.from_matrix(total).result(),
        names=[gt.name for gt, _ in pairs],
        gt_dir=Path(gt_dir),
        pred_dir=Path(pred_dir),
    )


def format_official(result: SegEvaluation | MeanIoUResult) -> str:
    """The text ``mean_iou_evaluate.py`` prints for these numbers: ``class #i : x.xxxxx`` for
    classes 0–5, a blank line, ``mean_iou: x.xxxxxx`` and a blank line (nan prints as ``nan``)."""
    metrics = result.metrics if isinstance(result, SegEvaluation) else result
    # The official script's own %-formats, kept verbatim so the text is identical (nan included).
    lines = "".join("class #%d : %1.5f\n" % (c, metrics.per_class_iou[c]) for c in MIOU_CLASSES)  # noqa: UP031
    return lines + "\nmean_iou: %f\n\n" % metrics.mean_iou  # noqa: UP031


#: Format tag of ``eval.json`` files.
EVALUATION_FORMAT = "hw1-segmentation-eval/1"


def write_evaluation(result: SegEvaluation, path: str | os.PathLike[str]) -> Path:
    """Write ``result`` as ``eval.json`` (strict JSON: nan is ``null``): the scores of
    :meth:`SegEvaluation.to_dict`, the mask names and the official text (``"printed"``)."""
    doc = {
        "format": EVALUATION_FORMAT,
        **result.to_dict(),
        "names": list(result.names),
        "printed": format_official(result),
    }
    return write_text_atomic(path, json.dumps(doc, allow_nan=False, indent=1) + "\n")  # makes the folder


def read_evaluation(path: str | os.PathLike[str]) -> SegEvaluation:
    """Read an ``eval.json`` written by :func:`write_evaluation` (or ``hw1 seg evaluate --out``)
    back into a :class:`SegEvaluation`: metrics are recomputed from the stored confusion counts, so
    they equal the written ones bit for bit. A missing or foreign file raises :class:`Hw1DataError`."""
    p = Path(path)
    fix = "write it with 'hw1 seg evaluate GT_DIR PRED_DIR --out FILE'"
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Hw1DataError(f"{p}: evaluation file not found; {fix}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Hw1DataError(f"{p}: not an evaluation JSON ({exc}); {fix}") from exc
    try:
        counts = np.asarray(doc["confusion"], dtype=np.int64)
        names = [str(n) for n in doc.get("names", [])]
        return SegEvaluation(
            metrics=ConfusionMatrix.from_matrix(counts).result(),
            names=names,
            gt_dir=Path(doc["gt_dir"]),
            pred_dir=Path(doc["pred_dir"]),
            n_images=int(doc.get("n_images", len(names))),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise Hw1DataError(f"{p}: not an evaluation JSON of hw1-segmentation (bad or missing {exc}); {fix}") from exc
