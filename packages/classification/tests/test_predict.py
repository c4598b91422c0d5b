import csv

from click.testing import CliRunner

from hw1.classification import predict_csv, train_classifier
from hw1.cli.main import cli
from hw1.core import load_checkpoint


def _read(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_predictions_round_trip_through_an_accuracy_check(tiny_config, tiny_data, tmp_path):
    run = train_classifier(tiny_config(setting="A", epochs=2))
    # a hidden-test-style CSV: no labels, file names in the input order, ids kept
    rows = _read(tiny_data.office_val_csv)
    test_csv = tmp_path / "test.csv"
    with open(test_csv, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "filename", "label"])
        for r in rows:
            w.writerow([int(r["id"]) + 100, r["filename"], ""])
    report = predict_csv(f"{run['run_dir']}/best.pt", test_csv, tiny_data.office_val_dir, tmp_path / "pred.csv",
                         device="cpu", workers=0)
    assert report.written == len(rows) and not report.failed
    out = _read(tmp_path / "pred.csv")
    assert [(o["id"], o["filename"]) for o in out] == [(str(int(r["id"]) + 100), r["filename"]) for r in rows]
    truth = {r["filename"]: r["label"] for r in rows}
    accuracy = sum(o["label"] == truth[o["filename"]] for o in out) / len(out)
    # best.pt's recorded validation accuracy was measured on the same images by the training loop
    assert accuracy == load_checkpoint(f"{run['run_dir']}/best.pt")["val_acc"]


def test_cli_predict_reports_a_bad_image_and_writes_the_rest(tiny_config, tiny_data, tmp_path):
    run = train_classifier(tiny_config(setting="A", epochs=1))
    images = tmp_path / "imgs"
    images.mkdir()
    rows = _read(tiny_data.office_val_csv)[:3]
    for r in rows:
        (images / r["filename"]).write_bytes((tiny_data.office_val_dir / r["filename"]).read_bytes())
    (images / rows[1]["filename"]).write_bytes(b"broken")
    csv_path = tmp_path / "t.csv"
    csv_path.write_text("id,filename,label\n" + "".join(f"{r['id']},{r['filename']},\n" for r in rows))
    result = CliRunner().invoke(cli, ["cls", "predict", f"{run['run_dir']}/best.pt", str(csv_path), str(images),
                                      str(tmp_path / "out.csv"), "--workers", "0", "--device", "cpu"])
    assert result.exit_code == 1
    assert rows[1]["filename"] in result.output
    assert [o["filename"] for o in _read(tmp_path / "out.csv")] == [rows[0]["filename"], rows[2]["filename"]]


def test_cli_bad_input_is_one_line_exit_2(tmp_path):
    csv_path = tmp_path / "t.csv"
    csv_path.write_text("id,name\n0,a.jpg\n")
    result = CliRunner().invoke(cli, ["cls", "train", "--train-csv", str(csv_path), "--setting", "A"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: {csv_path}: missing column(s) filename, label (header: id,name); expected 'id,filename,label'"]
    result = CliRunner().invoke(cli, ["cls", "train", "--setting", "C", "--train-csv", str(csv_path)])
    assert result.exit_code == 2 and "error:" in result.output
