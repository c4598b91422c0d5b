"""`import hw1.segmentation` and the codec + mIoU path need numpy and PIL only: no torch."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
from PIL import Image

HEAVY = ("torch", "torchvision", "timm", "albumentations", "segmentation_models_pytorch", "segment_anything")


def test_codec_and_mean_iou_path_imports_no_torch(tmp_path) -> None:
    for role in ("gt", "pred"):
        (tmp_path / role).mkdir()
        rgb = np.zeros((8, 8, 3), np.uint8)
        rgb[:4] = (0, 255, 255)  # Urban
        Image.fromarray(rgb).save(tmp_path / role / "0000_mask.png")
    script = textwrap.dedent(f"""
        import sys
        import numpy as np
        import hw1.segmentation
        from hw1.segmentation import (ConfusionMatrix, decode_mask, evaluate_folders, format_official,
                                      read_evaluation, write_evaluation, STAGES, DEFAULT_STAGE_IDS)
        from hw1.segmentation.codec import read_mask, write_mask
        result = evaluate_folders({str(tmp_path / "gt")!r}, {str(tmp_path / "pred")!r}, num_workers=1)
        assert result.per_class_iou[0] == 1.0, result.per_class_iou
        write_evaluation(result, {str(tmp_path / "eval.json")!r})
        assert read_evaluation({str(tmp_path / "eval.json")!r}).per_class_iou[0] == 1.0
        cm = ConfusionMatrix().update(np.zeros((2, 2), np.uint8), np.zeros((2, 2), np.uint8))
        assert cm.mean_iou_nansafe() == 1.0 and cm.all_reduce().total() == 4
        format_official(result)
        heavy = [m for m in {HEAVY!r} if m in sys.modules]
        print(",".join(heavy))
        sys.exit(3 if heavy else 0)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"imported {done.stdout.strip()!r}\n{done.stderr[-2000:]}"


def test_lazy_attributes_resolve_to_the_defining_modules() -> None:
    import hw1.segmentation as seg
    from hw1.segmentation.predict import PredictionReport, predict_folder

    assert seg.PredictionReport is PredictionReport and seg.predict_folder is predict_folder
    assert set(seg.__all__) <= set(dir(seg)) and all(hasattr(seg, name) for name in seg.__all__)
    try:
        seg.PredictReport  # noqa: B018  (the old name is gone)
    except AttributeError:
        pass
    else:
        raise AssertionError("PredictReport should be gone")
