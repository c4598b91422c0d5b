"""The course's hand-in from a fresh clone: ``hw1 handin export`` (compact checkpoint, same predictions
within the stated tolerance, size printed), ``hw1_download.sh`` (URLs + SHA-256 from checkpoints.txt,
tested with file:// URLs), and ``hw1_1.sh`` / ``hw1_2.sh`` at the repository root finding ``hw1`` in
the ``.venv`` next to them or on PATH, with one-line errors (exit 2) otherwise."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ("hw1_1.sh", "hw1_2.sh", "hw1_download.sh", "scripts/find_hw1.sh")
ENV = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1", "HW1_PROGRESS": "0"}
ENV.pop("HW1", None)
BARE_PATH = "/usr/bin:/bin"  # bash, coreutils, curl: no hw1


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _clone(tmp: Path, *, with_venv: bool) -> Path:
    """A folder laid out like a fresh clone: the scripts at its root, and the test venv as .venv."""
    repo = tmp / "clone"
    for name in SCRIPTS:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, repo / name)
    if with_venv:
        (repo / ".venv").symlink_to(Path(sys.prefix))
    return repo


def _bash(script: Path, *args: str, cwd: Path, path: str = BARE_PATH) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(script), *args], cwd=cwd, env={**ENV, "PATH": path}, capture_output=True, text=True, timeout=300
    )


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(("error: ", "usage: ")), done.stderr
    return lines[0]


# ---------------------------------------------------------------- compact checkpoints (library)


@pytest.fixture(scope="module")
def seg_full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small FCN32s run checkpoint with optimizer state and config, as best.pt of hw1 seg train has."""
    from hw1.core import save_checkpoint
    from hw1.segmentation.checkpoint import model_checkpoint
    from hw1.segmentation.models import create_model

    torch.manual_seed(0)
    kwargs = {"width": 0.125, "fc_channels": 32}
    model = create_model("fcn32s", weights=None, **kwargs)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.randn(2, 3, 64, 64)).logsumexp(1).mean().backward()
    optimizer.step()
    ckpt = model_checkpoint(
        model,
        "fcn32s",
        kwargs,
        image_size=64,
        epoch=7,
        step=70,
        miou=0.42,
        config={"lr": 1e-3},
        optimizer=optimizer.state_dict(),
    )
    return save_checkpoint(ckpt, tmp_path_factory.mktemp("seg") / "best.pt")


@pytest.fixture(scope="module")
def cls_full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hw1.classification.checkpoint import classifier_checkpoint
    from hw1.classification.head import Classifier, ClassifierHead
    from hw1.core import IMAGENET_NORMALIZATION, create_backbone, save_checkpoint

    torch.manual_seed(1)
    model = Classifier(create_backbone("resnet18", weights=None), ClassifierHead(512, 5, hidden=32))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.randn(2, 3, 32, 32)).logsumexp(1).mean().backward()
    optimizer.step()
    model.eval()
    ckpt = classifier_checkpoint(
        model,
        arch="resnet18",
        normalization=IMAGENET_NORMALIZATION,
        image_size=32,
        epoch=3,
        config={"lr": 1e-3},
        val_acc=0.6,
        optimizer=optimizer.state_dict(),
    )
    return save_checkpoint(ckpt, tmp_path_factory.mktemp("cls") / "best.pt")


@pytest.fixture(scope="module")
def satellite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hw1.segmentation.synthetic import make_synthetic_segmentation

    root = make_synthetic_segmentation(tmp_path_factory.mktemp("p2"), n_train=1, n_val=3, size=64, seed=2)
    return root / "validation"


def test_segmentation_handin_is_weights_only_fp16_and_predicts_the_same(
    seg_full: Path, satellite: Path, tmp_path: Path
) -> None:
    from hw1.core import load_checkpoint
    from hw1.segmentation.handin import HANDIN_MIN_AGREEMENT, export_segmentation_handin
    from hw1.segmentation.predict import Predictor

    out = tmp_path / "seg_best.pt"
    report = export_segmentation_handin(seg_full, out, probe_images=sorted(satellite.glob("*_sat.jpg")))
    assert report.precision == "fp16" and report.agreement >= HANDIN_MIN_AGREEMENT
    assert report.size_bytes == out.stat().st_size < seg_full.stat().st_size / 4  # no optimizer, half the bytes
    compact = load_checkpoint(out)
    assert "optimizer" not in compact and "config" not in compact
    assert compact["epoch"] == 7 and compact["miou"] == 0.42 and compact["image_size"] == 64
    dtypes = {v.dtype for v in compact["state_dict"].values()}
    assert torch.float16 in dtypes
    # the full and the compact model: the same masks on real-looking images, within the tolerance
    full, small = (Predictor(p, device="cpu", precision="fp32") for p in (seg_full, out))
    same = total = 0
    for image in sorted(satellite.glob("*_sat.jpg")):
        from hw1.core import read_rgb

        rgb = read_rgb(image)
        a, b = full.predict_array(rgb), small.predict_array(rgb)
        same, total = same + int((a == b).sum()), total + a.size
    assert same / total >= HANDIN_MIN_AGREEMENT
    assert next(small.model.parameters()).dtype == torch.float32  # fp16 weights cast back on load


def test_classifier_handin_predicts_the_same_classes(cls_full: Path, tmp_path: Path) -> None:
    from hw1.classification.handin import export_classifier_handin
    from hw1.classification.predict import predict_csv
    from hw1.classification.synthetic import make_tiny_classification
    from hw1.core import load_checkpoint

    out = tmp_path / "hw1_1_setting_C.pt"
    report = export_classifier_handin(cls_full, out)
    assert report.precision == "fp16" and report.agreement == 1.0
    assert out.stat().st_size < cls_full.stat().st_size / 4
    compact = load_checkpoint(out)
    assert set(compact) == {
        "format",
        "model",
        "num_classes",
        "normalization",
        "image_size",
        "epoch",
        "val_acc",
        "state_dict",
        "handin",
    }
    bn_stats = [v for k, v in compact["state_dict"].items() if k.endswith(("running_mean", "running_var"))]
    assert bn_stats and all(v.dtype == torch.float32 for v in bn_stats)  # fp16 would flush tiny variances
    synth = make_tiny_classification(tmp_path / "data", num_classes=5, n_val_per_class=4, seed=3)
    labels = []
    for ckpt in (cls_full, out):
        csv = tmp_path / f"{ckpt.stem}.csv"
        predict_csv(ckpt, synth.office_val_csv, synth.office_val_dir, csv, device="cpu", precision="fp32")
        labels.append(csv.read_text(encoding="utf-8"))
    assert labels[0] == labels[1]


def test_half_precision_keeps_out_of_range_tensors_and_named_buffers() -> None:
    from hw1.core.handin import half_precision_state_dict

    state = {
        "w": torch.randn(4),
        "big": torch.tensor([1e6]),
        "bn.running_var": torch.tensor([1e-7]),
        "bn.num_batches_tracked": torch.tensor(3),
    }
    half, count = half_precision_state_dict(state, keep_fp32=["bn.running_var"])
    assert count == 1 and half["w"].dtype == torch.float16
    assert half["big"].dtype == half["bn.running_var"].dtype == torch.float32
    assert half["bn.num_batches_tracked"].dtype == torch.int64


def test_handin_export_of_another_checkpoint_names_its_format(tmp_path: Path) -> None:
    """The formats hand-in accepts are the training libraries' own CHECKPOINT_FORMATs: an SSL run's
    last.pt is refused in one line naming its format, and nothing is written."""
    from click.testing import CliRunner

    from hw1.cli.main import cli
    from hw1.core import save_checkpoint
    from hw1.ssl.run_checkpoint import CHECKPOINT_FORMAT

    save_checkpoint({"format": CHECKPOINT_FORMAT, "state_dict": {}}, tmp_path / "last.pt")
    result = CliRunner().invoke(cli, ["handin", "export", str(tmp_path / "last.pt"), str(tmp_path / "out.pt")])
    assert result.exit_code == 2, result.output
    assert (
        f"last.pt: not a training checkpoint of hw1 (format {CHECKPOINT_FORMAT!r}); "
        "pass the best.pt of 'hw1 cls train' or 'hw1 seg train'"
    ) in result.output
    assert not (tmp_path / "out.pt").exists()


def test_handin_refuses_to_overwrite_its_source(seg_full: Path) -> None:
    from hw1.core import Hw1CheckpointError
    from hw1.segmentation.handin import export_segmentation_handin

    with pytest.raises(Hw1CheckpointError, match="must not overwrite its source"):
        export_segmentation_handin(seg_full, seg_full)


# ---------------------------------------------------------------- the whole hand-in, as the course runs it


@pytest.mark.slow
def test_export_upload_download_and_graded_scripts(
    seg_full: Path, cls_full: Path, satellite: Path, tmp_path: Path
) -> None:
    """train (fixtures) -> hw1 handin export -> "upload" (a folder) -> hw1_download.sh -> hw1_1.sh / hw1_2.sh."""
    from hw1.classification.synthetic import make_tiny_classification

    student = _clone(tmp_path / "student", with_venv=True)
    hw1 = str(student / ".venv" / "bin" / "hw1")
    lines = []
    for full in (seg_full, cls_full):
        done = subprocess.run(
            [hw1, "handin", "export", str(full)], cwd=student, env=ENV, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert "MB" in done.stdout or "kB" in done.stdout, done.stdout  # the size is printed
        lines.append(done.stdout.strip().splitlines()[-1].split(": ", 1)[1])
    written = {p.name for p in (student / "checkpoints").iterdir()}
    assert written == {"seg_best.pt", "hw1_1_setting_C.pt"}

    upload = tmp_path / "upload"  # stands in for a release page: the files behind URLs
    upload.mkdir()
    entries = []
    for line in lines:
        name, _url, sha = line.split()
        shutil.copy2(student / "checkpoints" / name, upload / name)
        entries.append(f"{name} {(upload / name).as_uri()} {sha}")

    grader = _clone(tmp_path / "grader", with_venv=True)  # a fresh clone: no checkpoints/
    (grader / "checkpoints.txt").write_text("# hand-in\n" + "\n".join(entries) + "\n", encoding="utf-8")
    old = os.umask(0o022)
    try:
        done = _bash(grader / "hw1_download.sh", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        for name in ("seg_best.pt", "hw1_1_setting_C.pt"):
            target = grader / "checkpoints" / name
            assert _sha256(target) == _sha256(upload / name)
            assert stat.S_IMODE(target.stat().st_mode) == 0o644

        masks = tmp_path / "masks"
        done = _bash(grader / "hw1_2.sh", str(satellite), str(masks), cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
        written_masks = sorted(p.name for p in masks.glob("*_mask.png"))
        assert written_masks == sorted(p.name.replace("_sat.jpg", "_mask.png") for p in satellite.glob("*_sat.jpg"))
        assert {stat.S_IMODE(p.stat().st_mode) for p in masks.iterdir()} == {0o644}

        synth = make_tiny_classification(tmp_path / "office", num_classes=5, n_val_per_class=2)
        out_csv = tmp_path / "pred" / "out.csv"
        done = _bash(
            grader / "hw1_1.sh", str(synth.office_val_csv), str(synth.office_val_dir), str(out_csv), cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr[-3000:]
        rows = out_csv.read_text(encoding="utf-8").splitlines()
        assert rows[0] == "id,filename,label" and len(rows) == 1 + 10
        assert all(0 <= int(r.rsplit(",", 1)[1]) < 5 for r in rows[1:])
    finally:
        os.umask(old)


# ---------------------------------------------------------------- hw1_download.sh


@pytest.fixture
def uploaded(tmp_path: Path) -> Path:
    folder = tmp_path / "upload"
    folder.mkdir()
    (folder / "seg_best.pt").write_bytes(os.urandom(4096))
    (folder / "page.html").write_text("<!DOCTYPE html><html><body>Virus scan warning</body></html>", encoding="utf-8")
    return folder


def test_download_verifies_sha256_and_places_the_file(tmp_path: Path, uploaded: Path) -> None:
    repo = _clone(tmp_path, with_venv=False)
    source = uploaded / "seg_best.pt"
    (repo / "checkpoints.txt").write_bytes(  # upper-case hash, a comment, Windows line ends
        f"# list\r\nseg_best.pt {source.as_uri()} {_sha256(source).upper()}  # comment\r\n".encode()
    )
    done = _bash(repo / "hw1_download.sh", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (repo / "checkpoints" / "seg_best.pt").read_bytes() == source.read_bytes()
    # already there with the right hash: not fetched again (the URL now points nowhere)
    source.unlink()
    again = _bash(repo / "hw1_download.sh", cwd=tmp_path)
    assert again.returncode == 0 and "already there" in again.stdout, again.stderr


def test_download_with_a_wrong_hash_leaves_nothing(tmp_path: Path, uploaded: Path) -> None:
    repo = _clone(tmp_path, with_venv=False)
    source = uploaded / "seg_best.pt"
    (repo / "checkpoints.txt").write_text(f"seg_best.pt {source.as_uri()} {'0' * 64}\n", encoding="utf-8")
    line = _one_error_line(_bash(repo / "hw1_download.sh", cwd=tmp_path))
    assert "seg_best.pt: SHA-256 mismatch" in line and _sha256(source) in line
    assert list((repo / "checkpoints").iterdir()) == []


def test_download_of_a_web_page_says_so(tmp_path: Path, uploaded: Path) -> None:
    repo = _clone(tmp_path, with_venv=False)
    (repo / "checkpoints.txt").write_text(
        f"seg_best.pt {(uploaded / 'page.html').as_uri()} {'a' * 64}\n", encoding="utf-8"
    )
    assert "returned a web page" in _one_error_line(_bash(repo / "hw1_download.sh", cwd=tmp_path))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "checkpoints.txt not found"),
        ("# only comments\n\n", "lists no checkpoint"),
        ("seg_best.pt file:///nowhere\n", "expected 'name url sha256'"),
        ("../evil.pt file:///x " + "a" * 64 + "\n", "must be a bare file name"),
        ("seg_best.pt file:///x abc\n", "is not a SHA-256"),
        ("seg_best.pt file:///does/not/exist " + "a" * 64 + "\n", "could not download"),
    ],
)
def test_download_errors_are_one_line(tmp_path: Path, content: str | None, expected: str) -> None:
    repo = _clone(tmp_path, with_venv=False)
    if content is not None:
        (repo / "checkpoints.txt").write_text(content, encoding="utf-8")
    assert expected in _one_error_line(_bash(repo / "hw1_download.sh", cwd=tmp_path))
    assert not (repo / "checkpoints").exists() or list((repo / "checkpoints").iterdir()) == []


# ---------------------------------------------------------------- hw1_1.sh / hw1_2.sh errors


@pytest.mark.parametrize(("script", "args"), [("hw1_1.sh", ("a.csv", "imgs", "out.csv")), ("hw1_2.sh", ("in", "out"))])
def test_graded_script_without_hw1_is_one_line_exit_2(tmp_path: Path, script: str, args: tuple[str, ...]) -> None:
    if shutil.which("hw1", path=BARE_PATH):
        pytest.skip("an hw1 command is installed system-wide")
    repo = _clone(tmp_path, with_venv=False)
    (repo / "checkpoints").mkdir()
    for name in ("hw1_1_setting_C.pt", "seg_best.pt"):
        (repo / "checkpoints" / name).write_bytes(b"PK")
    line = _one_error_line(_bash(repo / script, *args, cwd=tmp_path))
    assert "hw1 command was found neither" in line and "make setup" in line


@pytest.mark.parametrize(
    ("script", "args", "expected"),
    [
        ("hw1_1.sh", ("a.csv", "imgs"), "usage: bash hw1_1.sh <csv> <img_dir> <out_csv>"),
        ("hw1_2.sh", ("in",), "usage: bash hw1_2.sh <in_dir> <out_dir>"),
        ("hw1_1.sh", ("a.csv", "imgs", "out.csv"), "hw1_1_setting_C.pt not found; run 'bash hw1_download.sh'"),
        ("hw1_2.sh", ("in", "out"), "seg_best.pt not found; run 'bash hw1_download.sh'"),
    ],
)
def test_graded_script_usage_and_missing_checkpoint(
    tmp_path: Path, script: str, args: tuple[str, ...], expected: str
) -> None:
    repo = _clone(tmp_path, with_venv=True)
    assert expected in _one_error_line(_bash(repo / script, *args, cwd=tmp_path))


def test_graded_script_passes_hw1_errors_through(tmp_path: Path, satellite: Path) -> None:
    """A broken checkpoint behind hw1_2.sh: hw1's own one-line error, exit 2."""
    repo = _clone(tmp_path, with_venv=True)
    (repo / "checkpoints").mkdir()
    (repo / "checkpoints" / "seg_best.pt").write_text("hello\n", encoding="utf-8")
    line = _one_error_line(_bash(repo / "hw1_2.sh", str(satellite), "out", cwd=tmp_path))
    assert "seg_best.pt: not a PyTorch checkpoint (a text file" in line


def test_download_without_curl_or_sha256sum_uses_python(tmp_path: Path, uploaded: Path) -> None:
    tools = tmp_path / "bin"  # a PATH with the basics and python3 but no curl, wget, sha256sum or shasum
    tools.mkdir()
    for tool in ("bash", "dirname", "mkdir", "head", "tr", "cut", "mv", "rm", "wc", "grep", "tail"):
        found = shutil.which(tool, path=BARE_PATH)
        assert found, tool
        (tools / tool).symlink_to(found)
    (tools / "python3").symlink_to(sys.executable)
    repo = _clone(tmp_path, with_venv=False)
    source = uploaded / "seg_best.pt"
    (repo / "checkpoints.txt").write_text(f"seg_best.pt {source.as_uri()} {_sha256(source)}\n", encoding="utf-8")
    done = subprocess.run(
        [str(tools / "bash"), str(repo / "hw1_download.sh")],
        cwd=tmp_path,
        env={**ENV, "PATH": str(tools)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (repo / "checkpoints" / "seg_best.pt").read_bytes() == source.read_bytes()
