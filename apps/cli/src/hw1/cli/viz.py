"""``hw1 viz``: Figures: t-SNE, mask overlays, stage panels, training curves, confusion matrices.

hw1-viz draws arrays; the libraries that write the study's files read them (masks and eval.json
through hw1-segmentation's codec and evaluate module, stage masks through its stages module) and
this module hands the arrays over. A :class:`~hw1.viz.VizInputError` is bad input like an
:class:`~hw1.core.Hw1DataError` (one line, exit 2: :mod:`hw1.cli.errors`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hw1.cli.options import example, red_option


@click.group(epilog=example("hw1 viz stages runs/seg_a hw1_data/p2_data/validation stages.png"))
def viz() -> None:
    """Figures: t-SNE, mask overlays, stage panels, training curves, confusion matrices."""


@viz.command(
    "tsne",
    epilog=example(
        "hw1 viz tsne runs/cls_C/features_first.npz runs/cls_C/features_last.npz tsne.png --scores tsne.json"
    ),
)
@click.argument("first", type=click.Path(path_type=Path))
@click.argument("last", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--method",
    default="tsne",
    show_default=True,
    type=click.Choice(["tsne", "pca"]),
    help="t-SNE (openTSNE; PCA to 50 dims first) or plain PCA.",
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--titles", default="first epoch,last epoch", show_default=True, help="Two comma-separated panel titles.")
@click.option("--jobs", default=2, show_default=True, type=click.IntRange(min=1), help="t-SNE threads.")
@click.option(
    "--scores",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the silhouette scores to this JSON file (silhouette_first, silhouette_last).",
)
def viz_tsne(
    first: Path, last: Path, out: Path, method: str, seed: int, titles: str, jobs: int, scores: Path | None
) -> None:
    """Side-by-side 2-D embeddings of two feature files (FIRST.npz, LAST.npz: features, labels,
    filenames, as written by 'hw1 cls train'), coloured by class, silhouette score in each title."""
    names = [t.strip() for t in titles.split(",")]
    if len(names) != 2:
        raise click.BadParameter("give exactly two titles, e.g. 'epoch 1,epoch 30'", param_hint="--titles")
    result = draw_embeddings(first, last, out, names, scores, method=method, seed=seed, n_jobs=jobs)
    for title, sil in zip(names, result.silhouettes, strict=True):
        click.echo(f"{title}: silhouette {sil:.4f} (2-D {method})")
    click.echo(f"wrote {result.path}")


def draw_embeddings(first: Path, last: Path, out: Path, titles: list[str], scores: Path | None, **options: Any) -> Any:
    """Embed feature files ``first`` and ``last`` side by side into ``out`` (``options``: those of
    :func:`hw1.viz.plot_embedding_comparison`), their silhouettes into ``scores`` as JSON when given."""
    from hw1.viz import plot_embedding_comparison, read_feature_file

    result = plot_embedding_comparison([read_feature_file(p) for p in (first, last)], out, titles=titles, **options)
    if scores is not None:
        result.write_scores(scores, titles=titles, first=first, last=last)
    return result


@viz.command(
    "overlay",
    epilog=example(
        "hw1 viz overlay hw1_data/p2_data/validation/0013_sat.jpg runs/seg_b/pred/0013_mask.png overlay.png"
    ),
)
@click.argument("image", type=click.Path(path_type=Path))
@click.argument("mask", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--edge-width", default=5, show_default=True, type=click.IntRange(min=0), help="Opaque class-edge width in pixels."
)
@click.option(
    "--alpha",
    "inner_alpha",
    default=0.3,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Share of class colour inside regions (official: 0.3).",
)
@click.option(
    "--legend/--no-legend",
    default=True,
    show_default=True,
    help="Figure with a class legend, or the bare overlay at the image's size.",
)
@red_option()
def viz_overlay(
    image: Path, mask: Path, out: Path, edge_width: int, inner_alpha: float, legend: bool, red: str
) -> None:
    """Draw MASK (an RGB class mask, e.g. xxxx_mask.png) over IMAGE in the official viz_mask.py
    look: 0.7·image + 0.3·class colour inside regions, opaque class-colour edges."""
    from hw1.core import read_rgb

    path = draw_mask_overlay(
        read_rgb(image), image.name, mask, out, legend=legend, red=red, inner_alpha=inner_alpha, edge_width=edge_width
    )
    click.echo(f"wrote {path}")


def draw_mask_overlay(
    rgb: Any, name: str, mask: Path, out: Path, *, legend: bool = True, red: str = "error", **style: Any
) -> Path:
    """Draw the class mask file ``mask`` over image ``name`` (pixels ``rgb``) into ``out`` (``style``:
    :func:`hw1.viz.save_mask_overlay`'s); :class:`~hw1.core.Hw1DataError` when the sizes differ."""
    from hw1.core import Hw1DataError
    from hw1.segmentation import CLASS_NAMES, PALETTE, read_mask
    from hw1.viz import save_mask_overlay

    labels = read_mask(mask, red=red)
    if labels.shape != rgb.shape[:2]:
        raise Hw1DataError(
            f"{mask}: mask is {labels.shape[1]}x{labels.shape[0]} but {name} is "
            f"{rgb.shape[1]}x{rgb.shape[0]}; pass the mask of this image"
        )
    return save_mask_overlay(
        rgb, labels, PALETTE, out, class_names=CLASS_NAMES, legend=legend, title=name if legend else None, **style
    )


@viz.command("stages", epilog=example("hw1 viz stages runs/seg_a hw1_data/p2_data/validation stages.png"))
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.argument("data_dir", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--ids",
    help="Comma-separated image ids [default: 0013,0062,0104, or the "
    "first three ids of DATA_DIR when those are missing].",
)
@click.option("--device", default="auto", show_default=True)
def viz_stages(run_dir: Path, data_dir: Path, out: Path, ids: str | None, device: str) -> None:
    """Panel of predictions at the early, middle and final stage of a segmentation run.

    RUN_DIR holds the stage checkpoints 'hw1 seg train' writes; DATA_DIR holds xxxx_sat.jpg
    (+ xxxx_mask.png for the ground-truth column), e.g. p2_data/validation. Rows: images;
    columns: image, ground truth, one per stage.
    """
    chosen = [i for i in (ids or "").split(",") if i.strip()] or None
    path, stages = draw_stage_panel(run_dir, data_dir, out, ids=chosen, device=device)
    click.echo(f"wrote {path} ({len(stages.ids)} images x {len(stages.predictions)} stages)")


def draw_stage_panel(
    run_dir: Path, data_dir: Path, out: Path, *, ids: list[str] | None = None, device: str = "auto"
) -> tuple[Path, Any]:
    """Predict ``data_dir``'s images ``ids`` (default: the study's) with the stage checkpoints of
    ``run_dir`` and draw the panel into ``out``; (its path, the :class:`StagePredictions`)."""
    from hw1.segmentation import CLASS_NAMES, PALETTE
    from hw1.segmentation.stages import predict_stages
    from hw1.viz import stage_panel

    stages = predict_stages(run_dir, data_dir, ids=ids, device=device)
    path = stage_panel(
        stages.images, stages.truths, stages.predictions, PALETTE, out, row_titles=stages.ids, class_names=CLASS_NAMES
    )
    return path, stages


@viz.command("curves", epilog=example("hw1 viz curves runs/seg_b curves.png"))
@click.argument("metrics", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--title", help="Figure title [default: the run folder's name].")
def viz_curves(metrics: Path, out: Path, title: str | None) -> None:
    """Training curves from METRICS (a metrics.jsonl, or a run directory holding one): panels for
    loss, accuracy/IoU, learning rate, per-class values and any other changing metric; train solid,
    validation dashed."""
    click.echo(f"wrote {draw_curves(metrics, out, title)}")


def draw_curves(metrics: Path, out: Path, title: str | None = None) -> Path:
    """Draw the training curves of ``metrics`` (a metrics.jsonl, or the run folder holding one) into
    ``out``, titled ``title`` or the run folder's name; :class:`~hw1.core.Hw1DataError` for an empty log."""
    from hw1.core import Hw1DataError, read_metrics
    from hw1.viz import plot_training_curves

    metrics = metrics / "metrics.jsonl" if metrics.is_dir() else metrics
    records = read_metrics(metrics)
    if not records:
        raise Hw1DataError(f"{metrics}: no metric records; has the run logged an epoch yet?")
    return plot_training_curves(records, out, title=title or metrics.parent.name)


def _read_confusion(path: Path) -> Any:
    """The confusion matrix of an eval.json ('hw1 seg evaluate --out' or '--json') or a .npy."""
    import numpy as np

    from hw1.core import Hw1DataError

    if path.suffix == ".npy":
        if not path.is_file():
            raise Hw1DataError(
                f"{path}: file not found; pass an eval.json of 'hw1 seg evaluate --out' or a .npy matrix"
            )
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise Hw1DataError(f"{path}: not a readable .npy matrix ({exc})") from exc
    from hw1.segmentation.evaluate import read_evaluation

    return read_evaluation(path).metrics.confusion


@viz.command(
    "confusion",
    epilog=example(
        "hw1 seg evaluate hw1_data/p2_data/validation runs/seg_b/pred --out eval.json",
        "hw1 viz confusion eval.json confusion.png",
    ),
)
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--title", help="Figure title.")
def viz_confusion(source: Path, out: Path, title: str | None) -> None:
    """Confusion matrix and per-class IoU from SOURCE: the eval.json of 'hw1 seg evaluate --out'
    (or its --json output; rows = ground truth) or a .npy matrix. For the 7
    land-cover classes the mIoU line is the official mean over classes 0-5."""
    import numpy as np

    from hw1.core import Hw1DataError
    from hw1.segmentation import CLASS_NAMES, MIOU_CLASSES
    from hw1.viz import plot_confusion

    matrix = _read_confusion(source)
    try:
        matrix = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise Hw1DataError(f"{source}: the confusion matrix is not a square table of numbers ({exc})") from exc
    seven = matrix.ndim == 2 and matrix.shape == (len(CLASS_NAMES), len(CLASS_NAMES))
    path = plot_confusion(
        matrix,
        out,
        class_names=CLASS_NAMES if seven else None,
        miou_classes=MIOU_CLASSES if seven else None,
        title=title,
    )
    click.echo(f"wrote {path}")
