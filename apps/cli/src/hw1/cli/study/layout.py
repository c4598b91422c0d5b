"""Where the study's inputs live inside an ``hw1_data/`` tree (see STUDY.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hw1.core import Hw1DataError


@dataclass(frozen=True)
class StudyData:
    """Paths of one ``hw1_data/`` tree. ``mini_labels`` and ``supervised_backbone`` may be absent:
    the real data ships ``pretrain_model_SL.pt``; generated data ships ``mini/labels.csv`` instead,
    from which the pipeline trains a supervised stand-in backbone."""

    root: Path

    @property
    def mini_images(self) -> Path:
        return self.root / "p1_data" / "mini" / "train"

    @property
    def mini_labels(self) -> Path:
        return self.root / "p1_data" / "mini" / "labels.csv"

    @property
    def supervised_backbone(self) -> Path:
        return self.root / "p1_data" / "pretrain_model_SL.pt"

    @property
    def office(self) -> Path:
        return self.root / "p1_data" / "office"

    @property
    def seg(self) -> Path:
        return self.root / "p2_data"

    def check(self) -> None:
        """Raise :class:`Hw1DataError` naming the first missing input and the expected layout."""
        required = [
            self.mini_images,
            self.office / "train",
            self.office / "val",
            self.office / "train.csv",
            self.office / "val.csv",
            self.seg / "train",
            self.seg / "validation",
        ]
        for path in required:
            if not path.exists():
                raise Hw1DataError(
                    f"{path}: missing from the data tree; expected hw1_data/p1_data/{{mini/train,office/"
                    "{train,val,train.csv,val.csv}}} and hw1_data/p2_data/{train,validation} "
                    "(or generate one with 'hw1 data synth')"
                )
