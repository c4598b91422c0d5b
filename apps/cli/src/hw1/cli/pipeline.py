"""``hw1 pipeline`` (the whole study on an ``hw1_data/`` tree) and ``hw1 demo`` (the same on
generated data, sized for a laptop CPU)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from hw1.cli.options import example
from hw1.cli.study.context import StudyContext
from hw1.cli.study.layout import StudyData
from hw1.cli.study.profiles import PROFILES, StudyProfile, get_profile
from hw1.cli.study.runner import run_steps, select_steps
from hw1.cli.study.steps import study_steps

SAM_TYPES = ("vit_h", "vit_l", "vit_b")
F = TypeVar("F", bound=Callable[..., object])


def run_pipeline(
    data: Path, out_dir: Path, profile: str, *, only: tuple[str, ...] = (), skip: tuple[str, ...] = (), **options: Any
) -> Path:
    """Run the study's steps on ``data`` into ``out_dir`` and return the report path (``options``: the
    :class:`StudyContext`'s ``device``, ``sam_checkpoint`` and ``sam_model_type``)."""
    study = StudyData(Path(data))
    study.check()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ctx = StudyContext(data=study, out=out, profile=get_profile(profile), **options)
    steps = select_steps(study_steps(), only, skip)
    t0 = time.perf_counter()
    run_steps(steps, ctx, out, force=("report",))
    click.echo(f"study finished in {time.perf_counter() - t0:.0f} s: {out / 'report.md'} and {out / 'report.html'}")
    return out / "report.md"


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def _out_dir_options(default: str) -> Callable[[F], F]:
    """``--out-dir`` and its hidden 0.1 spelling ``--out`` (which wins when given)."""
    folder = click.Path(file_okay=False, path_type=Path)
    out_dir = click.option("--out-dir", default=default, show_default=True, type=folder, help="The study's run folder.")
    return lambda fn: out_dir(click.option("--out", "out_alias", default=None, hidden=True, type=folder)(fn))


def _profile_option(default: str, text: str) -> Callable[[F], F]:
    return click.option("--profile", default=default, show_default=True, type=click.Choice(list(PROFILES)), help=text)


@click.command(
    "pipeline",
    epilog=example(
        "hw1 pipeline --data hw1_data --out-dir runs/study --profile small",
        "hw1 pipeline --data hw1_data --out-dir runs/study --only seg_eval,report",
    ),
)
@click.option(
    "--data",
    "data",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The hw1_data/ tree (p1_data/ and p2_data/).",
)
@_out_dir_options("runs/study")
@_profile_option(
    "full",
    "full (default: this command runs the real data): the study's setting; small: a quick GPU run; "
    "tiny: a 2-core CPU in minutes; micro: a smoke test. ('hw1 demo' and 'hw1 data synth' default to tiny: "
    "they generate their data.)",
)
@click.option("--only", help=f"Comma-separated steps to run, of: {', '.join(s.name for s in study_steps())}.")
@click.option("--skip", help="Comma-separated steps to leave out.")
@click.option("--device", default="auto", show_default=True)
@click.option(
    "--sam-checkpoint",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A Segment Anything checkpoint (e.g. sam_vit_h_4b8939.pth); without it the SAM step is not run.",
)
@click.option("--sam-model-type", default="vit_h", show_default=True, type=click.Choice(SAM_TYPES))
def pipeline(
    data: Path, out_dir: Path, out_alias: Path | None, only: str | None, skip: str | None, **options: Any
) -> None:
    """Run the whole study: SSL pre-training -> export -> settings A-E -> t-SNE -> segmentation
    models A and B -> validation mIoU -> stage panel -> SAM -> report.md / report.html.

    Each step is skipped when its outputs exist, so re-running resumes (an interrupted training
    step continues from its last checkpoint); --only/--skip pick steps.
    """
    run_pipeline(data, out_alias or out_dir, only=_csv(only), skip=_csv(skip), **options)


@click.command("demo", epilog=example("hw1 demo --out-dir runs/demo"))
@_out_dir_options("runs/demo")
@_profile_option(
    "tiny",
    "Size of the generated data and of the models (tiny by default: the demo runs on a laptop CPU; "
    "'hw1 pipeline' defaults to full because it runs real data).",
)
@click.option("--device", default="auto", show_default=True)
def demo(out_dir: Path, out_alias: Path | None, profile: str, device: str) -> None:
    """Generate a synthetic hw1_data/ tree in OUT/hw1_data and run the pipeline on it
    (profile tiny: minutes on a 2-core CPU). Re-running resumes."""
    out = out_alias or out_dir
    data = out / "hw1_data"
    if not (data / "p1_data").is_dir() or not (data / "p2_data").is_dir():
        generate_study_data(data, get_profile(profile))
    run_pipeline(data, out, profile, device=device)


def generate_study_data(root: Path, profile: StudyProfile, seed: int = 0) -> Path:
    """Write a synthetic ``hw1_data/`` tree of ``profile``'s sizes (what ``hw1 data synth`` writes):
    ``p1_data`` (Office-Home- and Mini-ImageNet-shaped sets) and ``p2_data`` (satellite pairs)."""
    from hw1.classification import make_synthetic_classification
    from hw1.segmentation.synthetic import make_synthetic_segmentation

    click.echo(f"generating the {profile.name} data set in {root} …")
    make_synthetic_classification(root / "p1_data", seed=seed, **profile.synth_cls)
    make_synthetic_segmentation(root / "p2_data", seed=seed, overwrite=True, **profile.synth_seg)
    return root
