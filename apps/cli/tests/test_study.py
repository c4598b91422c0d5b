"""The pipeline's parts that need no training: command lines, profiles, runner, report."""

import dataclasses
import json

import click
import pytest

from hw1.cli.main import cli
from hw1.cli.options import CANONICAL_FIELDS, option_name
from hw1.cli.study.commands import command_line, config_to_args
from hw1.cli.study.context import StudyContext
from hw1.cli.study.document import Document
from hw1.cli.study.layout import StudyData
from hw1.cli.study.profiles import PROFILES
from hw1.cli.study.runner import Step, run_steps, select_steps
from hw1.core import Hw1DataError, Hw1Error


def _command(*words: str) -> click.Command:
    command: click.Command = cli
    for word in words:
        command = command.get_command(click.Context(command), word)  # type: ignore[attr-defined]
    return command


def _assert_round_trip(words: tuple[str, ...], config, skip=()) -> list[str]:
    """The rendered command line parses back, through the real command, to every field of ``config``."""
    args = config_to_args(config, skip=skip)
    params = _command(*words).make_context(words[-1], list(args)).params
    for f in dataclasses.fields(config):
        name = CANONICAL_FIELDS.get(f.name, f.name)
        if f.name in skip:
            continue
        if name in params:
            assert params[name] == getattr(config, f.name), f"{' '.join(words)}: {f.name}"
        else:  # a field the command has no option for must be left at its default
            assert not any(a == option_name(f.name) for a in args), f.name
    return args


@pytest.mark.parametrize("profile", list(PROFILES))
def test_the_recorded_command_lines_parse_back_to_the_configs_the_pipeline_runs(profile, tmp_path):
    from hw1.cli.study.seg_steps import seg_config
    from hw1.cli.study.steps import cls_config, ssl_config, supervised_config

    ctx = StudyContext(data=StudyData(tmp_path / "hw1_data"), out=tmp_path / "out", profile=PROFILES[profile])
    ssl_args = _assert_round_trip(("ssl", "pretrain"), ssl_config(ctx))
    assert ssl_args[:2] == ["--images", str(ctx.data.mini_images)] and "--out-dir" in ssl_args
    _assert_round_trip(("cls", "train"), supervised_config(ctx, tmp_path / "t.csv", tmp_path / "v.csv", 7))
    _assert_round_trip(("cls", "experiments"), cls_config(ctx), skip=("cache_features",))
    for key in ("model_a", "model_b"):
        _assert_round_trip(("seg", "train"), seg_config(ctx, key))


def test_the_recorded_predict_options_parse_back_through_seg_predict():
    from hw1.cli.study.commands import option_words

    options = {"batch_size": 4, "num_workers": 0, "tta": True}  # a profile's ``predict`` (a bool: a flag)
    words = [w for k, v in options.items() for w in option_words(k, v)]
    assert words == ["--batch-size", "4", "--num-workers", "0", "--tta"]
    params = _command("seg", "predict").make_context("predict", ["best.pt", "in", "out", *words]).params
    assert {k: params[k] for k in options} == options


def test_a_config_renders_only_what_differs_from_its_defaults():
    @dataclasses.dataclass
    class Config:
        images: str = ""
        out: str = "run"
        num_workers: int = 4
        channels_last: bool = True
        model_kwargs: dict = dataclasses.field(default_factory=dict)
        class_weights: list | None = None
        weights: str | None = "imagenet"

    assert config_to_args(Config(images="a b")) == ["--images", "a b"]
    args = config_to_args(
        Config(
            out="x",
            num_workers=0,
            channels_last=False,
            class_weights=[1.0, 2.5],
            model_kwargs={"width": 0.5, "decoder_channels": [32, 16], "batch_norm": True},
        )
    )
    assert args == [
        "--out-dir",
        "x",
        "--num-workers",
        "0",
        "--no-channels-last",
        "--model-option",
        "width=0.5",
        "--model-option",
        "decoder_channels=[32,16]",
        "--model-option",
        "batch_norm=true",
        "--class-weights",
        "1.0,2.5",
    ]
    assert command_line("seg", "train", *args[:2]) == "hw1 seg train --out-dir x"
    with pytest.raises(ValueError, match="Config.weights=None has no command-line spelling"):
        config_to_args(Config(weights=None))


def test_runner_skips_steps_whose_outputs_exist(tmp_path, capsys):
    calls = []

    class Ctx:
        commands: list = []
        notes: list = []

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
    assert [(r["name"], r["status"]) for r in log] == [
        ("a", "ran"),
        ("b", "declined"),
        ("a", "skipped"),
        ("b", "declined"),
    ]
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


@pytest.mark.parametrize(
    ("start", "end", "n", "says"),
    [
        (0.0923, 0.0974, 195, "within the noise"),  # one image more: no claim either way
        (0.20, 0.35, 195, "learned useful features"),
        (0.30, 0.20, 195, "**worse**"),
        (0.30, 0.20, None, "changed by -0.1000 from the random-init backbone."),  # no CSV to count: no verdict
    ],
)
def test_the_report_claims_a_kNN_gain_only_beyond_two_standard_errors(start, end, n, says):
    from hw1.cli.study.report import _knn_verdict

    assert says in _knn_verdict(start, end, n)


def _numbers(**kw):
    from hw1.cli.study.claims import StudyNumbers

    base = dict(
        knn_first=0.30,
        knn_last=0.50,
        knn_n=200,
        ssl_loss=(2.0, 1.0),
        ssl_feature_std=(0.5, 0.4),
        accuracy={"A": 0.40, "B": 0.55, "C": 0.50, "D": 0.30, "E": 0.35, "random-frozen": 0.20},
        status={},
        val_n=400,
        num_classes=10,
        silhouette=(-0.2, 0.1),
        seg_miou={"model_a": 0.35, "model_b": 0.50},
        seg_chance=0.05,
    )
    return StudyNumbers(**{**base, **kw})


def test_every_claim_holds_on_numbers_that_show_the_study():
    from hw1.cli.study.claims import HOLDS, study_claims

    claims = study_claims(_numbers())
    assert [c.verdict for c in claims] == [HOLDS] * 8
    assert claims[1].measured.startswith("C 0.5000 vs A 0.4000 (+0.1000, two standard errors ±")
    assert "E 0.3500 vs random-frozen 0.2000" in claims[2].measured
    assert claims[-1].measured == "B 0.5000, A 0.3500, chance 0.0500 mIoU"


def test_a_claim_that_fails_says_so_with_the_measured_reason():
    from hw1.cli.study.claims import FAILS, HOLDS, UNKNOWN, knn_claim, segmentation_claim, study_claims, tsne_claim

    # pre-training gained less than the noise: kNN fails, and C <= A is explained by it
    n = _numbers(knn_last=0.31, accuracy={"A": 0.40, "B": 0.55, "C": 0.38, "D": 0.30, "E": 0.25, "random-frozen": 0.30})
    claims = study_claims(n)
    assert claims[0].verdict == FAILS and "within the noise" in claims[0].reason
    assert claims[1].verdict == FAILS
    assert claims[1].reason.startswith("pre-training did not make the features better than random init")
    assert claims[1].reason.endswith(
        "within two standard errors of 400 validation images: this run cannot order C and A"
    )
    assert claims[2].verdict == FAILS
    # a collapse is named from the feature std
    collapsed = knn_claim(_numbers(knn_last=0.1, ssl_feature_std=(0.5, 0.01)))
    assert "worse than random init" in collapsed.reason and "collapse" in collapsed.reason
    # B and D skipped (no supervised backbone): not measured, with the table's status as the reason
    skipped = study_claims(
        _numbers(
            accuracy={"A": 0.4, "B": None, "C": 0.5, "D": None, "E": 0.3, "random-frozen": 0.2},
            status={"B": "skipped: no file", "D": "skipped: no file"},
        )
    )
    assert [c.verdict for c in skipped[1:6]] == [HOLDS, HOLDS, UNKNOWN, UNKNOWN, HOLDS]
    assert skipped[3].reason == "B: skipped: no file"
    negative = tsne_claim(_numbers(silhouette=(-0.5, -0.4)))
    assert negative.verdict == FAILS and "stays negative" in negative.reason
    weak_a = segmentation_claim(
        _numbers(seg_miou={"model_a": 0.08, "model_b": 0.41}, seg_a_curve=[(1, 0.03), (2, 0.05), (3, 0.08)])
    )
    assert weak_a.verdict == FAILS and weak_a.reason == (
        "A is below 0.3 (0.0800); its validation mIoU rose from 0.0300 to 0.0800 and was still rising at the last "
        "epoch (3): more epochs would help"
    )
    peaked = segmentation_claim(_numbers(seg_miou={"model_a": 0.2, "model_b": 0.41}, seg_a_curve=[(1, 0.2), (2, 0.1)]))
    assert peaked.reason == "A is below 0.3 (0.2000); its validation mIoU peaked at 0.2000 in epoch 1 of 2"
    few = study_claims(_numbers(accuracy={"A": 0.05, "B": 0.04, "C": 0.5, "D": 0.3, "E": 0.2, "random-frozen": 0.1}))
    assert few[3].reason.startswith("A and B stay below twice chance (1/10 = 0.1000): too little training")
    assert tsne_claim(_numbers(silhouette=None)).verdict == UNKNOWN


def test_the_report_states_the_claims_from_the_files_of_the_run(tmp_path):
    import numpy as np

    from hw1.cli.study.report import write_report
    from hw1.segmentation.evaluate import SegEvaluation, write_evaluation
    from hw1.segmentation.metrics import ConfusionMatrix

    out = tmp_path / "run"
    (out / "ssl").mkdir(parents=True)
    val_csv = tmp_path / "val.csv"
    val_csv.write_text("id,filename,label\n" + "".join(f"{i},{i}.png,{i % 5}\n" for i in range(100)))
    (out / "ssl" / "config.json").write_text(json.dumps({"knn_val_csv": str(val_csv)}))
    (out / "ssl" / "metrics.jsonl").write_text(
        json.dumps({"epoch": 0, "split": "knn", "knn_top1": 0.2})
        + "\n"
        + json.dumps({"epoch": 1, "split": "train", "loss": 1.5, "feature_std": 0.3})
        + "\n"
        + json.dumps({"epoch": 1, "split": "knn", "knn_top1": 0.6})
        + "\n"
    )
    (out / "cls").mkdir()
    rows = [
        ("A", "0.3000", "ok"),
        ("B", "", "skipped: no pretrain_model_SL.pt"),
        ("C", "0.4500", "ok"),
        ("D", "", "skipped: no pretrain_model_SL.pt"),
        ("E", "0.2500", "ok"),
        ("random-frozen", "0.1000", "ok"),
    ]
    (out / "cls" / "table.csv").write_text(
        "setting,backbone,init,mode,best_val_acc,best_epoch,status\n"
        + "".join(f"{s},resnet18,x,y,{acc},1,{status}\n" for s, acc, status in rows)
    )
    for setting, epochs in (("A", 30), ("E", 100)):  # frozen heads with their own budget (profile cls_frozen)
        (out / "cls" / setting).mkdir()
        (out / "cls" / setting / "config.json").write_text(json.dumps({"epochs": epochs}))
    counts = np.diag([50, 30, 20, 10, 5, 5, 0]).astype(np.int64)
    counts[0, 1] = 40  # model A confuses class 0 with class 1
    for key, matrix in (("model_a", counts), ("model_b", np.diag([90, 30, 20, 10, 5, 5, 0]))):
        result = SegEvaluation(
            metrics=ConfusionMatrix.from_matrix(matrix).result(),
            names=["0001_mask.png"],
            gt_dir=tmp_path,
            pred_dir=tmp_path,
        )
        write_evaluation(result, out / "seg" / key / "eval.json")
    report = write_report(out, profile=PROFILES["micro"], data=StudyData(tmp_path / "hw1_data")).read_text()
    claims = report.split("## Claims")[1].split("\n## ")[0]
    assert "0.2000 at random init → 0.6000 after pre-training (+0.4000, two standard errors ±" in claims
    assert "| C 0.4500 vs A 0.3000 (+0.1500) | **holds** |" in claims  # no val CSV in the data: no noise bar
    assert "| E 0.2500 vs random-frozen 0.1000 (+0.1500) | **holds** |" in claims
    assert "**not measured** | B: skipped: no pretrain_model_SL.pt |" in claims
    assert "| B 1.0000, A " in claims
    assert "**5 of 8 hold**" in claims  # kNN, C>A, E>random, E<C, segmentation; B>A, D<B, t-SNE not measured
    assert "| random-frozen |" in report.split("## 2.")[1]
    assert "(A–C) train 30 epochs; the frozen ones (D, E, random-frozen) train their head 100 epochs" in report


def test_the_report_says_what_shape_the_generated_data_has_and_why(tmp_path):
    from hw1.cli.study.report import write_report

    out = tmp_path / "out"
    out.mkdir()
    tiny = PROFILES["tiny"]
    assert tiny.data_note
    report = write_report(out, profile=tiny, data=StudyData(tmp_path / "hw1_data")).read_text()
    header = report.split("## Claims")[0]
    assert f"Generated data of this profile (`hw1 demo`, `hw1 data synth`): {tiny.data_note}" in header
    for size in (tiny.synth_cls["num_classes"], tiny.synth_cls["n_train_per_class"], tiny.synth_cls["n_mini"]):
        assert str(size) in tiny.data_note  # the note states the sizes the generator is given
    assert (
        "Generated data" not in write_report(out, profile=PROFILES["full"], data=StudyData(tmp_path / "d")).read_text()
    )


def test_a_skipped_setting_is_noted_and_the_study_goes_on(tmp_path, monkeypatch):
    import hw1.classification
    from hw1.cli.study.steps import run_cls

    def fake_experiments(base, out_dir, settings="ABCDE", cache_frozen=True):
        (tmp_path / "out" / "cls").mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / "cls" / "table.csv").write_text("setting\n")
        return [{"setting": "A", "status": "ok"}, {"setting": "B", "status": "skipped: no backbone file"}]

    monkeypatch.setattr(hw1.classification, "run_experiments", fake_experiments)
    after = []
    ctx = StudyContext(data=StudyData(tmp_path / "hw1_data"), out=tmp_path / "out", profile=PROFILES["micro"])
    steps = [Step("cls", "settings", ["cls/table.csv"], run_cls), Step("seg_a", "next", [], after.append)]
    records = run_steps(steps, ctx, tmp_path / "out")
    assert [r.status for r in records] == ["ran", "ran"] and after == [ctx]
    assert records[0].detail == "setting B skipped: no backbone file"
    assert records[0].commands[0].startswith("hw1 cls experiments --train-csv ")
    logged = [json.loads(line) for line in (tmp_path / "out" / "pipeline.jsonl").read_text().splitlines()]
    assert logged[0]["detail"] == "setting B skipped: no backbone file"
