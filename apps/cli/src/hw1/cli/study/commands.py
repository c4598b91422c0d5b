"""Turn a library config dataclass into the ``hw1`` command line that runs it.

Click options map onto config fields 1:1, so the command line is derived from the Click command
itself: every field that differs from the option's default becomes the option of the same name.
The pipeline runs exactly these command lines (in-process) and the report lists them verbatim, so a
user can re-run any step by hand.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import click


def _option_for(command: click.Command, field: str) -> click.Option | None:
    for param in command.params:
        if isinstance(param, click.Option) and (param.name or "").rstrip("_") == field:
            return param
    return None


def _render(option: click.Option, value: Any) -> list[str]:
    if option.is_flag:
        if option.secondary_opts:
            return [option.opts[0] if value else option.secondary_opts[0]]
        return [option.opts[0]] if value else []
    if option.multiple:  # repeated option, e.g. --method-option k=v --method-option k2=v2
        items = [f"{k}={v}" for k, v in value.items()] if isinstance(value, dict) else list(value)
        return [word for item in items for word in (option.opts[0], str(item))]
    if isinstance(value, dict):
        value = ",".join(f"{k}={v}" for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    return [option.opts[0], str(value)]


def config_to_args(command: click.Command, config: Any, *, skip: Sequence[str] = ()) -> list[str]:
    """The options of ``command`` that reproduce ``config``: one per field that differs from its
    default (fields in ``skip`` are left out, e.g. those passed as arguments). A field that the
    command has no option for raises ``ValueError``: the pipeline never runs a setting the user
    could not type."""
    args: list[str] = []
    ctx = click.Context(command)
    for f in dataclasses.fields(config):
        if f.name in skip:
            continue
        value = getattr(config, f.name)
        option = _option_for(command, f.name)
        if option is None:
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
            if value != default:
                raise ValueError(f"'{command.name}' has no option for {type(config).__name__}.{f.name}")
            continue
        # Compare with the option's default, which is what the command would use if left out.
        default = option.get_default(ctx, call=True)
        if value == default or (value in (None, {}, [], ()) and not default):
            continue
        args += _render(option, value)
    return args
