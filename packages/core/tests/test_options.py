"""hw1.core.options: KEY=VALUE options bound to a callable's signature."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pytest

from hw1.core.errors import Hw1Error
from hw1.core.options import bind_options, convert_value, option_parameters


class Model:
    def __init__(
        self,
        num_classes: int = 7,
        *,
        depth: int = 5,
        channels: Sequence[int] = (256, 128),
        attention: str | None = None,
        norm: bool = True,
        dropout: float = 0.1,
        mode: Literal["fast", "exact"] = "fast",
        untyped=0.5,
        **encoder_kwargs: object,
    ) -> None:
        pass


def test_strings_are_converted_to_the_annotated_types():
    bound = bind_options(
        Model,
        {
            "depth": "3",
            "channels": "[32,16,16]",
            "attention": "none",
            "norm": "false",
            "dropout": "1",
            "mode": "exact",
            "untyped": "2",
        },
        what="model 'm'",
    )
    assert bound == {
        "depth": 3,
        "channels": [32, 16, 16],
        "attention": None,
        "norm": False,
        "dropout": 1.0,
        "mode": "exact",
        "untyped": 2.0,
    }
    assert isinstance(bound["dropout"], float) and isinstance(bound["untyped"], float)


def test_typed_values_pass_and_are_checked():
    assert bind_options(Model, {"depth": 3.0, "channels": (8, 4), "norm": True}, what="m") == {
        "depth": 3,
        "channels": [8, 4],
        "norm": True,
    }
    with pytest.raises(Hw1Error, match="depth"):
        bind_options(Model, {"depth": 2.5}, what="m")


def test_unknown_keys_list_the_valid_ones():
    with pytest.raises(Hw1Error) as info:
        bind_options(Model, {"foo": 1, "depth": 2}, what="model 'm'", option="--model-option", exclude=("num_classes",))
    message = str(info.value)
    assert "\n" not in message and message.startswith("model 'm': unknown --model-option key(s) foo;")
    assert "valid keys: attention, channels, depth, dropout, mode, norm, untyped" in message
    # Not strict: **kwargs takes anything (as given).
    assert bind_options(Model, {"foo": "x"}, what="m", strict=False) == {"foo": "x"}


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("depth", "three", "expected an integer"),
        ("dropout", "high", "expected a number"),
        ("norm", "maybe", "expected true or false"),
        ("channels", "[a,b]", "expected a list of int"),
        ("mode", "slow", "expected one of 'fast', 'exact'"),
    ],
)
def test_values_that_do_not_convert_are_one_line_errors(key, raw, expected):
    with pytest.raises(Hw1Error) as info:
        bind_options(Model, {key: raw}, what="model 'm'", option="--model-option")
    message = str(info.value)
    assert "\n" not in message and f"--model-option {key}={raw!r}" in message and expected in message


def test_option_parameters_and_convert_value():
    assert list(option_parameters(Model, exclude=("num_classes",)))[:2] == ["depth", "channels"]
    assert convert_value("7", int | None) == 7 and convert_value("null", int | None) is None
    assert convert_value("1,2", list[int]) == [1, 2] and convert_value("(1, 2)", tuple[int, ...]) == (1, 2)
