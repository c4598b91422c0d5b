"""Export the online backbone of a pre-training checkpoint as a plain torchvision state_dict.

The file holds exactly the backbone's keys (``conv1.weight`` … ``layer4.1.bn2.num_batches_tracked``,
no ``fc.*``), so for a ResNet-50 run::

    model = torchvision.models.resnet50(weights=None)
    model.fc = torch.nn.Identity()
    model.load_state_dict(torch.load("backbone.pt", weights_only=True), strict=True)

and ``hw1.core.load_backbone_file(model, "backbone.pt")`` (what classification and segmentation
use) loads it into any backbone built by ``hw1.core.create_backbone("resnet50")``.
"""

from __future__ import annotations

import os
from pathlib import Path

from hw1.core.backbone import backbone_state_dict, create_backbone, load_backbone_state_dict
from hw1.core.checkpoint import save_checkpoint
from hw1.ssl.run_checkpoint import read_run_checkpoint

ONLINE_PREFIX = "backbone."


def export_backbone(checkpoint: str | os.PathLike[str], out_path: str | os.PathLike[str]) -> Path:
    """Write the online backbone of ``checkpoint`` (an ``hw1-ssl/1`` checkpoint) to
    ``out_path`` as a plain state_dict (atomically) and return the path.

    The weights are first loaded strictly into a freshly built backbone of the checkpoint's
    architecture, so a file that would not load later is never written.
    """
    ckpt = read_run_checkpoint(checkpoint)
    state = {k[len(ONLINE_PREFIX) :]: v for k, v in ckpt["state_dict"].items() if k.startswith(ONLINE_PREFIX)}
    backbone = create_backbone(str(ckpt["model"]["backbone"]), weights=None)
    load_backbone_state_dict(backbone, state, source=str(checkpoint))
    plain = {k: v.contiguous() for k, v in backbone_state_dict(backbone).items()}
    return save_checkpoint(plain, out_path)
