import torch

from hw1.classification import Classifier, ClassifierHead
from hw1.core import create_backbone


def test_mlp_head_features_are_the_hidden_layer():
    head = ClassifierHead(512, 65, hidden=64)
    model = Classifier(create_backbone("resnet18"), head).eval()
    x = torch.randn(3, 3, 32, 32)
    assert model(x).shape == (3, 65)
    assert model.features(x).shape == (3, 64)
    assert (model.features(x) >= 0).all()  # after ReLU
    assert ClassifierHead(**head.kwargs()).hidden == 64


def test_linear_head_features_are_the_pooled_backbone():
    head = ClassifierHead(512, 10, hidden=0)
    pooled = torch.randn(2, 512)
    assert torch.equal(head.features(pooled), pooled)
    assert head(pooled).shape == (2, 10)
