import csv

from hw1.classification import run_experiments


def test_a_to_e_writes_a_complete_table(tiny_config, backbone_files, tmp_path):
    base = tiny_config(epochs=1, supervised_backbone=str(backbone_files["supervised"]),
                       ssl_backbone=str(backbone_files["ssl"]))
    rows = run_experiments(base, tmp_path / "cls")
    assert [r["setting"] for r in rows] == ["A", "B", "C", "D", "E"]
    with open(tmp_path / "cls" / "table.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [r["setting"] for r in table] == ["A", "B", "C", "D", "E"]
    assert [r["mode"] for r in table] == ["full fine-tuning"] * 3 + ["frozen, classifier only"] * 2
    for r in table:
        assert 0.0 <= float(r["best_val_acc"]) <= 1.0 and r["best_epoch"] == "1"
    md = (tmp_path / "cls" / "table.md").read_text()
    assert md.count("\n") == 7 and "| E |" in md
    for s in "ABCDE":
        assert (tmp_path / "cls" / s / "features_last.npz").is_file()
    # a finished table is not trained again: the second call only re-reads the runs
    again = run_experiments(base, tmp_path / "cls")
    assert [r["best_val_acc"] for r in again] == [r["best_val_acc"] for r in rows]


def test_a_missing_backbone_file_is_reported_in_the_table(tiny_config, tmp_path):
    rows = run_experiments(tiny_config(epochs=1, ssl_backbone=str(tmp_path / "nope.pt")), tmp_path / "cls", "CE")
    assert [r["best_val_acc"] for r in rows] == ["skipped", "skipped"]
    assert "no ssl backbone file" in rows[0]["best_epoch"]
