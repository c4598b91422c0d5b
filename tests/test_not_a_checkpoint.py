"""A file that is not a checkpoint (``echo hello > x.pt``), given to any command that takes one, is
one line naming the file and what it is, exit 2 — never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # five CLI processes, ~50 s on 2 cores

ENV = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1", "HW1_PROGRESS": "0"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hw1.segmentation.synthetic import make_synthetic_segmentation

    root = tmp_path_factory.mktemp("not_a_checkpoint")
    (root / "x.pt").write_text("hello\n", encoding="utf-8")
    (root / "page.pt").write_text("<!DOCTYPE html><html><body>Sign in</body></html>\n", encoding="utf-8")
    images = root / "images"
    images.mkdir()
    (root / "test.csv").write_text("id,filename\n0,a.jpg\n", encoding="utf-8")
    make_synthetic_segmentation(root / "p2", n_train=2, n_val=1, size=32, seed=0)
    return root


COMMANDS = {
    "seg predict": ["seg", "predict", "{ckpt}", "p2/validation", "masks"],
    "cls predict": ["cls", "predict", "{ckpt}", "test.csv", "images", "pred.csv"],
    "ssl export": ["ssl", "export", "{ckpt}", "backbone.pt"],
    "cls export-backbone": ["cls", "export-backbone", "{ckpt}", "backbone.pt"],
    "seg train --weights": [
        "seg",
        "train",
        "--data-dir",
        "p2",
        "--out-dir",
        "run",
        "--model",
        "fcn32s",
        "--weights",
        "{ckpt}",
        "--epochs",
        "1",
        "--device",
        "cpu",
    ],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_text_file_as_checkpoint_is_one_line_exit_2(workdir: Path, command: str) -> None:
    args = [a.replace("{ckpt}", "x.pt") for a in COMMANDS[command]]
    done = subprocess.run(
        [sys.executable, "-m", "hw1.cli.main", *args], cwd=workdir, env=ENV, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 2, (command, done.returncode, done.stderr[-3000:])
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "x.pt" in lines[0] and "not a PyTorch checkpoint (a text file starting 'hello')" in lines[0], lines[0]
    assert not (workdir / "backbone.pt").exists()


def test_a_web_page_saved_as_checkpoint_says_so(workdir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hw1.cli.main", "ssl", "export", "page.pt", "backbone.pt"],
        cwd=workdir,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "page.pt: not a PyTorch checkpoint (an HTML page" in done.stderr and "direct download link" in done.stderr
