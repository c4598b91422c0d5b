import pytest
import torch

from hw1.classification import ClassifierHead, build_classifier, freeze_backbone
from hw1.classification.head import set_train_mode
from hw1.core import Hw1Error, create_backbone


def test_mlp_head_shapes_and_hidden_layer():
    head = ClassifierHead(16, 5, hidden=8)
    x = torch.randn(4, 16)
    assert head(x).shape == (4, 5)
    h = head.hidden_features(x)
    assert h.shape == (4, 8) and head.feature_dim == 8 and (h >= 0).all()  # after ReLU
    assert ClassifierHead(**head.kwargs()).kwargs() == head.kwargs()


def test_linear_head_hidden_is_pooled_feature():
    head = ClassifierHead(16, 5, kind="linear", dropout=0.0)
    x = torch.randn(3, 16)
    assert torch.equal(head.hidden_features(x), x) and head(x).shape == (3, 5)
    with pytest.raises(Hw1Error):
        ClassifierHead(16, 5, kind="transformer")


def test_frozen_backbone_stays_in_eval_mode():
    model = build_classifier(create_backbone("resnet18"), 5, hidden=8)
    freeze_backbone(model)
    set_train_mode(model, frozen_backbone=True)
    assert model.head.training and not model.backbone.training
    assert not any(p.requires_grad for p in model.backbone.parameters())
