"""Command groups that import their commands only when one is used (Click's documented LazyGroup
pattern), and that degrade by package: a command whose hw1 library is not installed is still
listed, with the line that installs it, and using it prints that line and exits 2.

``hw1 --help`` therefore imports click and this module only; no library, no torch.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any

import click

from hw1.cli.errors import Hw1Group, fail


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives (``"module:attr"``), the libraries it needs (import names, e.g.
    ``hw1.segmentation``) and, optionally, its one-line summary so that listing it imports nothing."""

    target: str
    requires: tuple[str, ...] = ()
    summary: str | None = None


@functools.cache
def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def missing_packages(requires: tuple[str, ...]) -> list[str]:
    """The import names in ``requires`` that cannot be found (without importing them)."""
    return [name for name in requires if not _installed(name)]


def install_line(missing: list[str]) -> str:
    """``pip install hw1-segmentation …`` for the missing import names (``hw1.x`` ships as ``hw1-x``)."""
    return "pip install " + " ".join(name.replace(".", "-") for name in missing)


def _not_installed(name: str, line: str) -> click.Command:
    """A stand-in for a command whose library is missing: any use prints the install line."""

    def callback() -> None:
        fail(f"'hw1 {name}' needs a package that is not installed: {line}")

    return click.Command(
        name,
        callback=callback,
        help=f"Not installed: {line}",
        add_help_option=False,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


class LazyGroup(Hw1Group):
    """A group whose commands are named in ``lazy`` and imported on first use."""

    def __init__(self, *args: Any, lazy: dict[str, LazyCommand] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name``, imported on first use (a stand-in that prints the install line
        when its library is missing); None for a name this group does not know."""
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return self.commands.get(cmd_name)
        entry = self.lazy[cmd_name]
        missing = missing_packages(entry.requires)
        if missing:
            return _not_installed(cmd_name, install_line(missing))
        module_name, attr = entry.target.split(":", 1)
        self.commands[cmd_name] = getattr(importlib.import_module(module_name), attr)
        return self.commands[cmd_name]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands; those with a static summary are not imported, missing ones say how
        to install them."""
        rows = []
        for name in self.list_commands(ctx):
            entry = None if name in self.commands else self.lazy[name]
            missing = missing_packages(entry.requires) if entry else []
            if missing:
                rows.append((name, f"(not installed: {install_line(missing)}) {entry.summary or ''}".strip()))
            elif entry and entry.summary is not None:
                rows.append((name, entry.summary))
            elif not (command := self.get_command(ctx, name)).hidden:
                rows.append((name, command.get_short_help_str(limit=formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
