import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from hw1.cli.main import DISTRIBUTIONS, cli


@pytest.fixture
def runner():
    return CliRunner()


def test_version_lists_every_package(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    for dist in DISTRIBUTIONS:
        assert f"{dist} 0." in result.output


@pytest.mark.parametrize("path", [[], ["data"], ["ssl"], ["cls"], ["seg"], ["viz"]])
def test_help_at_every_level(runner, path):
    result = runner.invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def _all_commands(group, prefix=()):
    import click

    for name, cmd in group.commands.items():
        yield (*prefix, name)
        if isinstance(cmd, click.Group):
            yield from _all_commands(cmd, (*prefix, name))


def test_every_command_has_help(runner):
    commands = list(_all_commands(cli))
    assert ("data", "check-images") in commands
    for path in commands:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        assert result.output.strip(), path


def test_check_images_reports_bad_files_and_continues(runner, tmp_path):
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "good.png")
    (tmp_path / "bad.jpg").write_text("not an image")
    result = runner.invoke(cli, ["data", "check-images", str(tmp_path)])
    assert result.exit_code == 1
    assert "1 of 2 images OK" in result.output
    assert "bad.jpg: not a readable image" in result.output


def test_bad_input_is_one_line_exit_2_without_traceback(runner, tmp_path):
    result = runner.invoke(cli, ["data", "check-images", str(tmp_path / "missing")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == [f"error: {tmp_path / 'missing'}: folder not found; check the path"]
    assert "Traceback" not in result.output
