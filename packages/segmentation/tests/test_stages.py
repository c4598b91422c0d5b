"""Stage checkpoints and stage masks of a segmentation run (the library owns the names and ids)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hw1.core import Hw1CheckpointError, Hw1DataError, save_checkpoint
from hw1.segmentation import read_mask
from hw1.segmentation.checkpoint import model_checkpoint
from hw1.segmentation.models import create_model
from hw1.segmentation.stages import (
    DEFAULT_STAGE_IDS,
    STAGES,
    choose_stage_ids,
    predict_stages,
    stage_checkpoint_name,
    stage_checkpoints,
    stage_epochs,
)
from hw1.segmentation.synthetic import make_synthetic_segmentation


def test_stage_names_and_epochs() -> None:
    assert STAGES == ("early", "middle", "final") and DEFAULT_STAGE_IDS == ("0013", "0062", "0104")
    assert [stage_checkpoint_name(s) for s in STAGES] == ["stage_early.pt", "stage_middle.pt", "stage_final.pt"]
    assert stage_epochs(5) == {"early": 1, "middle": 3, "final": 5}
    with pytest.raises(ValueError):
        stage_checkpoint_name("late")


def test_train_uses_the_one_definition() -> None:
    from hw1.segmentation import stages, train

    assert train.STAGES is stages.STAGES and train.stage_epochs is stages.stage_epochs


def test_ids_default_to_the_study_images_or_the_first_three(tmp_path) -> None:
    folder = tmp_path / "val"
    folder.mkdir()
    for i in ("0001", "0002", "0003", "0004"):
        (folder / f"{i}_sat.jpg").write_bytes(b"")
    assert choose_stage_ids(folder) == ["0001", "0002", "0003"]
    for i in DEFAULT_STAGE_IDS:
        (folder / f"{i}_sat.jpg").write_bytes(b"")
    assert choose_stage_ids(folder) == list(DEFAULT_STAGE_IDS)
    assert choose_stage_ids(folder, ["0002"]) == ["0002"]
    with pytest.raises(Hw1DataError, match="9999"):
        choose_stage_ids(folder, ["9999"])


def test_predict_stages_from_a_run_folder(tmp_path) -> None:
    root = make_synthetic_segmentation(tmp_path / "data", n_train=0, n_val=3, size=32, seed=0)
    run = tmp_path / "run"
    with pytest.raises(Hw1CheckpointError, match="stage_early.pt"):
        stage_checkpoints(run)
    kwargs = {"num_classes": 7, "width": 0.0625, "fc_channels": 8}
    for k, stage in enumerate(STAGES):
        torch.manual_seed(k)
        model = create_model("fcn32s", **kwargs)
        save_checkpoint(model_checkpoint(model, "fcn32s", kwargs), run / stage_checkpoint_name(stage))
    result = predict_stages(run, root, device="cpu")  # the p2_data root: its validation/ is used
    assert result.ids == ["0000", "0001", "0002"] and set(result.predictions) == set(STAGES)
    assert all(t is not None and t.shape == (32, 32) for t in result.truths)
    for maps in result.predictions.values():
        assert [m.shape for m in maps] == [(32, 32)] * 3 and all(m.dtype == np.uint8 for m in maps)
    written = result.write_masks(tmp_path / "masks")
    assert len(written) == 9
    assert np.array_equal(read_mask(tmp_path / "masks" / "final" / "0001_mask.png"), result.predictions["final"][1])
