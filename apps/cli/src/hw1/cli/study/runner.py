"""Run the study's steps in order, skipping those whose outputs already exist.

Each step declares the files it produces; a step whose outputs are all present is skipped, so
re-running a pipeline resumes where it stopped (a step that was interrupted half-way resumes from
its own last checkpoint, since every training step passes ``resume``). What each step did, with
the equivalent ``hw1`` command lines and any notes (e.g. a classification setting skipped for want
of its backbone file), goes to ``pipeline.jsonl``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from hw1.core import Hw1Error


@dataclass
class Step:
    """One step of the study: a name, the files it writes (relative to the run folder) and the
    function that writes them. A step may decline to run by returning the reason (e.g. SAM
    without a checkpoint); a step with no declared outputs always runs. A step that ran but left
    something out says so in ``ctx.notes``: reported, not fatal."""

    name: str
    title: str
    outputs: Sequence[str]
    run: Callable[[Any], str | None]


@dataclass
class StepRecord:
    name: str
    status: str  # "ran", "skipped", "declined"
    seconds: float = 0.0
    detail: str = ""
    commands: list[str] = field(default_factory=list)


def select_steps(steps: Sequence[Step], only: Sequence[str], skip: Sequence[str]) -> list[Step]:
    """The steps to consider, after ``--only`` / ``--skip`` (unknown names are an error)."""
    names = [s.name for s in steps]
    for name in [*only, *skip]:
        if name not in names:
            raise Hw1Error(f"unknown step {name!r}: choose from {', '.join(names)}")
    return [s for s in steps if (not only or s.name in only) and s.name not in skip]


def run_steps(steps: Sequence[Step], ctx: Any, out_dir: Path, *, force: Sequence[str] = ()) -> list[StepRecord]:
    """Run ``steps`` in order with ``ctx`` (the study context), printing one line per step."""
    from hw1.core import MetricsLogger  # torch: not imported by `hw1 pipeline --help`

    log = MetricsLogger(out_dir / "pipeline.jsonl")
    records = []
    for i, step in enumerate(steps, 1):
        outputs = [out_dir / o for o in step.outputs]
        header = f"[{i}/{len(steps)}] {step.title}"
        if step.name not in force and outputs and all(p.exists() for p in outputs):
            click.echo(f"{header}: done already, skipped")
            record = StepRecord(step.name, "skipped")
        else:
            click.echo(f"{header} …")
            ctx.commands, ctx.notes = [], []
            t0 = time.perf_counter()
            declined = step.run(ctx)
            seconds = time.perf_counter() - t0
            if declined:
                click.echo(f"    not run: {declined}")
                record = StepRecord(step.name, "declined", seconds, declined, list(ctx.commands))
            else:
                missing = [str(p) for p in outputs if not p.exists()]
                if missing:
                    raise RuntimeError(f"step {step.name} finished without writing {', '.join(missing)}")
                for note in ctx.notes:
                    click.echo(f"    note: {note}")
                click.echo(f"    done in {seconds:.0f} s")
                record = StepRecord(step.name, "ran", seconds, "; ".join(ctx.notes), list(ctx.commands))
        log.log(**dataclasses.asdict(record))
        records.append(record)
    return records
