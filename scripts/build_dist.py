"""Build a wheel and an sdist of every hw1 package into one folder (``make dist`` runs this).

    python scripts/build_dist.py [--out-dir dist] [PACKAGE_DIR ...]

Each package is built with ``python -m build --no-isolation`` (the sdist first, then the wheel from
that sdist, so a file missing from the sdist fails here rather than on a user's machine). The build
backend (hatchling) and ``build`` must be installed in the running interpreter: ``make dist`` installs
them. Earlier wheels and sdists of the same packages in the folder are removed first, so the folder
never offers two versions of one package.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Every distribution of the workspace, dependencies before their dependents.
PACKAGE_DIRS = (
    "packages/core",
    "packages/ssl",
    "packages/classification",
    "packages/segmentation",
    "packages/viz",
    "apps/cli",
)


def distribution_name(package_dir: Path) -> str:
    """The ``[project] name`` of ``package_dir/pyproject.toml`` (e.g. ``hw1-core``)."""
    text = (package_dir / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^name\s*=\s*"([^"]+)"', text, flags=re.MULTILINE)
    if match is None:
        raise SystemExit(f"error: {package_dir / 'pyproject.toml'}: no [project] name; add one")
    return match.group(1)


def build_package(package_dir: Path, out_dir: Path) -> list[Path]:
    """Build the sdist and wheel of ``package_dir`` into ``out_dir``; return the two files."""
    stem = distribution_name(package_dir).replace("-", "_")
    for old in [*out_dir.glob(f"{stem}-*.whl"), *out_dir.glob(f"{stem}-*.tar.gz")]:
        old.unlink()
    cmd = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out_dir), str(package_dir)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(
            f"error: building {package_dir} failed (output above); "
            "is 'build' and 'hatchling' installed? run: pip install build hatchling"
        )
    return sorted([*out_dir.glob(f"{stem}-*.whl"), *out_dir.glob(f"{stem}-*.tar.gz")])


def main(argv: list[str] | None = None) -> int:
    """Build the packages named on the command line (default: all of them)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=str(ROOT / "dist"), help="folder for the files (default: dist/)")
    parser.add_argument("packages", nargs="*", default=list(PACKAGE_DIRS), help="package folders")
    args = parser.parse_args(argv)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for package in args.packages:
        package_dir = Path(package) if Path(package).is_absolute() else ROOT / package
        for built in build_package(package_dir, out_dir):
            print(f"{built}  {built.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
