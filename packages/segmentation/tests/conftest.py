"""Shared fixtures of the hw1-segmentation tests (pytest --import-mode=importlib: share through here)."""

from __future__ import annotations

from pathlib import Path

import pytest

#: The official-script oracle, present in the hw1 monorepo checkout (shared/ beside main/).
OFFICIAL_MIOU_FIXTURE = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "official_miou"


@pytest.fixture(scope="session")
def official_miou_dir() -> Path:
    """The official mIoU oracle folder (gt/, pred/, expected.json); skips when the package is
    tested outside the monorepo checkout that holds it."""
    if not (OFFICIAL_MIOU_FIXTURE / "expected.json").is_file():
        pytest.skip(
            f"official mIoU oracle not found at {OFFICIAL_MIOU_FIXTURE} (package tested outside the hw1 checkout)"
        )
    return OFFICIAL_MIOU_FIXTURE


@pytest.fixture(scope="session")
def synthetic_seg_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic p2_data-style folder (train/: 12 pairs, validation/: 4 pairs, 64x64),
    generated once per session; treat it as read-only."""
    from hw1.segmentation.synthetic import make_synthetic_segmentation

    return make_synthetic_segmentation(tmp_path_factory.mktemp("p2_synth"), n_train=12, n_val=4, size=64, seed=0)


# --- models / training / prediction (SEG-MODEL) ---------------------------------------------------


@pytest.fixture
def forbid_downloads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every weight download fail loudly (torch.hub and the Hugging Face hub) and record the
    attempts, so a test can assert that nothing was fetched."""
    import torch.hub

    attempts: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(str(args[0]) if args else str(kwargs))
        raise OSError("network disabled in tests")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", refuse)
    monkeypatch.setattr(torch.hub, "download_url_to_file", refuse)
    try:
        import huggingface_hub

        monkeypatch.setattr(huggingface_hub, "hf_hub_download", refuse)
        import segmentation_models_pytorch.encoders as smp_encoders

        # smp imported the function by name: patch its copy too.
        monkeypatch.setattr(smp_encoders, "hf_hub_download", refuse)
    except (ImportError, AttributeError):
        pass
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return attempts


@pytest.fixture(scope="session")
def seg_train_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic p2_data-style folder for training tests (train/: 40 pairs, validation/: 12, 64x64),
    generated once per session; read-only."""
    from hw1.segmentation.synthetic import make_synthetic_segmentation

    return make_synthetic_segmentation(tmp_path_factory.mktemp("p2_train"), n_train=40, n_val=12, size=64, seed=3)
