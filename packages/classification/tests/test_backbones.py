import pytest
import torch
from torch import nn

from hw1.classification import load_backbone
from hw1.classification.backbones import RESNET_CHILDREN, load_backbone_weights
from hw1.core import Hw1CheckpointError, create_backbone, save_checkpoint


def _equal(model, sd):
    mine = model.state_dict()
    return all(torch.equal(mine[k], sd[k]) for k in mine)


def test_random_init(tmp_path):
    model, desc = load_backbone("random", "resnet18")
    assert desc == "random init" and model.num_features == 512


def test_ta_style_file_with_1000_way_fc(tmp_path, resnet18_state):
    path = save_checkpoint(resnet18_state, tmp_path / "pretrain_model_SL.pt")
    model, desc = load_backbone(path, "resnet18")
    assert _equal(model, resnet18_state)
    assert "2 classifier keys dropped" in desc


@pytest.mark.parametrize("prefix", ["", "backbone.", "module.", "net.", "online_network.", "module.backbone."])
def test_ssl_exports_and_framework_prefixes(tmp_path, resnet18_state, prefix):
    sd = {prefix + k: v for k, v in resnet18_state.items() if not k.startswith("fc.")}
    path = save_checkpoint(sd, tmp_path / "b.pt")
    model, _ = load_backbone(path, "resnet18")
    assert _equal(model, resnet18_state)


def test_lightly_sequential_numbering_is_renamed(resnet18_state):
    sd = {}
    for k, v in resnet18_state.items():
        head, rest = k.split(".", 1)
        if head in RESNET_CHILDREN:
            sd[f"backbone.{RESNET_CHILDREN.index(head)}.{rest}"] = v
    model = create_backbone("resnet18")
    load_backbone_weights(model, sd)
    assert _equal(model, resnet18_state)


def test_unknown_keys_and_shape_mismatches_are_listed(tmp_path, resnet18_state):
    sd = dict(resnet18_state)
    sd["extra.weight"] = torch.zeros(2)
    with pytest.raises(Hw1CheckpointError, match=r"1 unexpected: extra\.weight"):
        load_backbone(save_checkpoint(sd, tmp_path / "x.pt"), "resnet18")
    with pytest.raises(Hw1CheckpointError, match=r"shape mismatch"):
        load_backbone(save_checkpoint(resnet18_state, tmp_path / "r18.pt"), "resnet50")
    with pytest.raises(Hw1CheckpointError, match="backbone file not found"):
        load_backbone(tmp_path / "missing.pt", "resnet18")


def test_classifier_checkpoint_contributes_its_backbone(tmp_path, tiny_config):
    from hw1.classification import export_backbone, train_classifier

    run = train_classifier(tiny_config(epochs=1))
    model, _ = load_backbone(f"{run['run_dir']}/best.pt", "resnet18")
    exported = export_backbone(f"{run['run_dir']}/best.pt", tmp_path / "exported.pt")
    again, _ = load_backbone(exported, "resnet18")
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))
    tv = __import__("torchvision").models.resnet18(weights=None)
    tv.fc = nn.Identity()
    tv.load_state_dict(torch.load(exported, weights_only=True), strict=True)
