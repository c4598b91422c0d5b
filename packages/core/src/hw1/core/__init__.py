"""hw1-core: the pieces every hw1 package stands on.

device and precision choice, seeding, torchrun/DDP helpers, atomic checkpoints with safe loading,
``metrics.jsonl`` and quiet progress bars, safe image opening, and the backbone factory/loader.
"""

from hw1.core.backbone import (
    BackboneLoadReport,
    backbone_state_dict,
    create_backbone,
    extract_state_dict,
    list_backbones,
    load_backbone_file,
    load_backbone_state_dict,
)
from hw1.core.checkpoint import load_checkpoint, save_checkpoint
from hw1.core.device import prepare_model, select_device, to_device_batch
from hw1.core.distributed import (
    DistributedContext,
    all_reduce_mean,
    all_reduce_sum,
    barrier,
    broadcast_buffers,
    cleanup_distributed,
    get_rank,
    get_world_size,
    init_distributed,
    is_main_process,
    rank_zero_only,
    reduce_metrics,
    unwrap_model,
)
from hw1.core.errors import Hw1CheckpointError, Hw1DataError, Hw1Error
from hw1.core.images import is_image_file, list_images, open_image, read_rgb, relative_image_name, to_rgb
from hw1.core.metrics import MetricsLogger, read_metrics
from hw1.core.normalization import IMAGENET_MEAN, IMAGENET_NORMALIZATION, IMAGENET_STD
from hw1.core.precision import autocast, make_grad_scaler, resolve_precision
from hw1.core.progress import progress, progress_enabled
from hw1.core.schedules import WarmupDecay, build_lr_scheduler
from hw1.core.seeding import make_generator, seed_everything, seed_worker

__version__ = "0.1.1"

__all__ = [
    "BackboneLoadReport",
    "DistributedContext",
    "Hw1CheckpointError",
    "Hw1DataError",
    "Hw1Error",
    "IMAGENET_MEAN",
    "IMAGENET_NORMALIZATION",
    "IMAGENET_STD",
    "MetricsLogger",
    "WarmupDecay",
    "all_reduce_mean",
    "all_reduce_sum",
    "autocast",
    "backbone_state_dict",
    "barrier",
    "broadcast_buffers",
    "build_lr_scheduler",
    "cleanup_distributed",
    "create_backbone",
    "extract_state_dict",
    "get_rank",
    "get_world_size",
    "init_distributed",
    "is_image_file",
    "is_main_process",
    "list_backbones",
    "list_images",
    "load_backbone_file",
    "load_backbone_state_dict",
    "load_checkpoint",
    "make_generator",
    "make_grad_scaler",
    "open_image",
    "prepare_model",
    "progress",
    "progress_enabled",
    "rank_zero_only",
    "read_metrics",
    "read_rgb",
    "relative_image_name",
    "reduce_metrics",
    "resolve_precision",
    "save_checkpoint",
    "seed_everything",
    "seed_worker",
    "select_device",
    "to_device_batch",
    "to_rgb",
    "unwrap_model",
]
