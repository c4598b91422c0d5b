"""Options generated from config dataclasses, hidden aliases, KEY=VALUE options and their
validation, and image folders that default to the data's layout."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import click
import pytest
from click.testing import CliRunner

from hw1.cli.main import cli
from hw1.cli.options import ConfigCommand, config_options, field_docs, parse_key_values, parse_value
from hw1.cli.paths import csv_image_folder


@dataclass
class ToyConfig:
    """A config shaped like the libraries' ones."""

    images: str = ""
    """Folder of images."""
    out: str = "run"
    """Run folder (old field name: the option is still --out-dir)."""
    num_workers: int = 2
    sync_batchnorm: bool = False
    """SyncBatchNorm under DDP."""
    lr: float = 0.1
    size: int | None = None
    optimizer: str = "sgd"
    weights: list[float] | None = None
    model_kwargs: dict[str, Any] = field(default_factory=dict)
    """Model keyword arguments."""


@click.command(
    "toy",
    cls=ConfigCommand,
    config=ToyConfig,
    required=("images",),
    choices={"optimizer": ("sgd", "adamw")},
)
@click.option("--model-kwargs", "alias__model_kwargs", hidden=True, default=None)
@click.pass_context
def toy(ctx: click.Context, **options: Any) -> None:
    click.echo(repr(ctx.command.make_config(options)))


def _run(*args: str) -> ToyConfig:
    result = CliRunner().invoke(toy, list(args), standalone_mode=False, catch_exceptions=False)
    return eval(result.output, {"ToyConfig": ToyConfig})  # the repr of the dataclass


def test_docstrings_become_help_and_fields_become_options():
    assert field_docs(ToyConfig)["sync_batchnorm"] == "SyncBatchNorm under DDP."
    assert "num_workers" not in field_docs(ToyConfig)
    options = {o.name: o for o in config_options(ToyConfig)}
    assert options["out_dir"].opts == ["--out-dir"] and options["out_dir"].help.startswith("Run folder")
    assert options["sync_batchnorm"].is_flag and options["sync_batchnorm"].secondary_opts == ["--no-sync-batchnorm"]
    assert options["model_kwargs"].multiple and options["lr"].type is click.FLOAT
    assert options["alias__out_dir"].hidden and options["alias__out_dir"].opts == ["--out"]
    text = CliRunner().invoke(toy, ["--help"]).output
    assert "--out-dir" in text and "--out " not in text and "--workers" not in text and "--sync-bn" not in text
    assert "Model keyword arguments." in text and "[required]" in text


def test_run_options_are_inherited_after_the_commands_own_options():
    from hw1.core import RunOptions

    @dataclass
    class Derived(RunOptions):
        images: str = ""
        """Folder of images."""
        batch_size: int = 8  # a new default; the help stays RunOptions'

    options = config_options(Derived)
    names = [o.name for o in options if not o.hidden]
    assert names[:2] == ["images", "batch_size"] and names[2] == "epochs" and "cache_dir" in names
    by_name = {o.name: o for o in options}
    assert by_name["batch_size"].default == 8 and by_name["batch_size"].help.startswith("Per process")
    assert by_name["resume"].help == field_docs(RunOptions)["resume"]
    assert tuple(by_name["precision"].type.choices) == ("auto", "fp32", "bf16", "fp16")  # RUN_CHOICES, for all


def test_values_reach_the_config_with_types():
    c = _run(
        "--images",
        "x",
        "--lr",
        "0.5",
        "--size",
        "64",
        "--sync-batchnorm",
        "--weights",
        "1,2.5",
        "--model-option",
        "width=0.25",
        "--model-option",
        "channels=[32,16]",
        "--model-option",
        "bn=True",
    )
    assert c == ToyConfig(
        images="x",
        lr=0.5,
        size=64,
        sync_batchnorm=True,
        weights=[1.0, 2.5],
        model_kwargs={"width": 0.25, "channels": [32, 16], "bn": True},
    )
    assert _run("--images", "x") == ToyConfig(images="x")


def test_old_spellings_are_hidden_aliases():
    c = _run("--images", "x", "--out", "o", "--workers", "5", "--sync-bn", "--model-kwargs", "a=1,b=[1,2]")
    assert (c.out, c.num_workers, c.sync_batchnorm, c.model_kwargs) == ("o", 5, True, {"a": 1, "b": [1, 2]})
    both = _run("--images", "x", "--out", "old", "--out-dir", "new")
    assert both.out == "new"  # the canonical spelling wins when both are given


def test_choices_and_required_are_enforced():
    assert CliRunner().invoke(toy, ["--images", "x", "--optimizer", "lamb"]).exit_code == 2
    assert CliRunner().invoke(toy, []).exit_code == 2


def test_key_value_parsing():
    assert parse_value(" 3 ") == 3 and parse_value("none") is None and parse_value("[1, 2]") == [1, 2]
    assert parse_value("relu") == "relu" and parse_value("False") is False
    assert parse_key_values(["hidden-dim=8"], "--method-option") == {"hidden_dim": 8}
    from hw1.core import Hw1Error

    with pytest.raises(Hw1Error, match="KEY=VALUE"):
        parse_key_values(["oops"], "--method-option")


def _one_error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def test_unknown_model_option_lists_the_valid_keys(tmp_path):
    result = CliRunner().invoke(
        cli, ["seg", "train", "--data-dir", str(tmp_path), "--model", "smp:Unet:resnet18", "--model-option", "foo=1"]
    )
    line = _one_error_line(result)
    assert "foo" in line and "valid keys:" in line and "encoder_depth" in line and "decoder_channels" in line


def test_model_option_of_the_wrong_type_is_one_line(tmp_path):
    for model, option in (("smp:Unet:resnet18", "encoder_depth=three"), ("fcn32s", "width=wide")):
        line = _one_error_line(
            CliRunner().invoke(
                cli, ["seg", "train", "--data-dir", str(tmp_path), "--model", model, "--model-option", option]
            )
        )
        assert option.split("=")[0] in line and ("integer" in line or "number" in line)
    legacy = CliRunner().invoke(
        cli, ["seg", "train", "--data-dir", str(tmp_path), "--model", "fcn32s", "--model-kwargs", "width=0.25,bogus=1"]
    )
    assert "bogus" in _one_error_line(legacy)


def test_method_options_are_checked(tmp_path):
    base = ["ssl", "pretrain", "--images", str(tmp_path), "--method", "byol"]
    assert "valid keys:" in _one_error_line(CliRunner().invoke(cli, [*base, "--method-option", "nope=1"]))
    assert "hidden_dim" in _one_error_line(CliRunner().invoke(cli, [*base, "--method-option", "hidden_dim=big"]))


def test_csv_image_folder_follows_the_layout(tmp_path):
    from hw1.core import Hw1DataError

    (tmp_path / "train.csv").write_text("id,filename,label\n")
    (tmp_path / "val.csv").write_text("id,filename,label\n")
    (tmp_path / "train").mkdir()
    kw = {"option": "--train-images", "csv_option": "--train-csv"}
    assert csv_image_folder(tmp_path / "train.csv", None, **kw) == str(tmp_path / "train")
    assert csv_image_folder(tmp_path / "val.csv", None, **kw) == str(tmp_path)  # no val/: the CSV's folder
    assert csv_image_folder(tmp_path / "val.csv", tmp_path / "train", **kw) == str(tmp_path / "train")
    with pytest.raises(Hw1DataError, match="--train-images"):
        csv_image_folder(tmp_path / "train.csv", tmp_path / "nowhere", **kw)
    with pytest.raises(Hw1DataError, match="--train-csv"):
        csv_image_folder(tmp_path / "missing.csv", None, **kw)


def test_knn_csv_errors_name_the_option(tmp_path):
    (tmp_path / "mini").mkdir()
    result = CliRunner().invoke(
        cli,
        [
            "ssl",
            "pretrain",
            "--images",
            str(tmp_path / "mini"),
            "--out-dir",
            str(tmp_path / "run"),
            "--knn-train-csv",
            str(tmp_path / "train.csv"),
        ],
    )
    assert "--knn-train-csv" in _one_error_line(result)
    (tmp_path / "train.csv").write_text("id,filename,label\n")
    result = CliRunner().invoke(
        cli,
        [
            "ssl",
            "pretrain",
            "--images",
            str(tmp_path / "mini"),
            "--knn-train-csv",
            str(tmp_path / "train.csv"),
            "--knn-train-images",
            str(tmp_path / "none"),
        ],
    )
    assert "--knn-train-images" in _one_error_line(result)
