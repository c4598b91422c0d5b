import pytest

from hw1.classification.dataset import check_files, default_image_dir, read_csv_rows
from hw1.core import Hw1DataError


def _csv(tmp_path, text, name="train.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_reads_rows_and_the_study_layout(tmp_path):
    rows = read_csv_rows(_csv(tmp_path, "id,filename,label\n0,13_15.jpg,13\n1,2_0.jpg,2\n"), labels=True, num_classes=65)
    assert [(r.id, r.filename, r.label) for r in rows] == [("0", "13_15.jpg", 13), ("1", "2_0.jpg", 2)]
    assert default_image_dir(tmp_path / "office" / "train.csv") == tmp_path / "office" / "train"


def test_prediction_ignores_empty_or_missing_labels(tmp_path):
    rows = read_csv_rows(_csv(tmp_path, "id,filename,label\n0,0000.jpg,\n1,0001.jpg,None\n"), labels=False)
    assert [r.label for r in rows] == [None, None]
    rows = read_csv_rows(_csv(tmp_path, "id,filename\n0,0000.jpg\n"), labels=False)
    assert rows[0].filename == "0000.jpg"


@pytest.mark.parametrize("text, message", [
    ("id,name,label\n0,a.jpg,1\n", "missing column"),
    ("id,filename,label\n0,a.jpg,cat\n", "labels must be integers"),
    ("id,filename,label\n0,a.jpg,65\n", r"labels must be integers in \[0, 65\)"),
    ("id,filename,label\n0,a.jpg,-1\n", "labels must be integers"),
    ("id,filename,label\n0,a.jpg,1\n1,a.jpg,2\n", "duplicate file names"),
    ("id,filename,label\n0,../secret.jpg,1\n", "bare names"),
    ("id,filename,label\n0,/etc/passwd,1\n", "bare names"),
    ("id,filename,label\n0,sub\\\\x.jpg,1\n", "bare names"),
    ("id,filename,label\n", "no rows"),
])
def test_bad_csvs_are_one_line_errors_naming_the_file(tmp_path, text, message):
    path = _csv(tmp_path, text)
    with pytest.raises(Hw1DataError, match=message) as info:
        read_csv_rows(path, labels=True, num_classes=65)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_images_are_listed(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "a.jpg").write_bytes(b"x")
    path = _csv(tmp_path, "id,filename,label\n0,a.jpg,1\n1,b.jpg,1\n2,c.jpg,0\n")
    with pytest.raises(Hw1DataError, match=r"2 file\(s\) not found .*b\.jpg, c\.jpg"):
        check_files(read_csv_rows(path, labels=True), tmp_path / "train", path)
