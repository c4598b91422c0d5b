"""Suite-wide test setting: decoded-image stores (hw1.core.image_store) go under pytest's own temp
folder, never into the user's ~/.cache, unless HW1_CACHE_DIR is already set. Subprocesses (CLI,
torchrun) inherit it through the environment."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def _image_store_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    if os.environ.get("HW1_CACHE_DIR"):
        yield
        return
    os.environ["HW1_CACHE_DIR"] = str(tmp_path_factory.mktemp("hw1-cache"))
    yield
    os.environ.pop("HW1_CACHE_DIR", None)
