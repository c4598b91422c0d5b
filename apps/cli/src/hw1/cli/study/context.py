"""What every step of the study gets: the inputs, the run folder, the profile and the options, plus
the record of what the step did (the equivalent ``hw1`` command lines and notes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from hw1.cli.study.commands import command_line
from hw1.cli.study.layout import StudyData
from hw1.cli.study.profiles import StudyProfile


@dataclass
class StudyContext:
    """Everything a step needs. Steps call library functions; ``record`` keeps the ``hw1`` command
    line that does the same by hand (for ``pipeline.jsonl`` and the report) and ``note`` what a step
    left out without failing (e.g. a setting skipped for want of its backbone file)."""

    data: StudyData
    out: Path
    profile: StudyProfile
    device: str = "auto"
    sam_checkpoint: Path | None = None
    sam_model_type: str = "vit_h"
    commands: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def record(self, *words: Any) -> None:
        """Keep and print ``hw1 WORDS…``, the command line equivalent to the call about to run."""
        self.commands.append(command_line(*words))
        click.echo("    $ " + self.commands[-1])

    def note(self, text: str) -> None:
        """Keep something the report should say about this step (it still counts as run)."""
        self.notes.append(text)

    @property
    def supervised_backbone(self) -> Path:
        """The study's supervised backbone when given, else the stand-in this pipeline trains."""
        if self.data.supervised_backbone.is_file():
            return self.data.supervised_backbone
        return self.out / "supervised" / "backbone.pt"
