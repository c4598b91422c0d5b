"""Training stages of a segmentation run: which checkpoints a run keeps, and the study's stage masks.

A run of ``hw1 seg train`` saves ``stage_early.pt`` after the first epoch, ``stage_middle.pt`` after
epoch ⌈epochs/2⌉ and ``stage_final.pt`` after the last (:func:`stage_epochs`). The study shows the
predictions of validation images 0013, 0062 and 0104 at each stage (:data:`DEFAULT_STAGE_IDS`);
:func:`predict_stages` computes them from a run folder, and the caller draws them (``hw1 viz stages``
hands them to hw1-viz's ``stage_panel``) or writes them (:meth:`StagePredictions.write_masks`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hw1.core import Hw1CheckpointError, Hw1DataError, read_rgb
from hw1.segmentation.codec import read_mask, write_mask

#: Stage checkpoints a run writes, in training (and column) order.
STAGES: tuple[str, ...] = ("early", "middle", "final")

#: Validation images the study shows at each stage.
DEFAULT_STAGE_IDS: tuple[str, ...] = ("0013", "0062", "0104")


def stage_epochs(epochs: int) -> dict[str, int]:
    """Epoch (1-based) at which each stage checkpoint is taken: early = 1, middle = ⌈epochs/2⌉, final = epochs."""
    return {"early": 1, "middle": max(1, -(-epochs // 2)), "final": epochs}


def stage_checkpoint_name(stage: str) -> str:
    """File name of a stage checkpoint in a run folder: ``"early"`` → ``stage_early.pt``."""
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}, got {stage!r}")
    return f"stage_{stage}.pt"


def stage_checkpoints(run_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """The stage checkpoints of ``run_dir`` by stage, in :data:`STAGES` order; a
    :class:`Hw1CheckpointError` names those missing."""
    root = Path(run_dir)
    paths = {stage: root / stage_checkpoint_name(stage) for stage in STAGES}
    missing = [p.name for p in paths.values() if not p.is_file()]
    if missing:
        raise Hw1CheckpointError(
            f"{root}: missing {', '.join(missing)}; pass the run folder of 'hw1 seg train' "
            "(it writes the stage checkpoints)"
        )
    return paths


def stage_data_dir(data_dir: str | os.PathLike[str]) -> Path:
    """``data_dir`` itself, or its ``validation/`` split when given the ``p2_data`` root."""
    root = Path(data_dir)
    if (root / "validation").is_dir() and not any(root.glob("*_sat.jpg")):
        return root / "validation"
    return root


def choose_stage_ids(folder: str | os.PathLike[str], ids: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """The image ids to show: ``ids`` if given (each must have ``ID_sat.jpg`` in ``folder``), else
    :data:`DEFAULT_STAGE_IDS` when all are present, else the first three ids of ``folder``."""
    root = Path(folder)
    if not root.is_dir():
        raise Hw1DataError(f"{root}: folder not found; pass p2_data/validation")
    available = sorted(p.name[: -len("_sat.jpg")] for p in root.glob("*_sat.jpg"))
    if ids:
        chosen = [i.strip() for i in ids if i.strip()]
    else:
        chosen = list(DEFAULT_STAGE_IDS) if set(DEFAULT_STAGE_IDS) <= set(available) else available[:3]
    absent = [i for i in chosen if i not in available]
    if absent or not chosen:
        raise Hw1DataError(
            f"{root}: no image for id(s) {', '.join(absent) or '(none)'}; "
            f"pass --ids from those present (e.g. {', '.join(available[:3]) or 'none found'})"
        )
    return chosen


@dataclass
class StagePredictions:
    """Stage masks of chosen images: ``images`` ``(H, W, 3) uint8``, ``truths`` class ids or
    ``None`` (no ``ID_mask.png``), ``predictions[stage]`` one class-id map per image, in ``ids`` order."""

    ids: list[str]
    images: list[np.ndarray]
    truths: list[np.ndarray | None]
    predictions: dict[str, list[np.ndarray]]

    def write_masks(self, out_dir: str | os.PathLike[str]) -> list[Path]:
        """Write every stage mask as a palette PNG ``out_dir/<stage>/<id>_mask.png``; returns the paths."""
        root = Path(out_dir)
        return [
            write_mask(labels, root / stage / f"{image_id}_mask.png")
            for stage, maps in self.predictions.items()
            for image_id, labels in zip(self.ids, maps, strict=True)
        ]


def predict_stages(
    run_dir: str | os.PathLike[str],
    data_dir: str | os.PathLike[str],
    *,
    ids: list[str] | tuple[str, ...] | None = None,
    device: str = "auto",
) -> StagePredictions:
    """Predict the chosen images (:func:`choose_stage_ids`) of ``data_dir`` (or its ``validation/``)
    with each stage checkpoint of ``run_dir``, one model in memory at a time."""
    from hw1.segmentation.predict import Predictor  # torch: only when predicting

    checkpoints = stage_checkpoints(run_dir)
    folder = stage_data_dir(data_dir)
    chosen = choose_stage_ids(folder, ids)
    images = [read_rgb(folder / f"{i}_sat.jpg") for i in chosen]
    truths = [read_mask(folder / f"{i}_mask.png") if (folder / f"{i}_mask.png").is_file() else None for i in chosen]
    predictions: dict[str, list[np.ndarray]] = {}
    for stage, checkpoint in checkpoints.items():
        predictor = Predictor(checkpoint, device=device)
        predictions[stage] = [predictor.predict_array(image) for image in images]
        del predictor
    return StagePredictions(ids=chosen, images=images, truths=truths, predictions=predictions)
