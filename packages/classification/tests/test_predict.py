import csv

from hw1.classification import predict_csv
from hw1.core import load_checkpoint


def _read(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_predictions_round_trip_through_an_accuracy_check(trained_run, synth, tmp_path):
    run = trained_run
    rows = _read(synth.office_val_csv)
    test_csv = tmp_path / "test.csv"  # hidden-test style: no labels, ids kept
    with open(test_csv, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "filename", "label"])
        for r in rows:
            w.writerow([int(r["id"]) + 100, r["filename"], ""])
    report = predict_csv(
        f"{run['run_dir']}/best.pt",
        test_csv,
        synth.office_val_dir,
        tmp_path / "pred.csv",
        device="cpu",
        precision="fp32",
        batch_size=3,
    )
    assert report.written == len(rows) and not report.failed
    out = _read(tmp_path / "pred.csv")
    assert [(o["id"], o["filename"]) for o in out] == [(str(int(r["id"]) + 100), r["filename"]) for r in rows]
    truth = {r["filename"]: r["label"] for r in rows}
    accuracy = sum(o["label"] == truth[o["filename"]] for o in out) / len(out)
    # best.pt's val accuracy was measured by the training loop on the same images
    assert abs(accuracy - load_checkpoint(f"{run['run_dir']}/best.pt")["val_acc"]) < 1e-9


def test_a_bad_image_is_reported_and_the_rest_written(trained_run, synth, tmp_path):
    run = trained_run
    images = tmp_path / "imgs"
    images.mkdir()
    rows = _read(synth.office_val_csv)[:3]
    for r in rows:
        (images / r["filename"]).write_bytes((synth.office_val_dir / r["filename"]).read_bytes())
    (images / rows[1]["filename"]).write_bytes(b"broken")
    csv_path = tmp_path / "t.csv"
    csv_path.write_text("id,filename,label\n" + "".join(f"{r['id']},{r['filename']},None\n" for r in rows))
    report = predict_csv(f"{run['run_dir']}/best.pt", csv_path, images, tmp_path / "out.csv", device="cpu")
    assert len(report.failed) == 1 and rows[1]["filename"] in report.failed[0]
    assert [o["filename"] for o in _read(tmp_path / "out.csv")] == [rows[0]["filename"], rows[2]["filename"]]
