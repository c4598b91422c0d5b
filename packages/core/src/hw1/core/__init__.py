"""hw1-core: the pieces every hw1 package stands on.

device and precision choice, seeding, torchrun/DDP helpers, atomic checkpoints with safe loading,
``metrics.jsonl`` and quiet progress bars, safe image opening, and the backbone factory/loader.
"""

from typing import TYPE_CHECKING

# Torch-free modules load at once; the rest (torch, torchvision) on first use (PEP 562), so that
# `import hw1.core` and light commands such as `hw1 seg evaluate` never import torch.
from hw1.core.atomic_files import atomic_write
from hw1.core.csv_files import PREDICTIONS_HEADER, write_csv, write_predictions_csv
from hw1.core.errors import Hw1CheckpointError, Hw1DataError, Hw1Error
from hw1.core.images import is_image_file, list_images, open_image, read_rgb, relative_image_name
from hw1.core.lazy_exports import lazy_exports
from hw1.core.metrics import MetricsLogger, read_metrics
from hw1.core.normalization import IMAGENET_MEAN, IMAGENET_NORMALIZATION, IMAGENET_STD
from hw1.core.progress import progress, progress_enabled
from hw1.core.run_options import RunOptions

__getattr__, __dir__ = lazy_exports(globals())  # the names of the TYPE_CHECKING block below

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time, names loaded on first use
    from hw1.core.backbone import (
        backbone_state_dict,
        create_backbone,
        extract_state_dict,
        load_backbone_file,
        load_backbone_state_dict,
    )
    from hw1.core.checkpoint import load_checkpoint, load_format_checkpoint, save_checkpoint
    from hw1.core.device import prepare_model, select_device, to_device_batch
    from hw1.core.distributed import (
        DistributedContext,
        all_reduce_mean,
        all_reduce_sum,
        barrier,
        broadcast_buffers,
        cleanup_distributed,
        get_world_size,
        init_distributed,
        is_main_process,
        rank_zero_only,
        reduce_metrics,
        unwrap_model,
    )
    from hw1.core.precision import autocast, make_grad_scaler, resolve_precision
    from hw1.core.run import (
        LossMeter,
        RunFolder,
        RunResult,
        build_optimizer,
        decay_groups,
        distributed_run,
        epoch_seed,
        open_run_folder,
        seed_epoch,
    )
    from hw1.core.schedules import WarmupDecay, build_lr_scheduler
    from hw1.core.seeding import make_generator, seed_everything, seed_worker


__version__ = "0.4.0"

__all__ = [
    "DistributedContext",
    "Hw1CheckpointError",
    "Hw1DataError",
    "Hw1Error",
    "IMAGENET_MEAN",
    "IMAGENET_NORMALIZATION",
    "IMAGENET_STD",
    "LossMeter",
    "MetricsLogger",
    "PREDICTIONS_HEADER",
    "RunFolder",
    "RunOptions",
    "RunResult",
    "WarmupDecay",
    "all_reduce_mean",
    "all_reduce_sum",
    "atomic_write",
    "autocast",
    "backbone_state_dict",
    "barrier",
    "broadcast_buffers",
    "build_lr_scheduler",
    "build_optimizer",
    "cleanup_distributed",
    "create_backbone",
    "decay_groups",
    "distributed_run",
    "epoch_seed",
    "extract_state_dict",
    "get_world_size",
    "init_distributed",
    "is_image_file",
    "is_main_process",
    "lazy_exports",
    "list_images",
    "load_backbone_file",
    "load_backbone_state_dict",
    "load_checkpoint",
    "load_format_checkpoint",
    "make_generator",
    "make_grad_scaler",
    "open_image",
    "open_run_folder",
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
    "seed_epoch",
    "seed_everything",
    "seed_worker",
    "select_device",
    "to_device_batch",
    "unwrap_model",
    "write_csv",
    "write_predictions_csv",
]
