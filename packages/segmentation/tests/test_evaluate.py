import json
import math

import numpy as np
import pytest
from PIL import Image

from hw1.core import Hw1DataError
from hw1.segmentation.codec import encode_mask, write_mask
from hw1.segmentation.evaluate import evaluate_folders, format_official, pair_mask_files


def write_folder(folder, masks):
    folder.mkdir(parents=True, exist_ok=True)
    for name, labels in masks.items():
        write_mask(np.asarray(labels, dtype=np.uint8), folder / name)
    return folder


@pytest.fixture()
def small_pair(tmp_path):
    """Two images of different sizes; the hand-computed totals are those of test_metrics."""
    gt = write_folder(tmp_path / "gt", {"0000_mask.png": [[0, 0, 1]], "0001_mask.png": [[1], [6], [6]]})
    pred = write_folder(tmp_path / "pred", {"0000_mask.png": [[0, 1, 1]], "0001_mask.png": [[1], [0], [6]]})
    return gt, pred


def test_small_folders_hand_computed(small_pair):
    gt, pred = small_pair
    result = evaluate_folders(gt, pred, num_workers=2)
    assert result.names == ["0000_mask.png", "0001_mask.png"]
    assert result.per_class_iou[0] == pytest.approx(1 / 3)
    assert result.per_class_iou[1] == pytest.approx(2 / 3)
    assert math.isnan(result.mean_iou)
    text = format_official(result)
    assert text.splitlines()[2] == "class #2 : nan"
    assert text.endswith("\nmean_iou: nan\n\n")


def test_pillow_memory_setting_is_restored(small_pair):
    gt, pred = small_pair
    before = Image.core.get_blocks_max()
    evaluate_folders(gt, pred, num_workers=2)
    assert Image.core.get_blocks_max() == before


def test_other_files_in_the_ground_truth_folder_are_ignored(small_pair):
    gt, pred = small_pair
    Image.fromarray(np.zeros((1, 3, 3), np.uint8)).save(gt / "0000_sat.jpg")
    assert evaluate_folders(gt, pred).names == ["0000_mask.png", "0001_mask.png"]


def test_missing_and_extra_predictions_are_listed(small_pair):
    gt, pred = small_pair
    (pred / "0001_mask.png").unlink()
    with pytest.raises(Hw1DataError, match=r"1 of 2 ground-truth mask\(s\) have no prediction: 0001_mask\.png"):
        evaluate_folders(gt, pred)
    write_mask(np.zeros((3, 1), np.uint8), pred / "0001_mask.png")
    write_mask(np.zeros((3, 1), np.uint8), pred / "0099_mask.png")
    with pytest.raises(Hw1DataError, match=r"prediction\(s\) have no ground truth .*: 0099_mask\.png"):
        pair_mask_files(gt, pred)


def test_size_mismatch_and_bad_files_are_reported_together(small_pair):
    gt, pred = small_pair
    write_mask(np.zeros((2, 2), np.uint8), pred / "0000_mask.png")
    (pred / "0001_mask.png").write_bytes(b"garbage")
    with pytest.raises(Hw1DataError) as info:
        evaluate_folders(gt, pred)
    message = str(info.value)
    assert message.startswith("2 of 2 mask pair(s) cannot be scored")
    assert "0000_mask.png: prediction is 2x2 but ground truth is 3x1" in message
    assert "0001_mask.png" in message


def test_empty_or_missing_folders(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(Hw1DataError, match="no .png masks found"):
        evaluate_folders(tmp_path / "empty", tmp_path / "empty")
    with pytest.raises(Hw1DataError, match="prediction folder not found"):
        evaluate_folders(tmp_path / "empty", tmp_path / "nope")


def test_red_hole_in_a_prediction(small_pair):
    gt, pred = small_pair
    rgb = encode_mask(np.array([[0, 1, 1]]))
    rgb[0, 2] = (255, 0, 0)
    Image.fromarray(rgb).save(pred / "0000_mask.png")
    with pytest.raises(Hw1DataError, match=r"0000_mask\.png: 1 pixel\(s\) are red"):
        evaluate_folders(gt, pred)
    # Opt-in: the red pixel becomes Unknown, so class 1 loses a true positive: TP 1, P 2, G 2 -> 1/3.
    result = evaluate_folders(gt, pred, red="unknown")
    assert result.per_class_iou[1] == pytest.approx(1 / 3)


def test_official_oracle(official_miou_dir):
    expected = json.loads((official_miou_dir / "expected.json").read_text())
    result = evaluate_folders(official_miou_dir / "gt", official_miou_dir / "pred")
    assert result.per_class_iou == expected["per_class_iou"]
    assert result.mean_iou == expected["mean_iou"]
    assert format_official(result) == expected["printed"]
    assert len(result.names) == 12


# --- CLI -----------------------------------------------------------------------------------------


@pytest.fixture()
def cli():
    main = pytest.importorskip("hw1.cli.main", reason="hw1-cli not installed (package tested alone)")
    from click.testing import CliRunner

    runner = CliRunner()
    return lambda *args: runner.invoke(main.cli, [str(a) for a in args])


def test_cli_prints_exactly_the_official_lines(cli, official_miou_dir):
    expected = json.loads((official_miou_dir / "expected.json").read_text())
    result = cli("seg", "evaluate", official_miou_dir / "gt", official_miou_dir / "pred")
    assert result.exit_code == 0, result.output
    assert result.stdout == expected["printed"]


def test_cli_red_choices_are_the_codec_ones():
    from hw1.segmentation.codec import RED_CHOICES

    options = pytest.importorskip("hw1.cli.options", reason="hw1-cli not installed (package tested alone)")
    assert options.RED_CHOICES == RED_CHOICES


def test_cli_json(cli, small_pair):
    gt, pred = small_pair
    result = cli("seg", "evaluate", gt, pred, "--json", "--workers", 1)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["n_images"] == 2 and out["mean_iou"] is None
    assert out["per_class_iou"]["Urban"] == pytest.approx(1 / 3)
    assert out["pixel_accuracy"] == pytest.approx(4 / 6)


def test_cli_mismatch_exits_2_with_one_line(cli, small_pair):
    gt, pred = small_pair
    (pred / "0000_mask.png").unlink()
    result = cli("seg", "evaluate", gt, pred)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "0000_mask.png" in lines[0]


def test_cli_red_option(cli, small_pair):
    gt, pred = small_pair
    rgb = encode_mask(np.array([[0, 1, 1]]))
    rgb[0, 0] = (200, 0, 0)
    Image.fromarray(rgb).save(pred / "0000_mask.png")
    assert cli("seg", "evaluate", gt, pred).exit_code == 2
    assert cli("seg", "evaluate", gt, pred, "--red", "unknown").exit_code == 0


def test_eval_json_round_trip_and_foreign_files(small_pair, tmp_path):
    from hw1.segmentation.evaluate import read_evaluation, write_evaluation

    gt, pred = small_pair
    result = evaluate_folders(gt, pred, num_workers=1)
    path = write_evaluation(result, tmp_path / "out" / "eval.json")
    doc = json.loads(path.read_text())
    assert doc["mean_iou"] is None or isinstance(doc["mean_iou"], float)  # strict JSON, the canonical key
    assert doc["printed"] == format_official(result) and doc["names"] == ["0000_mask.png", "0001_mask.png"]
    back = read_evaluation(path)
    assert back.names == result.names and back.n_images == 2
    assert back.metrics.confusion == result.metrics.confusion
    np.testing.assert_array_equal(back.per_class_iou, result.per_class_iou)  # nan where nan, bit for bit
    assert format_official(back) == format_official(result)
    (tmp_path / "bad.json").write_text('{"mean_iou": 0.5}')
    with pytest.raises(Hw1DataError, match="bad.json.*hw1 seg evaluate"):
        read_evaluation(tmp_path / "bad.json")
    with pytest.raises(Hw1DataError, match="not found"):
        read_evaluation(tmp_path / "missing.json")
