import pytest

from hw1.classification import SETTINGS, resolve_setting
from hw1.core import Hw1Error


def test_the_study_table():
    assert {k: (s.source, s.frozen) for k, s in SETTINGS.items()} == {
        "A": ("random", False), "B": ("supervised", False), "C": ("ssl", False),
        "D": ("supervised", True), "E": ("ssl", True),
    }
    assert resolve_setting("d", supervised_backbone="sl.pt", ssl_backbone=None) == ("sl.pt", True)
    assert resolve_setting("C", supervised_backbone=None, ssl_backbone="ssl.pt") == ("ssl.pt", False)


def test_a_missing_backbone_file_names_the_option():
    with pytest.raises(Hw1Error, match="--ssl-backbone"):
        resolve_setting("E", supervised_backbone="sl.pt", ssl_backbone=None)
    with pytest.raises(Hw1Error, match="unknown setting"):
        resolve_setting("F", supervised_backbone=None, ssl_backbone=None)
