"""``hw1 viz``: Figures: t-SNE, mask overlays, stage panels, training curves, confusion matrices.

hw1-viz draws arrays; this module reads the study's files (masks through hw1-segmentation's
codec, stage checkpoints through its Predictor) and hands the arrays over. A
:class:`~hw1.viz.VizInputError` becomes a :class:`~hw1.core.Hw1DataError` (one line, exit 2).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from hw1.core import Hw1CheckpointError, Hw1DataError

F = TypeVar("F", bound=Callable[..., Any])

#: Validation images the study shows at each training stage.
DEFAULT_STAGE_IDS = ("0013", "0062", "0104")
#: Stage checkpoints a segmentation run writes, in column order.
STAGES = ("early", "middle", "final")


def _viz_errors(func: F) -> F:
    """Run a command body, turning hw1-viz's input errors into the CLI's one-line error."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from hw1.viz import VizInputError

        try:
            return func(*args, **kwargs)
        except VizInputError as exc:
            raise Hw1DataError(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


@click.group()
def viz() -> None:
    """Figures: t-SNE, mask overlays, stage panels, training curves, confusion matrices."""


@viz.command("tsne")
@click.argument("first", type=click.Path(path_type=Path))
@click.argument("last", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--method", default="tsne", show_default=True, type=click.Choice(["tsne", "pca"]),
              help="t-SNE (openTSNE; PCA to 50 dims first) or plain PCA.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--titles", default="first epoch,last epoch", show_default=True, help="Two comma-separated panel titles.")
@click.option("--jobs", default=2, show_default=True, type=click.IntRange(min=1), help="t-SNE threads.")
@click.option("--scores", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the silhouette scores to this JSON file (silhouette_first, silhouette_last).")
@_viz_errors
def viz_tsne(first: Path, last: Path, out: Path, method: str, seed: int, titles: str, jobs: int,
             scores: Path | None) -> None:
    """Side-by-side 2-D embeddings of two feature files (FIRST.npz, LAST.npz: features, labels,
    filenames, as written by 'hw1 cls train'), coloured by class, silhouette score in each title."""
    from hw1.viz import plot_embedding_comparison, read_feature_file

    names = [t.strip() for t in titles.split(",")]
    if len(names) != 2:
        raise click.BadParameter("give exactly two titles, e.g. 'epoch 1,epoch 30'", param_hint="--titles")
    result = plot_embedding_comparison([read_feature_file(first), read_feature_file(last)], out,
                                       titles=names, method=method, seed=seed, n_jobs=jobs)
    for title, sil in zip(names, result.silhouettes, strict=True):
        click.echo(f"{title}: silhouette {sil:.4f} (2-D {method})")
    if scores is not None:
        scores.parent.mkdir(parents=True, exist_ok=True)
        scores.write_text(json.dumps({
            "method": method, "titles": names, "first": str(first), "last": str(last),
            "silhouette_first": float(result.silhouettes[0]), "silhouette_last": float(result.silhouettes[1]),
        }, indent=1) + "\n", encoding="utf-8")
    click.echo(f"wrote {result.path}")


@viz.command("overlay")
@click.argument("image", type=click.Path(path_type=Path))
@click.argument("mask", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--edge-width", default=5, show_default=True, type=click.IntRange(min=0), help="Opaque class-edge width in pixels.")
@click.option("--alpha", "inner_alpha", default=0.3, show_default=True, type=click.FloatRange(0, 1),
              help="Share of class colour inside regions (official: 0.3).")
@click.option("--legend/--no-legend", default=True, show_default=True,
              help="Figure with a class legend, or the bare overlay at the image's size.")
@click.option("--red", default="error", show_default=True, type=click.Choice(["error", "unknown"]),
              help="Red mask pixels (no class in the official decoding): refuse, or treat as Unknown.")
@_viz_errors
def viz_overlay(image: Path, mask: Path, out: Path, edge_width: int, inner_alpha: float, legend: bool, red: str) -> None:
    """Draw MASK (an RGB class mask, e.g. xxxx_mask.png) over IMAGE in the official viz_mask.py
    look: 0.7·image + 0.3·class colour inside regions, opaque class-colour edges."""
    from hw1.core import read_rgb
    from hw1.segmentation import CLASS_NAMES, PALETTE, read_mask
    from hw1.viz import save_mask_overlay

    rgb = read_rgb(image)
    labels = read_mask(mask, red=red)
    if labels.shape != rgb.shape[:2]:
        raise Hw1DataError(f"{mask}: mask is {labels.shape[1]}x{labels.shape[0]} but {image.name} is "
                           f"{rgb.shape[1]}x{rgb.shape[0]}; pass the mask of this image")
    path = save_mask_overlay(rgb, labels, PALETTE, out, class_names=CLASS_NAMES, legend=legend,
                             title=image.name if legend else None, inner_alpha=inner_alpha,
                             edge_width=edge_width)
    click.echo(f"wrote {path}")


def _stage_data_dir(data_dir: Path) -> Path:
    """DATA_DIR itself, or its validation/ split when given the p2_data root."""
    if (data_dir / "validation").is_dir() and not any(data_dir.glob("*_sat.jpg")):
        return data_dir / "validation"
    return data_dir


@viz.command("stages")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.argument("data_dir", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--ids", default=None, help="Comma-separated image ids [default: 0013,0062,0104, or the "
              "first three ids of DATA_DIR when those are missing].")
@click.option("--device", default="auto", show_default=True)
@_viz_errors
def viz_stages(run_dir: Path, data_dir: Path, out: Path, ids: str | None, device: str) -> None:
    """Panel of predictions at the early, middle and final stage of a segmentation run.

    RUN_DIR holds stage_early.pt, stage_middle.pt, stage_final.pt (written by 'hw1 seg train');
    DATA_DIR holds xxxx_sat.jpg (+ xxxx_mask.png for the ground-truth column), e.g.
    p2_data/validation. Rows: images; columns: image, ground truth, early, middle, final.
    """
    from hw1.core import read_rgb
    from hw1.segmentation import CLASS_NAMES, PALETTE, read_mask
    from hw1.segmentation.predict import Predictor
    from hw1.viz import stage_panel

    checkpoints = {stage: run_dir / f"stage_{stage}.pt" for stage in STAGES}
    missing = [p.name for p in checkpoints.values() if not p.is_file()]
    if missing:
        raise Hw1CheckpointError(f"{run_dir}: missing {', '.join(missing)}; pass the run directory of "
                                 "'hw1 seg train' (it writes the stage checkpoints)")
    folder = _stage_data_dir(data_dir)
    if not folder.is_dir():
        raise Hw1DataError(f"{data_dir}: folder not found; pass p2_data/validation")
    available = sorted(p.name[: -len("_sat.jpg")] for p in folder.glob("*_sat.jpg"))
    if ids:
        chosen = [i.strip() for i in ids.split(",") if i.strip()]
    else:
        chosen = list(DEFAULT_STAGE_IDS) if set(DEFAULT_STAGE_IDS) <= set(available) else available[:3]
    absent = [i for i in chosen if i not in available]
    if absent or not chosen:
        raise Hw1DataError(f"{folder}: no image for id(s) {', '.join(absent) or '(none)'}; "
                           f"pass --ids from those present (e.g. {', '.join(available[:3])})")
    images = [read_rgb(folder / f"{i}_sat.jpg") for i in chosen]
    truths = [read_mask(folder / f"{i}_mask.png") if (folder / f"{i}_mask.png").is_file() else None
              for i in chosen]
    predictions = {}
    for stage, ckpt in checkpoints.items():
        predictor = Predictor(ckpt, device=device)
        predictions[stage] = [predictor.predict_array(img) for img in images]
        del predictor
    path = stage_panel(images, truths, predictions, PALETTE, out, row_titles=chosen, class_names=CLASS_NAMES)
    click.echo(f"wrote {path} ({len(chosen)} images x {len(STAGES)} stages)")


@viz.command("curves")
@click.argument("metrics", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--title", default=None, help="Figure title [default: the run folder's name].")
@_viz_errors
def viz_curves(metrics: Path, out: Path, title: str | None) -> None:
    """Training curves from METRICS (a metrics.jsonl, or a run directory holding one): panels for
    loss, accuracy/IoU, learning rate, per-class values and any other changing metric; train solid,
    validation dashed."""
    from hw1.viz import plot_training_curves, read_metrics_jsonl

    if metrics.is_dir():
        metrics = metrics / "metrics.jsonl"
    path = plot_training_curves(read_metrics_jsonl(metrics), out, title=title or metrics.parent.name)
    click.echo(f"wrote {path}")


def _read_confusion(path: Path) -> tuple[Any, list[str] | None]:
    """(matrix, class names or None) from 'hw1 seg evaluate --json' output, a bare JSON matrix, or .npy."""
    import numpy as np

    if not path.is_file():
        raise Hw1DataError(f"{path}: file not found; pass the output of 'hw1 seg evaluate --json'")
    if path.suffix == ".npy":
        try:
            return np.load(path, allow_pickle=False), None
        except (OSError, ValueError) as exc:
            raise Hw1DataError(f"{path}: not a readable .npy matrix ({exc})") from exc
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Hw1DataError(f"{path}: not JSON ({exc}); pass the output of 'hw1 seg evaluate --json'") from exc
    if isinstance(doc, list):
        return doc, None
    if isinstance(doc, dict) and "confusion" in doc:
        per_class = doc.get("per_class_iou")
        names = list(per_class) if isinstance(per_class, dict) and len(per_class) == len(doc["confusion"]) else None
        return doc["confusion"], names
    raise Hw1DataError(f"{path}: no 'confusion' matrix in the JSON; write it with 'hw1 seg evaluate --json'")


@viz.command("confusion")
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--title", default=None, help="Figure title.")
@_viz_errors
def viz_confusion(source: Path, out: Path, title: str | None) -> None:
    """Confusion matrix and per-class IoU from SOURCE: the JSON of 'hw1 seg evaluate --json'
    (its 'confusion' counts, rows = ground truth), a bare JSON matrix or a .npy. For the 7
    land-cover classes the mIoU line is the official mean over classes 0-5."""
    import numpy as np

    from hw1.segmentation import CLASS_NAMES, MIOU_CLASSES
    from hw1.viz import plot_confusion

    matrix, names = _read_confusion(source)
    try:
        matrix = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise Hw1DataError(f"{source}: the confusion matrix is not a square table of numbers ({exc})") from exc
    seven = matrix.ndim == 2 and matrix.shape == (len(CLASS_NAMES), len(CLASS_NAMES))
    path = plot_confusion(matrix, out, class_names=names or (CLASS_NAMES if seven else None),
                          miou_classes=MIOU_CLASSES if seven else None, title=title)
    click.echo(f"wrote {path}")
