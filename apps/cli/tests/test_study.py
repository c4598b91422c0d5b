"""The pipeline's parts that need no training: command lines, profiles, runner, report."""

import json

import click
import pytest

from hw1.cli.main import cli
from hw1.cli.study.commands import config_to_args
from hw1.cli.study.document import Document
from hw1.cli.study.layout import StudyData
from hw1.cli.study.profiles import PROFILES
from hw1.cli.study.runner import Step, run_steps, select_steps
from hw1.core import Hw1DataError, Hw1Error


def _parse(group: str, name: str, args: list[str]) -> dict:
    command = cli.commands[group].commands[name]
    return command.make_context(name, list(args)).params


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_profile_renders_to_command_lines_that_parse_back(profile):
    from hw1.segmentation.train import SegTrainConfig
    from hw1.ssl import PretrainConfig

    p = PROFILES[profile]
    ssl_cfg = PretrainConfig(images="mini", out="ssl", **p.ssl)
    params = _parse("ssl", "pretrain", config_to_args(cli.commands["ssl"].commands["pretrain"], ssl_cfg))
    for key, value in p.ssl.items():
        assert params[key] == value, key
    from hw1.classification import FinetuneConfig

    for words, overrides in ((("cls", "train"), p.supervised), (("cls", "experiments"), p.cls)):
        cfg = FinetuneConfig(train_csv="t.csv", train_images="t", val_csv="v.csv", val_images="v", **overrides)
        params = _parse(*words, ["--train-csv", "t.csv", "--train-images", "t", "--val-csv", "v.csv",
                                 "--val-images", "v", *config_to_args(cli.commands[words[0]].commands[words[1]], cfg,
                                                                      skip=("train_csv", "train_images", "val_csv",
                                                                            "val_images", "resume"))])
        for key, value in overrides.items():
            assert params[key] == value, key
    for overrides in (p.seg_a, p.seg_b):
        cfg = SegTrainConfig(data_dir="p2", out_dir="run", **overrides)
        params = _parse("seg", "train", config_to_args(cli.commands["seg"].commands["train"], cfg))
        for key, value in overrides.items():
            assert params[key] == value, key


def test_a_setting_without_an_option_is_refused():
    from hw1.ssl import PretrainConfig

    command = click.Command("x", params=[click.Option(["--images"])])
    with pytest.raises(ValueError, match="no option for PretrainConfig.out"):
        config_to_args(command, PretrainConfig(images="a", out="elsewhere"))


def test_runner_skips_steps_whose_outputs_exist(tmp_path, capsys):
    calls = []

    class Ctx:
        commands: list = []

    def write(ctx):
        calls.append("write")
        (tmp_path / "a.txt").write_text("x")

    steps = [Step("a", "step a", ["a.txt"], write), Step("b", "step b", [], lambda ctx: "nothing to do")]
    first = run_steps(steps, Ctx(), tmp_path)
    second = run_steps(steps, Ctx(), tmp_path)
    assert [r.status for r in first] == ["ran", "declined"]
    assert [r.status for r in second] == ["skipped", "declined"]
    assert calls == ["write"]
    log = [json.loads(line) for line in (tmp_path / "pipeline.jsonl").read_text().splitlines()]
    assert [(r["name"], r["status"]) for r in log] == [("a", "ran"), ("b", "declined"), ("a", "skipped"), ("b", "declined")]
    with pytest.raises(Hw1Error, match="unknown step 'z'"):
        select_steps(steps, ["z"], [])
    assert [s.name for s in select_steps(steps, [], ["a"])] == ["b"]


def test_missing_data_names_the_path(tmp_path):
    with pytest.raises(Hw1DataError, match=r"p1_data/mini/train: missing from the data tree"):
        StudyData(tmp_path).check()


def test_document_renders_markdown_and_self_contained_html(tmp_path):
    from PIL import Image

    Image.new("RGB", (4, 4), (255, 0, 0)).save(tmp_path / "fig.png")
    doc = Document()
    doc.heading("Title", 1)
    doc.text("a `code` and **bold** <tag>")
    doc.table(["x", "y"], [[1, "a|b"]])
    doc.figure("fig.png", "a figure")
    md = doc.to_markdown()
    assert "# Title" in md and "| 1 | a\\|b |" in md and "![a figure](fig.png)" in md
    html = doc.to_html(tmp_path, "t")
    assert "<code>code</code>" in html and "<strong>bold</strong>" in html and "&lt;tag&gt;" in html
    assert "data:image/png;base64," in html and "fig.png" not in html.split("<body>")[1].split('alt="a figure"')[0]


def test_pipeline_help_lists_the_steps():
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["pipeline", "--help"])
    assert result.exit_code == 0 and "ssl" in result.output and "report" in result.output


@pytest.mark.parametrize(("start", "end", "n", "says"), [
    (0.0923, 0.0974, 195, "within the noise"),  # one image more: no claim either way
    (0.20, 0.35, 195, "learned useful features"),
    (0.30, 0.20, 195, "**worse**"),
    (0.30, 0.20, None, "changed by -0.1000 from the random-init backbone."),  # no CSV to count: no verdict
])
def test_the_report_claims_a_kNN_gain_only_beyond_two_standard_errors(start, end, n, says):
    from hw1.cli.study.report import _knn_verdict

    assert says in _knn_verdict(start, end, n)
