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
    """Every command path of the tree, lazy commands included (hidden aliases left out)."""
    import click

    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if cmd.hidden:
            continue
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


def test_every_command_ends_its_help_with_an_example(runner):
    """Each --help ends with a real usage example (Click epilog) naming the command itself."""
    for path in _all_commands(cli):
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        tail = result.output.rsplit("Example:", 1)
        assert len(tail) == 2, f"{' '.join(path)}: no example"
        assert f"hw1 {' '.join(path)}" in tail[1] or "hw1 " in tail[1] and len(path) == 1, path


def test_same_meaning_same_spelling_across_commands(runner):
    """The canonical spellings are shown (--out-dir, --num-workers, --sync-batchnorm), the 0.1 ones
    (--out for a folder, --workers, --sync-bn) are hidden aliases."""
    import click

    shown: dict[tuple[str, ...], set[str]] = {}
    for path in _all_commands(cli):
        command = cli
        for name in path:
            command = command.get_command(click.Context(command), name)
        shown[path] = {
            opt
            for p in command.params
            if isinstance(p, click.Option) and not p.hidden
            for opt in (*p.opts, *p.secondary_opts)
        }
    for path, opts in shown.items():
        assert not opts & {"--workers", "--sync-bn", "--no-sync-bn", "--model-kwargs"}, path
        assert "--out" not in opts or path == ("seg", "evaluate"), path  # evaluate's --out is a file
    for path in (("ssl", "pretrain"), ("seg", "train"), ("cls", "train"), ("seg", "predict")):
        assert "--num-workers" in shown[path], path
    for path in (("ssl", "pretrain"), ("seg", "train"), ("cls", "train"), ("seg", "sam")):
        assert "--out-dir" in shown[path], path
    assert "--sync-batchnorm" in shown[("seg", "train")] and "--sync-batchnorm" in shown[("ssl", "pretrain")]
    legacy = runner.invoke(cli, ["seg", "predict", "--workers", "1", "--help"])
    assert legacy.exit_code == 0  # the old spelling still parses


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


def test_data_synth_takes_its_sizes_from_the_study_profiles(runner, tmp_path):
    from hw1.cli.data import PROFILE_NAMES
    from hw1.cli.study.profiles import PROFILES

    assert set(PROFILE_NAMES) == set(PROFILES)  # names listed statically so 'hw1 data --help' stays light
    result = runner.invoke(cli, ["data", "synth", str(tmp_path / "d"), "--profile", "micro"])
    assert result.exit_code == 0, result.output
    micro = PROFILES["micro"]
    assert len(list((tmp_path / "d" / "p2_data" / "train").glob("*_sat.jpg"))) == micro.synth_seg["n_train"]
    assert (tmp_path / "d" / "p1_data" / "office" / "train.csv").is_file()


def test_profile_defaults_and_their_reason_are_in_the_help(runner):
    """pipeline runs real data (full); demo and data synth generate theirs (tiny); each help says so."""
    pipeline_help = runner.invoke(cli, ["pipeline", "--help"]).output
    assert "[default: full]" in pipeline_help and "runs the real" in pipeline_help
    for args in (["demo", "--help"], ["data", "synth", "--help"]):
        text = runner.invoke(cli, args).output
        assert "[default: tiny]" in text and "'hw1 pipeline' defaults to full" in " ".join(text.split())
