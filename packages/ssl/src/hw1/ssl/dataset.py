"""Unlabeled image folder: every image below a folder (recursively), no labels.

Unreadable files (truncated, not an image, decompression bombs) are found by a scan at start-up,
reported one line each plus a summary, and skipped — one bad JPEG in 38,400 should not end a
pre-training run, but it should not pass silently either.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from torch.utils.data import Dataset

from hw1.core.errors import Hw1DataError
from hw1.core.images import IMAGE_EXTENSIONS, list_images, open_image
from hw1.core.progress import progress

log = logging.getLogger("hw1.ssl")


class UnlabeledImageFolder(Dataset):
    """All images under ``root`` (sorted, recursive); ``dataset[i]`` is ``transform(image)``
    (a list of views for a two-view transform) or the RGB PIL image when ``transform`` is None.

    ``verify=True`` decodes every file once at construction; the unreadable ones are listed in
    ``self.skipped`` (one message each, also logged as warnings on logger ``hw1.ssl``).
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        transform: Callable[[Any], Any] | None = None,
        *,
        verify: bool = True,
        report: bool = True,
    ) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise Hw1DataError(f"{self.root}: image folder not found; check --images")
        files = list_images(self.root, recursive=True)
        if not files:
            raise Hw1DataError(
                f"{self.root}: no images found (searched recursively for {', '.join(IMAGE_EXTENSIONS)}); "
                "point --images at a folder of images"
            )
        self.skipped: list[str] = []
        if verify:
            good = []
            for path in progress(files, desc="checking images", unit="img"):
                try:
                    open_image(path)
                except Hw1DataError as exc:
                    self.skipped.append(str(exc))
                    if report:
                        log.warning("skipped: %s", exc)
                else:
                    good.append(path)
            if self.skipped and report:
                log.warning("skipped %d of %d images in %s (unreadable)", len(self.skipped), len(files), self.root)
            if not good:
                raise Hw1DataError(f"{self.root}: none of the {len(files)} image files could be read; replace them")
            files = good
        self.files: list[Path] = files
        self.transform = transform

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> Any:
        image = open_image(self.files[index])
        return self.transform(image) if self.transform is not None else image
