"""Long runs keep memory flat: prediction streams, so peak RSS after a few hundred images is
no higher than after a few dozen (beyond a stated bound)."""

import resource

import numpy as np
import pytest
import torch
from PIL import Image

from hw1.core import save_checkpoint
from hw1.segmentation.checkpoint import model_checkpoint
from hw1.segmentation.models import create_model
from hw1.segmentation.predict import predict_folder

#: Allowed growth of peak RSS between 40 and 400 images (allocator noise, lazily built kernels).
BOUND_MB = 40


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.slow
def test_predict_peak_memory_does_not_grow_with_the_number_of_images(tmp_path):
    torch.manual_seed(0)
    kwargs = {"num_classes": 7, "width": 0.125, "fc_channels": 32}
    model = create_model("fcn32s", weights="none", **kwargs)
    ckpt = save_checkpoint(model_checkpoint(model, "fcn32s", kwargs), tmp_path / "m.pt")
    rng = np.random.default_rng(0)
    for name, n in (("few", 40), ("many", 400)):
        folder = tmp_path / name
        folder.mkdir()
        for i in range(n):
            Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(folder / f"{i:04d}_sat.png")
    predict_folder(ckpt, tmp_path / "few", tmp_path / "out_few", device="cpu", num_workers=0, batch_size=8)
    after_few = _peak_mb()
    report = predict_folder(ckpt, tmp_path / "many", tmp_path / "out_many", device="cpu", num_workers=0, batch_size=8)
    assert report.written == 400
    assert _peak_mb() - after_few < BOUND_MB
