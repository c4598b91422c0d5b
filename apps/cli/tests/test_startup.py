"""The CLI starts instantly and degrades by package (issue 17 items 2 and 3).

Each case runs ``hw1 …`` in a fresh interpreter and reports which heavy modules got imported, so
one test's imports cannot hide another's.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

HEAVY = (
    "torch",
    "torchvision",
    "timm",
    "lightly",
    "segmentation_models_pytorch",
    "kornia",
    "albumentations",
    "segment_anything",
    "matplotlib",
    "openTSNE",
    "sklearn",
)

_RUN = """
import json, sys
for name in {hide!r}:
    sys.modules[name] = None  # as if that distribution were not installed
from hw1.cli.main import cli
code = 0
try:
    cli.main(args={args!r}, prog_name="hw1")
except SystemExit as exc:
    code = exc.code or 0
print("\\n@@" + json.dumps({{"code": code, "heavy": [m for m in {heavy!r} if m in sys.modules]}}))
"""


#: ``hw1 … --help`` of every command of the tree (walked with Click's own listing, so a new command is
#: covered the day it is added), in one interpreter: after each, the heavy modules that it was the first
#: to import. Accumulating is safe: a module imported by one command fails the test at that command.
_WALK = """
import json, sys
import click
from hw1.cli.main import cli

def walk(group, path):  # lazily: loading a command's module counts for that command
    yield path
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield from walk(command, [*path, name]) if isinstance(command, click.Group) else [[*path, name]]

report, seen = {{}}, set()
for path in walk(cli, []):
    try:
        cli.main(args=[*path, "--help"], prog_name="hw1")
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    heavy = [m for m in {heavy!r} if m in sys.modules and m not in seen]
    seen.update(heavy)
    report[" ".join(path)] = {{"code": code, "heavy": heavy}}
print("\\n@@" + json.dumps(report))
"""


def run_hw1(*args: str, hide: tuple[str, ...] = ()) -> tuple[int, list[str], str]:
    """(exit code, heavy modules imported, output) of ``hw1 ARGS`` in a new interpreter."""
    proc = subprocess.run(
        [sys.executable, "-c", _RUN.format(args=list(args), hide=hide, heavy=HEAVY)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output, _, tail = (proc.stdout + proc.stderr).rpartition("\n@@")
    assert tail, proc.stdout + proc.stderr
    report = json.loads(tail.splitlines()[0])
    return report["code"], report["heavy"], output + proc.stderr


def _groups() -> list[str]:
    import click

    from hw1.cli.main import cli

    ctx = click.Context(cli)
    return [n for n in cli.list_commands(ctx) if isinstance(cli.get_command(ctx, n), click.Group)]


def test_groups_are_found():
    assert {"data", "ssl", "cls", "seg", "viz"} <= set(_groups())


def test_version_imports_no_torch():
    code, heavy, output = run_hw1("--version")
    assert code == 0 and "hw1-cli" in output, output
    assert heavy == [], f"hw1 --version imported {heavy}"


def test_help_of_every_command_imports_nothing_heavy():
    proc = subprocess.run(
        [sys.executable, "-c", _WALK.format(heavy=HEAVY)], capture_output=True, text=True, timeout=120
    )
    _, _, tail = proc.stdout.rpartition("\n@@")
    assert tail, proc.stdout[-2000:] + proc.stderr
    report = json.loads(tail)
    # the commands whose options come from a library's config dataclass (torch-heavy libraries) are walked
    commands = {"", "ssl pretrain", "cls train", "cls experiments", "seg train", "seg sam", "pipeline", "demo"}
    assert commands | {g for g in _groups()} <= set(report), sorted(report)
    assert {path: r["code"] for path, r in report.items() if r["code"] != 0} == {}, proc.stderr
    imported = {f"hw1 {path} --help".replace("  ", " "): r["heavy"] for path, r in report.items() if r["heavy"]}
    assert imported == {}, f"--help imported heavy modules: {imported}"


def test_seg_evaluate_imports_no_torch(tmp_path):
    from hw1.segmentation import PALETTE

    for folder in ("gt", "pred"):
        (tmp_path / folder).mkdir()
        labels = np.zeros((16, 16), np.uint8)
        labels[:, 8:] = 2
        Image.fromarray(PALETTE[labels]).save(tmp_path / folder / "0000_mask.png")
    code, heavy, output = run_hw1("seg", "evaluate", str(tmp_path / "gt"), str(tmp_path / "pred"))
    assert code == 0, output
    assert "mean_iou" in output.lower() or "miou" in output.lower(), output
    assert heavy == [], f"hw1 seg evaluate imported {heavy}"


def test_a_missing_package_is_listed_with_its_install_line():
    code, heavy, output = run_hw1("--help", hide=("hw1.segmentation",))
    assert code == 0, output
    seg_line = next(line for line in output.splitlines() if line.strip().startswith("seg "))
    assert "pip install hw1-segmentation" in seg_line
    viz_line = next(line for line in output.splitlines() if line.strip().startswith("viz "))
    assert "pip install hw1-segmentation" in viz_line  # viz reads masks through hw1-segmentation
    assert "pip install" not in next(line for line in output.splitlines() if line.strip().startswith("ssl "))


@pytest.mark.parametrize("args", [["seg", "evaluate", "gt", "pred"], ["seg", "--help"], ["seg"]])
def test_using_a_missing_package_prints_the_install_line_and_exits_2(args):
    code, _heavy, output = run_hw1(*args, hide=("hw1.segmentation",))
    assert code == 2, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines == ["error: 'hw1 seg' needs a package that is not installed: pip install hw1-segmentation"]


def test_other_groups_work_without_a_missing_package():
    code, heavy, output = run_hw1("ssl", "--help", hide=("hw1.segmentation",))
    assert code == 0 and "pretrain" in output, output
    assert heavy == []
