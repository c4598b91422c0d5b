"""Turn a library config dataclass into the ``hw1`` command line that runs the same thing.

The pipeline calls the libraries directly; it records, for the report and ``pipeline.jsonl``, the
command line a user would type to repeat each step. ``hw1``'s options are generated from the same
config fields by one rule (:mod:`hw1.cli.options`), which this module applies in reverse: field
``num_workers`` is option ``--num-workers`` (:func:`hw1.cli.options.option_name`), a bool field is
``--flag`` / ``--no-flag``, a dict field is one repeatable ``--model-option KEY=VALUE`` /
``--method-option KEY=VALUE`` per item and a list field is one comma-separated value. Only fields
that differ from the dataclass default are written, so a line reads as "the defaults, except …".
``apps/cli/tests/test_study.py`` parses every rendered line back through the real commands.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from typing import Any

from hw1.cli.options import config_fields, field_default, option_name


def _item_value(value: Any) -> str:
    """A ``KEY=VALUE`` value as the option parser reads it back (JSON for lists, bools and None)."""
    if isinstance(value, (bool, list, tuple)) or value is None:
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def option_words(field: str, value: Any) -> list[str]:
    """The words of one option for config field ``field`` set to ``value`` (by this module's rule)."""
    option = option_name(field)
    if isinstance(value, bool):
        return [option if value else "--no-" + option[2:]]
    if isinstance(value, dict):
        return [word for k, v in value.items() for word in (option, f"{k}={_item_value(v)}")]
    if isinstance(value, (list, tuple)):
        return [option, ",".join(str(v) for v in value)]
    return [option, str(value)]


def config_to_args(config: Any, *, skip: Sequence[str] = ()) -> list[str]:
    """The options that reproduce ``config``: one per field that differs from its default (fields in
    ``skip`` are left out, e.g. those a command takes as arguments). A field set to None whose default
    is not None cannot be typed and raises ``ValueError``."""
    args: list[str] = []
    for field in config_fields(config):
        if field.name in skip:
            continue
        value, default = getattr(config, field.name), field_default(field)
        if value == default or (value in ({}, [], ()) and not default):
            continue
        if value is None:
            raise ValueError(f"{type(config).__name__}.{field.name}=None has no command-line spelling")
        args += option_words(field.name, value)
    return args


def command_line(*words: Any) -> str:
    """``hw1 WORDS…`` as one shell-quoted line."""
    return shlex.join(["hw1", *(str(w) for w in words)])
