"""Backbone export: a plain torchvision state_dict of the online backbone, strict-loadable."""

from __future__ import annotations

import pytest
import torch
import torchvision

from hw1.core import Hw1CheckpointError, create_backbone, load_backbone_file, save_checkpoint
from hw1.ssl import export_backbone, pretrain


@pytest.fixture(scope="module")
def byol_run(tiny_images, tmp_path_factory, make_config):
    out = tmp_path_factory.mktemp("export_run")
    options = {"hidden_dim": 32, "output_dim": 16}
    return pretrain(
        make_config(tiny_images, out, backbone="resnet18", epochs=1, warmup_epochs=0, method_options=options)
    )


def test_export_loads_strictly_into_torchvision_and_is_the_online_backbone(byol_run, tmp_path):
    path = export_backbone(byol_run["last_checkpoint"], tmp_path / "backbone.pt")
    state = torch.load(path, weights_only=True)
    assert not any(k.startswith("fc.") for k in state)
    model = torchvision.models.resnet18(weights=None)
    model.fc = torch.nn.Identity()
    model.load_state_dict(state, strict=True)  # documented loading recipe

    ckpt = torch.load(byol_run["last_checkpoint"], weights_only=True)
    online = ckpt["state_dict"]["backbone.conv1.weight"]
    target = ckpt["state_dict"]["backbone_momentum.conv1.weight"]
    assert torch.equal(state["conv1.weight"], online)
    assert not torch.equal(state["conv1.weight"], target)

    backbone = create_backbone("resnet18")
    load_backbone_file(backbone, path)  # what classification and segmentation call
    assert torch.equal(backbone.conv1.weight, online)


def test_export_refuses_files_that_are_not_ssl_checkpoints(tmp_path):
    save_checkpoint(create_backbone("resnet18").state_dict(), tmp_path / "plain.pt")
    with pytest.raises(Hw1CheckpointError, match="not an hw1-ssl pre-training checkpoint"):
        export_backbone(tmp_path / "plain.pt", tmp_path / "out.pt")
    assert not (tmp_path / "out.pt").exists()
    with pytest.raises(Hw1CheckpointError, match="not found"):
        export_backbone(tmp_path / "missing.pt", tmp_path / "out.pt")
