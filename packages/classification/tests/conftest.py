"""Shared fixtures of the hw1-classification tests (share through here: --import-mode=importlib)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch
import torchvision


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory):
    """A 4-class generated Office-shaped set (6 train / 2 val images per class, 32 px)."""
    from hw1.classification import make_synthetic_classification

    return make_synthetic_classification(tmp_path_factory.mktemp("p1"), num_classes=4, n_train_per_class=6,
                                         n_val_per_class=2, n_mini=8, num_mini_classes=2, size=32, mini_size=32)


@pytest.fixture(scope="session")
def resnet18_state() -> dict[str, torch.Tensor]:
    """A full torchvision resnet18 state_dict with its 1000-way fc (TA-style file content)."""
    torch.manual_seed(1)
    return torchvision.models.resnet18(weights=None).state_dict()


@pytest.fixture
def tiny_config(tiny_data, tmp_path):
    """A FinetuneConfig for a seconds-long CPU run on ``tiny_data``."""
    from hw1.classification import FinetuneConfig

    def make(**overrides):
        base = FinetuneConfig(train_csv=str(tiny_data.office_train_csv), val_csv=str(tiny_data.office_val_csv),
                              out_dir=str(tmp_path / "run"), backbone="resnet18", num_classes=4, head_hidden=32,
                              image_size=32, epochs=2, batch_size=8, workers=0, precision="fp32", warmup_epochs=0)
        return dataclasses.replace(base, **overrides)

    return make


@pytest.fixture
def backbone_files(tmp_path, resnet18_state) -> dict[str, Path]:
    """SL-style (full, with fc) and SSL-style (plain, no fc) resnet18 backbone files."""
    from hw1.core import save_checkpoint

    sl = save_checkpoint(resnet18_state, tmp_path / "pretrain_model_SL.pt")
    ssl = save_checkpoint({k: v for k, v in resnet18_state.items() if not k.startswith("fc.")}, tmp_path / "ssl.pt")
    return {"supervised": sl, "ssl": ssl}
