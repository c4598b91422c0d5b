"""Hostile image files: every reader turns them into one line naming the file."""

import pytest

from hw1.core import Hw1DataError, open_image


def test_every_bad_image_is_a_one_line_error_naming_the_file(tmp_path, corpus):
    for kind, path in corpus.write_bad_images(tmp_path).items():
        with pytest.raises(Hw1DataError) as info:
            open_image(path)
        message = str(info.value)
        assert path.name in message, kind
        assert "\n" not in message, kind


def test_odd_modes_load_as_rgb(tmp_path, corpus):
    for kind, path in corpus.write_odd_but_valid_images(tmp_path).items():
        img = open_image(path)
        assert img.mode == "RGB" and img.size == (32, 32), kind


def test_check_images_lists_each_bad_file_and_exits_1(tmp_path, corpus, hw1):
    bad = corpus.write_bad_images(tmp_path)
    corpus.write_odd_but_valid_images(tmp_path)
    result = hw1("data", "check-images", tmp_path)
    assert result.exit_code == 1
    assert f"5 of {5 + len(bad)} images OK" in result.output
    for path in bad.values():
        assert path.name in result.output


def test_empty_folder_is_exit_2(tmp_path, corpus, hw1):
    line = corpus.one_line_error(hw1("data", "check-images", tmp_path))
    assert "no image files found" in line
