"""The corpus of hostile inputs the reliability tests feed to every command. Generated on the fly:
nothing here is a checked-in binary."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from hw1.cli.main import cli


def _png_declaring(width: int, height: int) -> bytes:
    """A PNG header that declares a huge image (a decompression bomb) with almost no data."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def _rgb(seed: int, size: int = 32) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (size, size, 3), dtype=np.uint8)


def write_bad_images(folder: Path) -> dict[str, Path]:
    """Unreadable images under image names; returns name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(_rgb(0, 64)).save(folder / "_full.jpg", quality=95)
    jpg = (folder / "_full.jpg").read_bytes()
    (folder / "_full.jpg").unlink()
    Image.fromarray(_rgb(1, 64)).save(folder / "_full.png")
    png = (folder / "_full.png").read_bytes()
    (folder / "_full.png").unlink()
    files = {
        "truncated_jpeg": ("trunc_sat.jpg", jpg[: len(jpg) // 3]),
        "truncated_png": ("truncpng_sat.png", png[: len(png) // 3]),
        "zero_bytes": ("empty_sat.jpg", b""),
        "not_an_image": ("text_sat.jpg", b"this is not an image\n" * 10),
        "bomb": ("bomb_sat.png", _png_declaring(60_000, 60_000)),
    }
    out = {}
    for key, (name, data) in files.items():
        (folder / name).write_bytes(data)
        out[key] = folder / name
    return out


def write_odd_but_valid_images(folder: Path) -> dict[str, Path]:
    """Images in modes real folders contain: all must load as RGB."""
    folder.mkdir(parents=True, exist_ok=True)
    rgb = _rgb(2)
    out = {
        "cmyk": folder / "cmyk_sat.jpg",
        "gray16": folder / "gray16_sat.png",
        "palette": folder / "palette_sat.png",
        "alpha": folder / "alpha_sat.png",
        "gray": folder / "gray_sat.png",
    }
    Image.fromarray(rgb).convert("CMYK").save(out["cmyk"])
    Image.fromarray(rgb[..., 0].astype(np.uint16) * 257).save(out["gray16"])
    Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE).save(out["palette"])
    Image.fromarray(rgb).convert("RGBA").save(out["alpha"])
    Image.fromarray(rgb[..., 0]).save(out["gray"])
    return out


class Corpus:
    """The corpus helpers, handed to tests by the ``corpus`` fixture (tests cannot import
    conftest under --import-mode=importlib)."""

    png_declaring = staticmethod(_png_declaring)
    rgb = staticmethod(_rgb)
    write_bad_images = staticmethod(write_bad_images)
    write_odd_but_valid_images = staticmethod(write_odd_but_valid_images)
    one_line_error = staticmethod(lambda result: one_line_error(result))
    files_under = staticmethod(lambda folder: files_under(folder))


@pytest.fixture
def corpus() -> type[Corpus]:
    return Corpus


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def hw1(runner):
    """Invoke ``hw1 ARGS…`` in-process and return the click Result."""

    def invoke(*args: object):
        return runner.invoke(cli, [str(a) for a in args])

    return invoke


def one_line_error(result) -> str:
    """Assert the result is a one-line error with exit 2 and no traceback; return the line."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, result.output
    return errors[0]


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def outside_sentinel(tmp_path: Path):
    """A folder next to the test's files; tests assert that nothing is ever written there."""
    sentinel = tmp_path.parent / f"{tmp_path.name}_outside"
    sentinel.mkdir(exist_ok=True)
    before = files_under(sentinel)
    yield sentinel
    assert files_under(sentinel) == before
    os.rmdir(sentinel) if not any(sentinel.iterdir()) else None
