import pytest

from hw1.classification import SETTINGS, FinetuneConfig, get_setting
from hw1.classification.training import resolve_init
from hw1.core import Hw1Error


def test_the_study_table(tmp_path):
    assert {k: (s.init, s.frozen) for k, s in SETTINGS.items()} == {
        "A": ("random", False),
        "B": ("supervised", False),
        "C": ("ssl", False),
        "D": ("supervised", True),
        "E": ("ssl", True),
    }
    sl, ssl = tmp_path / "sl.pt", tmp_path / "ssl.pt"
    sl.write_bytes(b"x")
    ssl.write_bytes(b"x")
    cfg = FinetuneConfig(supervised_backbone=str(sl), ssl_backbone=str(ssl))
    assert resolve_init(FinetuneConfig(setting="A")) == ("random", False)
    assert resolve_init(FinetuneConfig(**{**cfg.__dict__, "setting": "d"})) == (str(sl), True)
    assert resolve_init(FinetuneConfig(**{**cfg.__dict__, "setting": "C"})) == (str(ssl), False)
    assert resolve_init(FinetuneConfig(init=str(ssl), freeze_backbone=True)) == (str(ssl), True)


def test_a_missing_backbone_names_the_option(tmp_path):
    with pytest.raises(Hw1Error, match="--ssl-backbone"):
        resolve_init(FinetuneConfig(setting="E"))
    with pytest.raises(Hw1Error, match="not found; check --supervised-backbone"):
        resolve_init(FinetuneConfig(setting="B", supervised_backbone=str(tmp_path / "nope.pt")))
    with pytest.raises(Hw1Error, match="not both"):
        resolve_init(FinetuneConfig(setting="A", init="random"))
    with pytest.raises(Hw1Error, match="unknown setting"):
        get_setting("F")
