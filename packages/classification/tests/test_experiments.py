import csv

from hw1.classification import run_experiments
from hw1.core import load_checkpoint

ROWS = ["A", "B", "C", "D", "E", "random-frozen"]


def test_a_to_e_writes_a_complete_table_with_the_random_frozen_baseline(tiny_config, tmp_path):
    rows = run_experiments(tiny_config(epochs=1), tmp_path / "cls")
    assert [r["setting"] for r in rows] == ROWS
    with open(tmp_path / "cls" / "table.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [r["setting"] for r in table] == ROWS
    assert [r["mode"] for r in table] == ["full fine-tuning"] * 3 + ["frozen backbone, head only"] * 3
    assert [r["init"] for r in table] == ["random", "supervised", "ssl", "supervised", "ssl", "random"]
    for r in table:
        assert 0.0 <= float(r["best_val_acc"]) <= 1.0 and r["best_epoch"] == "1" and r["status"] == "ok"
    md = (tmp_path / "cls" / "table.md").read_text()
    assert md.count("\n") == 8 and "| E |" in md and "| random-frozen |" in md
    for s in ROWS:
        assert (tmp_path / "cls" / s / "best.pt").is_file()
    # the baseline is setting E's head on a frozen random-init backbone: the same as --init random --freeze-backbone
    config = load_checkpoint(tmp_path / "cls" / "random-frozen" / "best.pt")["config"]
    assert (config["init"], config["freeze_backbone"], config["setting"]) == ("random", True, None)
    e_config = load_checkpoint(tmp_path / "cls" / "E" / "best.pt")["config"]
    for key in ("head", "head_hidden", "head_dropout", "epochs", "lr", "batch_size", "cache_features"):
        assert config[key] == e_config[key], key


def test_the_baseline_runs_only_with_a_frozen_setting_unless_asked(tiny_config, tmp_path):
    rows = run_experiments(tiny_config(epochs=1), tmp_path / "a", "A")
    assert [r["setting"] for r in rows] == ["A"]
    rows = run_experiments(tiny_config(epochs=1), tmp_path / "b", "A", random_frozen=True)
    assert [r["setting"] for r in rows] == ["A", "random-frozen"]


def test_a_missing_backbone_file_is_reported_in_the_table(tiny_config, tmp_path):
    rows = run_experiments(tiny_config(epochs=1, ssl_backbone=str(tmp_path / "nope.pt")), tmp_path / "cls", "CE")
    assert [r["setting"] for r in rows] == ["C", "E", "random-frozen"]
    assert [r["best_val_acc"] for r in rows][:2] == ["", ""]
    assert all(r["status"].startswith("skipped:") and "nope.pt" in r["status"] for r in rows[:2])
    assert rows[2]["status"] == "ok"  # the baseline needs no backbone file
    assert "skipped" in (tmp_path / "cls" / "table.md").read_text()
