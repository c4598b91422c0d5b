import pytest
import torch

from hw1.classification import OfficeHomeCsv, build_transform, read_csv_rows
from hw1.core import Hw1DataError


def _csv(tmp_path, body):
    p = tmp_path / "x.csv"
    p.write_text("id,filename,label\n" + body)
    return p


def test_reads_items(synth):
    ds = OfficeHomeCsv(synth.office_train_csv, synth.office_train_dir, build_transform(32), num_classes=5)
    x, y, i = ds[0]
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32 and 0 <= y < 5 and i == 0
    assert len(ds) == 15


@pytest.mark.parametrize(
    "body,match",
    [
        ("0,0_0.jpg,cat\n", r"row 2 \(0_0.jpg\): label 'cat' is not an integer"),
        ("0,0_0.jpg,7\n", r"row 2 \(0_0.jpg\): label 7 out of range 0..4"),
        ("0,../0_0.jpg,1\n", r"row 2: file name '../0_0.jpg'"),
        ("0,/etc/passwd,1\n", "absolute"),
    ],
)
def test_bad_rows_name_row_and_file(tmp_path, synth, body, match):
    with pytest.raises(Hw1DataError, match=match):
        OfficeHomeCsv(_csv(tmp_path, body), synth.office_train_dir, num_classes=5)


def test_missing_image_named(tmp_path, synth):
    with pytest.raises(Hw1DataError, match=r"row 3: image .*nope\.jpg not found"):
        OfficeHomeCsv(_csv(tmp_path, "0,0_0.jpg,0\n1,nope.jpg,1\n"), synth.office_train_dir, num_classes=5)


def test_prediction_never_reads_labels(tmp_path):
    rows = read_csv_rows(_csv(tmp_path, "0,0000.jpg,\n1,0001.jpg,None\n"), labels=False)
    assert [(r.id, r.filename, r.label) for r in rows] == [("0", "0000.jpg", -1), ("1", "0001.jpg", -1)]
    p = tmp_path / "nolabel.csv"
    p.write_text("id,filename\n5,a.jpg\n")
    assert read_csv_rows(p, labels=False)[0].id == "5"
    with pytest.raises(Hw1DataError, match="missing column"):
        read_csv_rows(p, labels=True)
