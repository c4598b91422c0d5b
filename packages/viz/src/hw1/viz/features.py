"""Feature files: ``.npz`` with ``features`` (N, D), ``labels`` (N,) and ``filenames`` (N,),
as written by hw1-classification's feature extraction (first and last epoch)."""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hw1.viz.errors import VizInputError


@dataclass(frozen=True)
class FeatureSet:
    """Features of one epoch: ``features`` (N, D) float, ``labels`` (N,) int, ``filenames`` (N,) str."""

    features: np.ndarray
    labels: np.ndarray
    filenames: np.ndarray


def read_feature_file(path: str | os.PathLike[str]) -> FeatureSet:
    """Read a feature ``.npz`` (no pickles allowed); :class:`VizInputError` naming the file when
    it is missing, unreadable, lacks ``features``/``labels`` or their lengths disagree.
    ``filenames`` is optional (empty strings when absent)."""
    p = Path(path)
    if not p.is_file():
        raise VizInputError(f"{p}: feature file not found; pass an .npz written by 'hw1 cls train'")
    try:
        with np.load(p, allow_pickle=False) as data:
            keys = set(data.files)
            missing = {"features", "labels"} - keys
            if missing:
                raise VizInputError(
                    f"{p}: missing array(s) {', '.join(sorted(missing))} (found: {', '.join(sorted(keys)) or 'none'}); "
                    "pass an .npz with features, labels and filenames"
                )
            features = np.asarray(data["features"])
            labels = np.asarray(data["labels"]).reshape(-1)
            filenames = np.asarray(data["filenames"]).astype(str) if "filenames" in keys else np.full(len(labels), "")
    except VizInputError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise VizInputError(
            f"{p}: not a readable .npz feature file ({str(exc).splitlines()[0][:120]}); re-extract it"
        ) from exc
    if features.ndim != 2 or features.shape[0] != labels.shape[0]:
        raise VizInputError(
            f"{p}: features of shape {features.shape} do not match {labels.shape[0]} labels; re-extract the features"
        )
    return FeatureSet(features=features, labels=labels, filenames=filenames)
