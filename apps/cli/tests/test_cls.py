"""``hw1 cls`` and ``hw1 data synth-cls`` through Click's runner."""

import csv

import pytest
from click.testing import CliRunner

from hw1.cli.main import cli


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth_cls")
    result = CliRunner().invoke(
        cli,
        [
            "data",
            "synth-cls",
            str(out),
            "--n-classes",
            "3",
            "--n-train-per-class",
            "2",
            "--n-val-per-class",
            "1",
            "--n-mini",
            "4",
            "--n-mini-classes",
            "2",
            "--size",
            "32",
            "--mini-size",
            "32",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "office: 6 train / 3 val images, 3 classes" in result.output
    return out / "office"


def _train_args(office, out):
    return [
        "cls",
        "train",
        "--train-csv",
        str(office / "train.csv"),
        "--train-images",
        str(office / "train"),
        "--val-csv",
        str(office / "val.csv"),
        "--val-images",
        str(office / "val"),
        "--backbone",
        "resnet18",
        "--num-classes",
        "3",
        "--image-size",
        "32",
        "--epochs",
        "1",
        "--batch-size",
        "4",
        "--head-hidden",
        "16",
        "--precision",
        "fp32",
        "--out-dir",
        str(out),
    ]


def test_train_predict_export(data, tmp_path):
    result = CliRunner().invoke(cli, _train_args(data, tmp_path / "run") + ["--setting", "A"])
    assert result.exit_code == 0, result.output
    assert "best val acc" in result.output
    ckpt = tmp_path / "run" / "best.pt"
    result = CliRunner().invoke(
        cli,
        [
            "cls",
            "predict",
            str(ckpt),
            str(data / "val.csv"),
            str(data / "val"),
            str(tmp_path / "pred.csv"),
            "--device",
            "cpu",
        ],
    )
    assert result.exit_code == 0, result.output
    with open(tmp_path / "pred.csv", newline="") as fh:
        pred = list(csv.DictReader(fh))
    with open(data / "val.csv", newline="") as fh:
        truth = list(csv.DictReader(fh))
    assert [(p["id"], p["filename"]) for p in pred] == [(t["id"], t["filename"]) for t in truth]
    assert all(p["label"] in {"0", "1", "2"} for p in pred)
    result = CliRunner().invoke(cli, ["cls", "export-backbone", str(ckpt), str(tmp_path / "bb.pt")])
    assert result.exit_code == 0 and (tmp_path / "bb.pt").is_file()
    # the exported backbone serves as the supervised backbone of a frozen, cached setting D run
    result = CliRunner().invoke(
        cli,
        _train_args(data, tmp_path / "d")
        + ["--setting", "D", "--supervised-backbone", str(tmp_path / "bb.pt"), "--cache-features"],
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--setting", "C"], "setting C needs a ssl backbone file: pass --ssl-backbone FILE"),
        (["--setting", "A", "--cache-features"], "--cache-features needs a frozen backbone"),
        (["--init", "missing.pt"], "missing.pt: backbone file not found"),
    ],
)
def test_bad_input_is_one_line_exit_2(data, tmp_path, extra, message):
    result = CliRunner().invoke(cli, _train_args(data, tmp_path / "run") + extra)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_bad_csv_and_checkpoint_exit_2(data, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,filename,label\n0,../x.jpg,1\n")
    args = _train_args(data, tmp_path / "run") + ["--setting", "A"]
    args[args.index("--train-csv") + 1] = str(bad)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "row 2" in result.output
    not_ckpt = tmp_path / "x.pt"
    not_ckpt.write_bytes(b"nope")
    result = CliRunner().invoke(
        cli, ["cls", "predict", str(not_ckpt), str(data / "val.csv"), str(data / "val"), str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 2 and result.output.startswith("error: ") and result.output.count("\n") == 1


def test_image_folders_default_to_the_csv_layout(data, tmp_path):
    """office/train.csv -> office/train/ without --train-images; predict takes CHECKPOINT CSV OUT_CSV."""
    args = [a for a in _train_args(data, tmp_path / "run") if a not in (str(data / "train"), str(data / "val"))]
    args = [a for a in args if a not in ("--train-images", "--val-images")]
    result = CliRunner().invoke(cli, [*args, "--setting", "A", "--epochs", "1", "--no-save-features"])
    assert result.exit_code == 0, result.output
    ckpt = tmp_path / "run" / "best.pt"
    result = CliRunner().invoke(
        cli, ["cls", "predict", str(ckpt), str(data / "val.csv"), str(tmp_path / "p.csv"), "--device", "cpu"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p.csv").read_text().count("\n") == 4  # header + 3 images found in office/val/
    missing = CliRunner().invoke(
        cli, ["cls", "predict", str(ckpt), str(data / "val.csv"), str(tmp_path / "nowhere"), str(tmp_path / "p2.csv")]
    )
    assert missing.exit_code == 2 and "IMAGE_DIR" in missing.output
    # one export command for classifier and SSL run checkpoints
    result = CliRunner().invoke(cli, ["ssl", "export", str(ckpt), str(tmp_path / "bb.pt")])
    assert result.exit_code == 0 and (tmp_path / "bb.pt").is_file(), result.output
    result = CliRunner().invoke(cli, ["ssl", "export", str(tmp_path / "bb.pt"), str(tmp_path / "bb2.pt")])
    assert result.exit_code == 2 and "not a run checkpoint" in result.output


def test_a_skipped_setting_is_reported_not_fatal(data, tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "cls",
            "experiments",
            "--train-csv",
            str(data / "train.csv"),
            "--val-csv",
            str(data / "val.csv"),
            "--settings",
            "B",
            "--out-dir",
            str(tmp_path / "ex"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "--supervised-backbone" in result.output
    assert (tmp_path / "ex" / "table.md").is_file()


def test_a_lower_case_setting_reaches_the_config_upper_case():
    import click

    train = cli.get_command(click.Context(cli), "cls").get_command(click.Context(cli), "train")
    params = train.make_context("train", ["--train-csv", "t.csv", "--val-csv", "v.csv", "--setting", "c"]).params
    assert train.make_config(params).setting == "C"
