import pytest
import torch
import torchvision
from torch import nn

from hw1.classification import load_backbone
from hw1.core import Hw1CheckpointError, backbone_state_dict, create_backbone
from hw1.core.backbone import renumber_sequential_resnet


def _same(model: nn.Module, sd: dict) -> bool:
    own = model.state_dict()
    return all(torch.equal(own[k], v) for k, v in sd.items() if k in own)


def test_random_init_differs_between_calls():
    a, how = load_backbone("random", "resnet18")
    b, _ = load_backbone(None, "resnet18")
    assert how == "random init" and a.num_features == 512
    assert not torch.equal(a.conv1.weight, b.conv1.weight)


def test_ta_style_full_state_dict_drops_fc(backbone_files):
    model, how = load_backbone(backbone_files["sl"], "resnet18")
    sd = torch.load(backbone_files["sl"])
    assert "fc.weight" in sd and _same(model, sd)
    assert "classifier keys dropped" in how


def test_plain_export_loads(backbone_files):
    model, _ = load_backbone(str(backbone_files["ssl"]), "resnet18")
    assert _same(model, torch.load(backbone_files["ssl"]))


@pytest.mark.parametrize("prefix", ["backbone.", "module.", "net.", "online_network.", "module.backbone."])
def test_prefixed_state_dicts(tmp_path, prefix):
    src = backbone_state_dict(create_backbone("resnet18"))
    wrapped = {prefix + k: v for k, v in src.items()}
    if prefix != "module.":  # an SSL model's other parts (lightly/byol heads) are not backbone keys
        wrapped["projection_head.layers.0.weight"] = torch.zeros(3, 3)
    torch.save({"state_dict": wrapped}, tmp_path / "p.pt")
    model, _ = load_backbone(tmp_path / "p.pt", "resnet18")
    assert _same(model, src)


def test_lightly_sequential_backbone(tmp_path):
    resnet = torchvision.models.resnet18()
    seq = nn.Sequential(*list(resnet.children())[:-1])
    torch.save({f"backbone.{k}": v for k, v in seq.state_dict().items()}, tmp_path / "lightly.pt")
    model, _ = load_backbone(tmp_path / "lightly.pt", "resnet18")
    assert torch.equal(model.layer4[1].conv2.weight, resnet.layer4[1].conv2.weight)
    assert "layer1.0.conv1.weight" in renumber_sequential_resnet({"4.0.conv1.weight": torch.zeros(1)})


def test_unknown_keys_are_listed(tmp_path):
    sd = backbone_state_dict(create_backbone("resnet18"))
    sd["layer9.extra.weight"] = torch.zeros(2)
    torch.save(sd, tmp_path / "u.pt")
    with pytest.raises(Hw1CheckpointError, match=r"unexpected: layer9\.extra\.weight"):
        load_backbone(tmp_path / "u.pt", "resnet18")


def test_shape_mismatch_is_listed(tmp_path):
    sd = backbone_state_dict(create_backbone("resnet18"))
    sd["conv1.weight"] = torch.zeros(64, 3, 3, 3)
    torch.save(sd, tmp_path / "s.pt")
    with pytest.raises(Hw1CheckpointError, match=r"shape mismatch: conv1\.weight \(64, 3, 3, 3\) vs \(64, 3, 7, 7\)"):
        load_backbone(tmp_path / "s.pt", "resnet18")


def test_missing_keys_and_file(tmp_path):
    sd = backbone_state_dict(create_backbone("resnet18"))
    del sd["layer2.0.bn1.weight"]
    torch.save(sd, tmp_path / "m.pt")
    with pytest.raises(Hw1CheckpointError, match=r"missing: layer2\.0\.bn1\.weight"):
        load_backbone(tmp_path / "m.pt", "resnet18")
    with pytest.raises(Hw1CheckpointError, match="not found"):
        load_backbone(tmp_path / "absent.pt", "resnet18")
