import math

import pytest
import torch

from hw1.core import Hw1DataError, MetricsLogger, read_metrics


def test_jsonl_lines_with_tensors_and_nan(tmp_path):
    log = MetricsLogger(tmp_path / "run" / "metrics.jsonl")
    log.log(epoch=1, step=10, split="train", loss=torch.tensor(0.5), iou=[0.1, math.nan])
    log.log(epoch=1, step=10, split="val", miou=0.25)
    records = read_metrics(tmp_path / "run" / "metrics.jsonl")
    assert [r["split"] for r in records] == ["train", "val"]
    assert records[0]["loss"] == 0.5
    assert records[0]["iou"] == [0.1, None]
    assert "time" in records[1]


def test_disabled_logger_writes_nothing(tmp_path):
    MetricsLogger(tmp_path / "m.jsonl", enabled=False).log(epoch=0, loss=1.0)
    assert not (tmp_path / "m.jsonl").exists()


def test_torn_last_line_is_ignored_and_resume_truncates(tmp_path):
    path = tmp_path / "metrics.jsonl"
    log = MetricsLogger(path)
    for epoch in range(4):
        log.log(epoch=epoch, loss=float(epoch))
    with path.open("a") as fh:
        fh.write('{"epoch": 4, "lo')  # process killed mid-write
    assert [r["epoch"] for r in read_metrics(path)] == [0, 1, 2, 3]
    log.truncate_after(1)
    assert [r["epoch"] for r in read_metrics(path)] == [0, 1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"epoch": 0}\ngarbage\n{"epoch": 1}\n', r"m\.jsonl:2: not a JSON object \(Expecting value\)"),
        ('{"epoch": 0}\n{"epoch": 1, "lo\n', r"m\.jsonl:2: not a JSON object"),  # complete line: not torn
        ('{"epoch": 0}\n[1, 2]\n', r"m\.jsonl:2: not a JSON object; the file is not a metrics\.jsonl"),
    ],
)
def test_a_bad_line_that_is_not_a_torn_last_line_names_the_file_and_line(tmp_path, text, message):
    path = tmp_path / "m.jsonl"
    path.write_text(text)
    with pytest.raises(Hw1DataError, match=message):
        read_metrics(path)


def test_missing_log_is_a_data_error_and_blank_lines_are_skipped(tmp_path):
    with pytest.raises(Hw1DataError, match=r"none\.jsonl: metrics file not found"):
        read_metrics(tmp_path / "none.jsonl")
    (tmp_path / "m.jsonl").write_text('\n{"epoch": 0}\n\n{"epoch": 1}\n')
    assert [r["epoch"] for r in read_metrics(tmp_path / "m.jsonl")] == [0, 1]
