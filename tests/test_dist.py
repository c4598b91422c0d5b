"""`make dist` output installs on its own: every package's wheel resolves its hw1 siblings from the
dist folder alone (no index, no workspace) and imports.

The wheels are built fresh into a temporary folder by ``scripts/build_dist.py`` (what ``make dist``
runs). They are installed into a new virtual environment that sees the test venv's third-party
packages (torch, numpy …) through a ``.pth`` path but none of the workspace's editable hw1 installs,
so only ``dist/`` can satisfy ``hw1-core>=…`` and friends: a wrong version range fails here.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD_SCRIPT = ROOT / "scripts" / "build_dist.py"
DISTRIBUTIONS = {  # distribution -> import name
    "hw1-core": "hw1.core",
    "hw1-ssl": "hw1.ssl",
    "hw1-classification": "hw1.classification",
    "hw1-segmentation": "hw1.segmentation",
    "hw1-viz": "hw1.viz",
    "hw1-cli": "hw1.cli",
}

#: hw1-cli takes the libraries as extras (apps/cli/pyproject.toml); each must resolve from dist/ too.
CLI_EXTRAS = ("hw1-cli[ssl]", "hw1-cli[cls]", "hw1-cli[seg]", "hw1-cli[sam]", "hw1-cli[viz]", "hw1-cli[all]")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("build") is None or importlib.util.find_spec("hatchling") is None,
        reason="needs 'build' and 'hatchling' in the test venv (make setup installs them)",
    ),
]


def _is_workspace_entry(name: str) -> bool:
    """Site-packages entries of the workspace's own (editable) hw1 installs."""
    lowered = name.lower()
    return lowered.startswith(("hw1", "_editable_impl_hw1", "__editable__", "_hw1"))


def _third_party_view(tmp: Path) -> Path:
    """A folder of symlinks to the test venv's site-packages, minus every hw1 entry."""
    site = Path(sysconfig.get_paths()["purelib"])
    view = tmp / "third_party"
    view.mkdir()
    for entry in site.iterdir():
        if not _is_workspace_entry(entry.name) and not entry.name.endswith(".pth"):
            (view / entry.name).symlink_to(entry)
    return view


@pytest.fixture(scope="module")
def dist_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--out-dir", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_every_package_has_a_wheel_and_an_sdist(dist_dir: Path) -> None:
    for dist in DISTRIBUTIONS:
        stem = dist.replace("-", "_")
        wheels = list(dist_dir.glob(f"{stem}-*-py3-none-any.whl"))
        sdists = list(dist_dir.glob(f"{stem}-*.tar.gz"))
        assert len(wheels) == 1 and len(sdists) == 1, (dist, sorted(p.name for p in dist_dir.iterdir()))
        names = zipfile.ZipFile(wheels[0]).namelist()
        module_dir = DISTRIBUTIONS[dist].replace(".", "/")
        assert f"{module_dir}/__init__.py" in names
        assert f"{module_dir}/py.typed" in names
        # PEP 420 namespace: no wheel may own hw1/__init__.py, or installing two would clash
        assert "hw1/__init__.py" not in names


def test_each_package_resolves_from_dist_alone_and_imports(dist_dir: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(env_dir)
    python = env_dir / "bin" / "python"
    target_site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (target_site / "third_party.pth").write_text(f"{_third_party_view(tmp_path)}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(dist_dir), PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONNOUSERSITE="1")
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    no_hw1 = subprocess.run([str(python), "-c", "import hw1.core"], capture_output=True, text=True, env=env)
    assert no_hw1.returncode != 0, "the fresh venv must not see the workspace's hw1 packages"
    # dist/ holds one version of each package, so one resolution of every package and every extra
    # succeeds exactly when each of them resolves alone (and costs one pip start instead of twelve)
    requirements = [*DISTRIBUTIONS, *CLI_EXTRAS]
    dry = subprocess.run(
        [*pip, "install", "--dry-run", "--no-index", "--find-links", str(dist_dir), *requirements],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert dry.returncode == 0, f"the packages do not resolve from dist/ alone:\n{dry.stdout}{dry.stderr}"
    would = dry.stdout.replace("_", "-")
    assert all(f"{dist}-" in would for dist in DISTRIBUTIONS), dry.stdout
    done = subprocess.run(
        [*pip, "install", "--quiet", "--no-index", "--find-links", str(dist_dir), "hw1-cli[all]"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    imports = "; ".join(f"import {module}" for module in DISTRIBUTIONS.values())
    check = f"{imports}; import hw1.core, pathlib; print(pathlib.Path(hw1.core.__file__).resolve())"
    run = subprocess.run([str(python), "-c", check], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert Path(run.stdout.strip()).is_relative_to(target_site.resolve()), "imported from the workspace, not dist/"
    help_run = subprocess.run(
        [str(env_dir / "bin" / "hw1"), "--help"], capture_output=True, text=True, env=env, timeout=120
    )
    assert help_run.returncode == 0 and "Usage" in help_run.stdout, help_run.stdout + help_run.stderr
