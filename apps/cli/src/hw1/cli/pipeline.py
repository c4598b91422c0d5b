"""``hw1 pipeline`` (the whole study on an ``hw1_data/`` tree) and ``hw1 demo`` (the same on
generated data, sized for a laptop CPU)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from hw1.cli.study.layout import StudyData
from hw1.cli.study.profiles import PROFILES, get_profile
from hw1.cli.study.runner import run_steps, select_steps
from hw1.cli.study.steps import StudyContext, study_steps

SAM_TYPES = ("vit_h", "vit_l", "vit_b")


def _step_names() -> str:
    return ", ".join(s.name for s in study_steps())


def run_pipeline(data: Path, out: Path, profile: str, *, only: tuple[str, ...] = (), skip: tuple[str, ...] = (),
                 device: str = "auto", sam_checkpoint: Path | None = None, sam_model_type: str = "vit_h") -> Path:
    """Run the study's steps on ``data`` into ``out`` and return the report path."""
    study = StudyData(Path(data))
    study.check()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ctx = StudyContext(data=study, out=out, profile=get_profile(profile), device=device,
                       sam_checkpoint=sam_checkpoint, sam_model_type=sam_model_type)
    steps = select_steps(study_steps(), only, skip)
    t0 = time.perf_counter()
    run_steps(steps, ctx, out, force=("report",))
    click.echo(f"study finished in {time.perf_counter() - t0:.0f} s: {out / 'report.md'} and {out / 'report.html'}")
    return out / "report.md"


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


@click.command("pipeline")
@click.option("--data", "data", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The hw1_data/ tree (p1_data/ and p2_data/).")
@click.option("--out", "out", default="runs/study", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--profile", default="full", show_default=True, type=click.Choice(list(PROFILES)),
              help="tiny: a 2-core CPU in minutes; small: a quick GPU run; full: the study's real setting.")
@click.option("--only", default=None, help=f"Comma-separated steps to run, of: {_step_names()}.")
@click.option("--skip", default=None, help="Comma-separated steps to leave out.")
@click.option("--device", default="auto", show_default=True)
@click.option("--sam-checkpoint", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="A Segment Anything checkpoint (e.g. sam_vit_h_4b8939.pth); without it the SAM step is not run.")
@click.option("--sam-model-type", default="vit_h", show_default=True, type=click.Choice(SAM_TYPES))
def pipeline(data: Path, out: Path, profile: str, only: str | None, skip: str | None, device: str,
             sam_checkpoint: Path | None, sam_model_type: str) -> None:
    """Run the whole study: SSL pre-training -> export -> settings A-E -> t-SNE -> segmentation
    models A and B -> validation mIoU -> stage panel -> SAM -> report.md / report.html.

    Each step is skipped when its outputs exist, so re-running resumes (an interrupted training
    step continues from its last checkpoint); --only/--skip pick steps.
    """
    run_pipeline(data, out, profile, only=_csv(only), skip=_csv(skip), device=device,
                 sam_checkpoint=sam_checkpoint, sam_model_type=sam_model_type)


@click.command("demo")
@click.option("--out", "out", default="runs/demo", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--profile", default="tiny", show_default=True, type=click.Choice(list(PROFILES)))
@click.option("--device", default="auto", show_default=True)
@click.pass_context
def demo(ctx: click.Context, out: Path, profile: str, device: str) -> None:
    """Generate a synthetic hw1_data/ tree in OUT/hw1_data and run the pipeline on it
    (profile tiny: about ten minutes on a 2-core CPU). Re-running resumes."""
    from hw1.cli.data import synth

    data = out / "hw1_data"
    if not (data / "p1_data").is_dir() or not (data / "p2_data").is_dir():
        ctx.invoke(synth, out_dir=data, profile=profile)
    run_pipeline(data, out, profile, device=device)
