"""Confusion-matrix segmentation metrics, identical to the official dataset-level mIoU.

:class:`ConfusionMatrix` accumulates a ``(7, 7) int64`` count matrix (rows: ground truth, columns:
prediction) with one ``bincount`` per update, merges across batches, files or DDP ranks by summing,
and derives per-class IoU ``TP / (P + G - TP)``, the official mean IoU over classes 0–5 and pixel
accuracy. Counting over the whole set at once (not per image) is what the official script does;
Unknown pixels are never scored themselves but still count as false positives / negatives of the
class they are confused with. A class absent from both prediction and ground truth has IoU
``0/0 = nan``; the official mean is then nan too (:meth:`ConfusionMatrix.mean_iou`), while
:meth:`ConfusionMatrix.mean_iou_nansafe` averages the classes that are present (for training curves
on small batches).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hw1.segmentation.palette import CLASS_NAMES, MIOU_CLASSES, NUM_CLASSES

if TYPE_CHECKING:  # torch is needed only for torch inputs, a device or DDP: numpy scores files alone
    import torch


def _is_tensor(value: Any) -> bool:
    torch = sys.modules.get("torch")  # a tensor can only exist once torch is imported
    return torch is not None and isinstance(value, torch.Tensor)


def _checked_counts(pred: Any, target: Any, n: int) -> Any:
    """``(n, n)`` counts of flat int64 class ids (numpy arrays or torch tensors) with one bincount;
    ignores out-of-range targets and refuses out-of-range predictions (host checks: the CPU path)."""
    valid = (target >= 0) & (target < n)
    if not bool(valid.all()):
        pred, target = pred[valid], target[valid]
    if len(pred) and (int(pred.min()) < 0 or int(pred.max()) >= n):
        raise ValueError(f"predicted class ids must lie in 0..{n - 1}, got {int(pred.min())}..{int(pred.max())}")
    bincount = np.bincount if isinstance(pred, np.ndarray) else sys.modules["torch"].bincount
    return bincount(target * n + pred, minlength=n * n).reshape(n, n)


def _sync_free_counts(pred: torch.Tensor, target: torch.Tensor, n: int) -> torch.Tensor:
    """The same counts without any device-to-host synchronisation (the GPU path): a bincount's
    output size or a range check would each wait for the GPU, so out-of-range pixels (targets and
    predictions alike) go to one extra bin of a fixed-size scatter-add, which is dropped."""
    import torch

    valid = (target >= 0) & (target < n) & (pred >= 0) & (pred < n)
    index = torch.where(valid, target * n + pred, torch.full_like(target, n * n))
    counts = torch.zeros(n * n + 1, dtype=torch.int64, device=target.device)
    counts.scatter_add_(0, index, torch.ones_like(index))
    return counts[: n * n].reshape(n, n)


def _torch_counts(pred: Any, target: Any, n: int, device: Any) -> torch.Tensor:
    import torch

    p = pred if _is_tensor(pred) else torch.from_numpy(np.ascontiguousarray(pred))
    t = target if _is_tensor(target) else torch.from_numpy(np.ascontiguousarray(target))
    if device is not None:
        t = t.to(device, non_blocking=True)
    p = p.reshape(-1).to(device=t.device, dtype=torch.int64)
    t = t.reshape(-1).to(torch.int64)
    return _checked_counts(p, t, n) if t.device.type == "cpu" else _sync_free_counts(p, t, n)


class ConfusionMatrix:
    """A running ``(num_classes, num_classes) int64`` confusion matrix; rows are ground truth,
    columns prediction.

    Without ``device`` the counts are a numpy array and numpy inputs never touch torch (scoring
    mask files stays light); torch inputs are counted with torch and added. With ``device`` (e.g.
    the GPU during training) the counts are a tensor there, updates never sync with the host, and
    :meth:`all_reduce` works with nccl.
    """

    def __init__(self, num_classes: int = NUM_CLASSES, device: torch.device | str | None = None) -> None:
        self.num_classes = int(num_classes)
        self.matrix: np.ndarray | torch.Tensor
        if device is None:
            self.matrix = np.zeros((self.num_classes, self.num_classes), dtype=np.int64)
        else:
            import torch

            self.matrix = torch.zeros((self.num_classes, self.num_classes), dtype=torch.int64, device=device)

    @property
    def device(self) -> torch.device | None:
        """Where the counts live: a torch device, or ``None`` for numpy counts."""
        return self.matrix.device if _is_tensor(self.matrix) else None

    @classmethod
    def from_matrix(cls, matrix: Any) -> ConfusionMatrix:
        """A confusion matrix holding the given square count matrix (numpy, torch or nested lists);
        a tensor keeps its device."""
        counts = matrix if _is_tensor(matrix) else np.asarray(matrix, dtype=np.int64)
        if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
            raise ValueError(f"expected a square count matrix, got shape {tuple(counts.shape)}")
        out = cls(counts.shape[0], device=counts.device if _is_tensor(counts) else None)
        out._add(counts)
        return out

    def _add(self, counts: Any) -> None:
        if _is_tensor(self.matrix):
            import torch

            self.matrix += torch.as_tensor(counts).to(device=self.matrix.device, dtype=torch.int64)
        else:
            self.matrix += counts.cpu().numpy() if _is_tensor(counts) else np.asarray(counts, dtype=np.int64)

    def update(self, pred: Any, target: Any) -> ConfusionMatrix:
        """Add the pixels of a batch: ``pred`` and ``target`` class ids of the same shape (torch or
        numpy, any shape). ``pred`` may also be logits/scores with one extra class axis at dim 1
        (``(N, C, H, W)`` against ``(N, H, W)``); their arg-max is used.

        Target pixels outside ``0 … num_classes-1`` (e.g. an ignore index of 255) are skipped.
        Predictions outside that range are a bug: on CPU they raise :class:`ValueError`; on an
        accelerator, where a check would stall the device, they are skipped like ignored targets.
        Counting happens on the target's device; with ``device=`` on the same GPU no update waits
        for the host.
        """
        pred = pred if _is_tensor(pred) else np.asarray(pred)
        target = target if _is_tensor(target) else np.asarray(target)
        if pred.ndim == target.ndim + 1:
            pred = pred.argmax(1) if _is_tensor(pred) else pred.argmax(axis=1)
        if tuple(pred.shape) != tuple(target.shape):
            raise ValueError(f"prediction shape {tuple(pred.shape)} differs from target shape {tuple(target.shape)}")
        if _is_tensor(pred) or _is_tensor(target) or _is_tensor(self.matrix):
            self._add(_torch_counts(pred, target, self.num_classes, self.device))
        else:
            flat = [a.reshape(-1).astype(np.int64, copy=False) for a in (pred, target)]
            self._add(_checked_counts(*flat, self.num_classes))
        return self

    def merge(self, other: ConfusionMatrix) -> ConfusionMatrix:
        """Add another confusion matrix's counts to this one (files, batches, workers)."""
        if other.num_classes != self.num_classes:
            raise ValueError(f"cannot merge {other.num_classes}-class counts into {self.num_classes}-class counts")
        self._add(other.matrix)
        return self

    def reset(self) -> None:
        """Zero all counts (e.g. at the start of an epoch)."""
        self.matrix[...] = 0

    def all_reduce(self) -> ConfusionMatrix:
        """Sum the counts over all DDP ranks, in place (a no-op in a single process); call it once,
        after the last update of an evaluation, on every rank."""
        if "torch" not in sys.modules:  # no process group can exist before torch is imported
            return self
        import torch
        import torch.distributed as dist

        from hw1.core.distributed import all_reduce_sum, get_world_size

        if get_world_size() > 1:
            counts = self.matrix if _is_tensor(self.matrix) else torch.from_numpy(self.matrix.copy())
            needs_cuda = dist.get_backend() == "nccl" and counts.device.type != "cuda"
            reduced = all_reduce_sum(counts.cuda() if needs_cuda else counts)
            if not _is_tensor(self.matrix):
                self.matrix[...] = reduced.cpu().numpy()
            elif needs_cuda:
                self.matrix.copy_(reduced.cpu())
        return self

    def counts(self) -> np.ndarray:
        """The counts as a ``(num_classes, num_classes) int64`` numpy array (a copy)."""
        if _is_tensor(self.matrix):
            return self.matrix.detach().cpu().numpy().astype(np.int64, copy=False)
        return self.matrix.copy()

    def total(self) -> int:
        """Number of pixels counted."""
        return int(self.matrix.sum())

    def iou(self) -> np.ndarray:
        """Per-class IoU ``TP / (P + G - TP)`` as float64 ``(num_classes,)``; nan where a class is
        absent from both prediction and ground truth (0/0), exactly as the official script."""
        m = self.counts()
        tp = np.diag(m)
        with np.errstate(divide="ignore", invalid="ignore"):
            return tp / (m.sum(axis=0) + m.sum(axis=1) - tp)  # predicted + actual - TP

    def mean_iou(self, classes: tuple[int, ...] = MIOU_CLASSES) -> float:
        """The official mean IoU: the mean of the IoU of ``classes`` (0–5), accumulated in the
        official order (``mean += iou / 6``) so the float is bit-identical; nan if any is nan."""
        per_class = self.iou()
        return float(sum(per_class[c] / len(classes) for c in classes))

    def mean_iou_nansafe(self, classes: tuple[int, ...] = MIOU_CLASSES) -> float:
        """Mean IoU over the ``classes`` that occur in prediction or ground truth (nan only if none
        does): the value to plot for small validation batches where a class may be absent."""
        values = self.iou()[list(classes)]
        values = values[~np.isnan(values)]
        return float(values.mean()) if values.size else math.nan

    def pixel_accuracy(self) -> float:
        """Fraction of counted pixels whose prediction equals the ground truth (all classes,
        Unknown included); nan when nothing was counted."""
        m = self.counts()
        total = int(m.sum())
        return float(np.trace(m) / total) if total else math.nan

    def result(self) -> MeanIoUResult:
        """All metrics at once, as a :class:`MeanIoUResult`."""
        return MeanIoUResult(
            per_class_iou=[float(v) for v in self.iou()],
            mean_iou=self.mean_iou(),
            mean_iou_nansafe=self.mean_iou_nansafe(),
            pixel_accuracy=self.pixel_accuracy(),
            confusion=self.counts().tolist(),
        )

    def __repr__(self) -> str:
        return f"ConfusionMatrix(num_classes={self.num_classes}, pixels={self.total()})"


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) else value


@dataclass
class MeanIoUResult:
    """Metrics derived from one confusion matrix: per-class IoU for all classes (Unknown
    included, nan where absent), the official mean IoU over classes 0–5, its nan-safe variant, pixel
    accuracy and the counts (rows: ground truth, columns: prediction)."""

    per_class_iou: list[float]
    mean_iou: float
    mean_iou_nansafe: float
    pixel_accuracy: float
    confusion: list[list[int]]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (nan becomes ``None``)."""
        return {
            "per_class_iou": {name: _json_number(v) for name, v in zip(CLASS_NAMES, self.per_class_iou, strict=True)},
            "mean_iou": _json_number(self.mean_iou),
            "mean_iou_nansafe": _json_number(self.mean_iou_nansafe),
            "pixel_accuracy": _json_number(self.pixel_accuracy),
            "confusion": self.confusion,
        }
