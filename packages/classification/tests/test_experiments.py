import csv

from hw1.classification import run_experiments


def test_a_to_e_writes_a_complete_table(tiny_config, tmp_path):
    rows = run_experiments(tiny_config(epochs=1), tmp_path / "cls")
    assert [r["setting"] for r in rows] == ["A", "B", "C", "D", "E"]
    with open(tmp_path / "cls" / "table.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [r["setting"] for r in table] == ["A", "B", "C", "D", "E"]
    assert [r["mode"] for r in table] == ["full fine-tuning"] * 3 + ["frozen backbone, head only"] * 2
    for r in table:
        assert 0.0 <= float(r["best_val_acc"]) <= 1.0 and r["best_epoch"] == "1" and r["status"] == "ok"
    md = (tmp_path / "cls" / "table.md").read_text()
    assert md.count("\n") == 7 and "| E |" in md
    for s in "ABCDE":
        assert (tmp_path / "cls" / s / "best.pt").is_file()


def test_a_missing_backbone_file_is_reported_in_the_table(tiny_config, tmp_path):
    rows = run_experiments(tiny_config(epochs=1, ssl_backbone=str(tmp_path / "nope.pt")), tmp_path / "cls", "CE")
    assert [r["best_val_acc"] for r in rows] == ["", ""]
    assert all(r["status"].startswith("skipped:") and "nope.pt" in r["status"] for r in rows)
    assert "skipped" in (tmp_path / "cls" / "table.md").read_text()
