import pytest
import torch
import torchvision
from torch import nn

from hw1.core import (
    Hw1CheckpointError,
    Hw1Error,
    backbone_state_dict,
    create_backbone,
    load_backbone_file,
    load_backbone_state_dict,
    save_checkpoint,
)


@pytest.fixture(scope="module")
def reference():
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None)
    return model.state_dict()


def _same_weights(model, sd):
    mine = model.state_dict()
    return all(torch.equal(mine[k], sd[k]) for k in mine)


def test_factory_returns_pooled_features():
    model = create_backbone("resnet18")
    assert model.num_features == 512
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 512)
    with pytest.raises(Hw1Error, match="unknown backbone 'vgg_nope'"):
        create_backbone("vgg_nope")


def test_timm_names_build_without_weights():
    model = create_backbone("timm:resnet18")
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, model.num_features)


def test_ta_style_full_state_dict_drops_the_1000_way_fc(reference, tmp_path):
    path = save_checkpoint(reference, tmp_path / "pretrain_model_SL.pt")
    model = create_backbone("resnet18", weights=path)
    assert _same_weights(model, reference)
    report = load_backbone_file(create_backbone("resnet18"), path)
    assert report.dropped_head_keys == ["fc.weight", "fc.bias"]


@pytest.mark.parametrize(
    "prefix",
    ["module.", "backbone.", "module.backbone.", "net.", "online_network.", "online_encoder.net.", "_orig_mod."],
)
def test_framework_prefixes_are_stripped(reference, prefix):
    sd = {prefix + k: v for k, v in reference.items() if not k.startswith("fc.")}
    # SSL frameworks keep heads next to the backbone; they must not be mistaken for it.
    sd["projection_head.layers.0.weight"] = torch.zeros(4, 4)
    if prefix in ("module.", "_orig_mod."):
        sd = {k: v for k, v in sd.items() if not k.startswith("projection_head")}
    model = create_backbone("resnet18")
    report = load_backbone_state_dict(model, sd)
    assert _same_weights(model, reference)
    assert report.stripped_prefix in ("", prefix.replace("module.", "").replace("_orig_mod.", ""))


def test_nested_run_checkpoint(reference):
    model = create_backbone("resnet18")
    load_backbone_state_dict(model, {"epoch": 3, "state_dict": {"backbone." + k: v for k, v in reference.items()}})
    assert _same_weights(model, reference)


def test_unknown_keys_and_shape_mismatches_are_listed(reference):
    sd = dict(reference)
    sd["layer5.0.conv1.weight"] = torch.zeros(1)
    with pytest.raises(Hw1CheckpointError, match=r"1 unexpected: layer5\.0\.conv1\.weight"):
        load_backbone_state_dict(create_backbone("resnet18"), sd, source="x.pt")
    r50 = torchvision.models.resnet50(weights=None).state_dict()
    with pytest.raises(Hw1CheckpointError, match=r"x\.pt: does not fit the backbone .*shape mismatch"):
        load_backbone_state_dict(create_backbone("resnet18"), r50, source="x.pt")
    partial = {k: v for k, v in reference.items() if not k.startswith("layer4")}
    with pytest.raises(Hw1CheckpointError, match=r"missing: layer4"):
        load_backbone_state_dict(create_backbone("resnet18"), partial)


def test_exported_backbone_loads_strictly_into_torchvision():
    model = create_backbone("resnet18")
    sd = backbone_state_dict(model)
    assert not any(k.startswith("fc.") for k in sd)
    tv = torchvision.models.resnet18(weights=None)
    tv.fc = nn.Identity()
    tv.load_state_dict(sd, strict=True)


def test_missing_weights_file_is_a_clear_error(tmp_path):
    with pytest.raises(Hw1CheckpointError, match="weights file not found"):
        create_backbone("resnet18", weights=tmp_path / "nope.pt")


def test_lightly_sequential_and_run_checkpoint_forms_load():
    import torchvision
    from torch import nn

    from hw1.core.backbone import renumber_sequential_resnet

    resnet = torchvision.models.resnet18()
    seq = nn.Sequential(*list(resnet.children())[:-1])
    model = create_backbone("resnet18")
    load_backbone_state_dict(model, {f"backbone.{k}": v for k, v in seq.state_dict().items()})
    assert torch.equal(model.layer4[1].conv2.weight, resnet.layer4[1].conv2.weight)
    assert renumber_sequential_resnet({"4.0.conv1.weight": torch.zeros(1), "fc.bias": torch.zeros(1)}).keys() == {
        "layer1.0.conv1.weight",
        "fc.bias",
    }
    run = {
        "format": "some-run/1",
        "state_dict": {
            **{f"backbone.{k}": v for k, v in resnet.state_dict().items() if not k.startswith("fc.")},
            "head.fc.weight": torch.zeros(5, 512),
        },
    }
    other = create_backbone("resnet18")
    load_backbone_state_dict(other, run)
    assert torch.equal(other.conv1.weight, resnet.conv1.weight)
