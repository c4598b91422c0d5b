"""Shared fixtures: a tiny generated Office/Mini set and tiny resnet18 backbone files."""

from __future__ import annotations

import dataclasses

import pytest
import torch
import torchvision

from hw1.classification import FinetuneConfig
from hw1.classification.synthetic import make_tiny_classification
from hw1.core import backbone_state_dict, create_backbone


@pytest.fixture(scope="session")
def synth(tmp_path_factory):
    """5 classes × 3 train / 2 val images at 32 px, 20 Mini images."""
    return make_tiny_classification(
        tmp_path_factory.mktemp("synth"), num_classes=5, n_train_per_class=3, n_val_per_class=2, n_mini=20, seed=1
    )


@pytest.fixture(scope="session")
def backbone_files(tmp_path_factory):
    """A TA-style full resnet18 state_dict (1000-way fc) and a plain export without fc."""
    d = tmp_path_factory.mktemp("backbones")
    torch.manual_seed(3)
    full = torchvision.models.resnet18(num_classes=1000)
    torch.save(full.state_dict(), d / "sl.pt")
    torch.manual_seed(4)
    torch.save(backbone_state_dict(create_backbone("resnet18")), d / "ssl.pt")
    return {"sl": d / "sl.pt", "ssl": d / "ssl.pt", "dir": d}


def finetune_config(synth, **kw) -> FinetuneConfig:
    """A FinetuneConfig for a seconds-long resnet18 run at 32 px on ``synth``; ``kw`` (``out_dir`` first of
    all) replace fields."""
    base = FinetuneConfig(
        train_csv=str(synth.office_train_csv),
        train_images=str(synth.office_train_dir),
        val_csv=str(synth.office_val_csv),
        val_images=str(synth.office_val_dir),
        backbone="resnet18",
        num_classes=5,
        image_size=32,
        epochs=1,
        batch_size=8,
        precision="fp32",
        head_hidden=32,
    )
    return dataclasses.replace(base, **kw)


@pytest.fixture()
def tiny_config(synth, backbone_files, tmp_path):
    """Factory of :func:`finetune_config` runs in ``tmp_path / "run"`` that know both backbone files."""
    files = {"supervised_backbone": str(backbone_files["sl"]), "ssl_backbone": str(backbone_files["ssl"])}
    return lambda **kw: finetune_config(synth, **{"out_dir": str(tmp_path / "run"), **files, **kw})


@pytest.fixture(scope="session")
def trained_run(synth, backbone_files, tmp_path_factory):
    """One finished 1-epoch setting-A run, shared by the prediction tests."""
    from hw1.classification import train_classifier

    out_dir = tmp_path_factory.mktemp("trained") / "A"
    return train_classifier(finetune_config(synth, out_dir=str(out_dir), setting="A"))
