"""The whole study end to end, as a newcomer's `make demo` runs it, at the smallest size."""

import csv
import json
import re
import shlex
import shutil

import click
import pytest
from click.testing import CliRunner

from hw1.cli.main import cli

SECTIONS = (
    "Claims",
    "1. Self-supervised pre-training",
    "2. Classification on Office-Home",
    "3. t-SNE",
    "4. Satellite segmentation",
    "5. Model B at early, middle and final",
    "6. Segment Anything",
    "7. How this report was made",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["demo", "--out-dir", str(out), "--profile", "micro", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.mark.slow
def test_report_has_every_section_and_figure(demo):
    out, _ = demo
    report = (out / "report.md").read_text()
    for title in SECTIONS:
        assert f"## {title}" in report, title
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report)
    for name in (
        "figures/curves_ssl.png",
        "figures/tsne_C.png",
        "figures/stages_model_b.png",
        "figures/curves_model_a.png",
        "figures/curves_model_b.png",
    ):
        assert name in figures, name
    for fig in figures:
        assert (out / fig).stat().st_size > 1000, fig
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == len(figures)  # one self-contained file
    assert "Not run: no SAM checkpoint" in report
    claims = report.split("## Claims")[1].split("\n## ")[0]
    assert claims.count("| **") == 8  # one verdict per claim of the study


@pytest.mark.slow
def test_every_number_in_the_report_comes_from_a_file_the_run_wrote(demo):
    out, _ = demo
    report = (out / "report.md").read_text()
    with open(out / "cls" / "table.csv", newline="") as fh:
        table = {row["setting"]: row for row in csv.DictReader(fh)}
    assert list(table) == ["A", "B", "C", "D", "E", "random-frozen"]
    for row in table.values():
        assert f"| {row['setting']} |" in report
        assert f"{float(row['best_val_acc']):.4f}" in report
    claims = report.split("## Claims")[1].split("\n## ")[0]
    assert f"C {float(table['C']['best_val_acc']):.4f} vs A {float(table['A']['best_val_acc']):.4f}" in claims
    assert f"E {float(table['E']['best_val_acc']):.4f} vs random-frozen" in claims
    for key in ("model_a", "model_b"):
        ev = json.loads((out / "seg" / key / "eval.json").read_text())
        assert f"{ev['mean_iou']:.4f}" in report
        assert ev["printed"].startswith("class #0 : ")
    knn = [json.loads(line) for line in (out / "ssl" / "metrics.jsonl").read_text().splitlines()]
    knn = [r for r in knn if r["split"] == "knn"]
    assert f"{knn[0]['knn_top1']:.4f} (epoch 0)" in report and f"{knn[-1]['knn_top1']:.4f}" in report
    scores = json.loads((out / "figures" / "tsne_C.json").read_text())
    assert f"{scores['silhouette_first']:.4f}" in report
    # every command the report lists is one the pipeline recorded as run
    ran = [json.loads(line) for line in (out / "pipeline.jsonl").read_text().splitlines()]
    recorded = {c for r in ran for c in r["commands"]}
    listed = [line for line in report.split("## 7.")[1].splitlines() if line.startswith("hw1 ")]
    assert listed and set(listed) <= recorded


@pytest.mark.slow
def test_recorded_commands_use_the_shown_commands_and_options(demo):
    """The report's command lines are what a user should type: no hidden command or option (the 0.1
    spellings such as 'cls export-backbone' or --out stay aliases, never recorded)."""
    out, _ = demo
    ran = [json.loads(line) for line in (out / "pipeline.jsonl").read_text().splitlines()]
    lines = {c for r in ran for c in r["commands"]}
    assert sum(line.startswith("hw1 ssl export ") for line in lines) == 2  # the SSL run and the supervised stand-in
    for line in lines:
        words = shlex.split(line)[1:]
        command = cli
        while isinstance(command, click.Group):
            command = command.get_command(click.Context(command), words.pop(0))
            assert command is not None and not command.hidden, line
        shown = {
            opt
            for p in command.params
            if isinstance(p, click.Option) and not p.hidden
            for opt in (*p.opts, *p.secondary_opts)
        }
        assert {w.split("=")[0] for w in words if w.startswith("--")} <= shown, line


@pytest.mark.slow
def test_rerunning_resumes_and_skips_finished_steps(demo):
    out, _ = demo
    result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--profile", "micro", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert result.output.count("done already, skipped") >= 8


@pytest.mark.slow
def test_skipped_settings_are_reported_and_the_study_goes_on_to_segmentation(demo, tmp_path):
    """No supervised backbone and no labels to train a stand-in, no SSL backbone: settings B-E are
    skipped, and the pipeline still trains segmentation and writes a report saying so."""
    source, _ = demo
    data = tmp_path / "hw1_data"
    shutil.copytree(source / "hw1_data", data, ignore=shutil.ignore_patterns("labels.csv"))
    out = tmp_path / "study"
    result = CliRunner().invoke(
        cli,
        [
            "pipeline",
            "--data",
            str(data),
            "--out-dir",
            str(out),
            "--profile",
            "micro",
            "--device",
            "cpu",
            "--only",
            "supervised,cls,seg_a,report",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "settings B and D will be skipped" in result.output and "note: setting B skipped" in result.output
    with open(out / "cls" / "table.csv", newline="") as fh:
        status = {row["setting"]: row["status"] for row in csv.DictReader(fh)}
    assert status["A"] == status["random-frozen"] == "ok"
    assert all(status[s].startswith("skipped:") for s in "BCDE")
    assert (out / "seg" / "model_a" / "best.pt").is_file()
    report = (out / "report.md").read_text()
    assert "**not measured**" in report and "B: skipped:" in report
