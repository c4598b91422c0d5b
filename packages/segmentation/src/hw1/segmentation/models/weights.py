"""What a ``weights`` argument means (nothing, a published name, a local file) and the error a
failed download becomes: hw1-core's, named here for the model families of this package."""

from __future__ import annotations

from hw1.core.backbone import download_error, weights_file

__all__ = ["download_error", "weights_file"]
