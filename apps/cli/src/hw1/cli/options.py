"""Click options generated from a config dataclass: the dataclass is the single source of every
option's name, type, default and help (the field's attribute docstring).

Rules (also what ``hw1.cli.study`` relies on to render a config back into a command line): field
``foo_bar`` is option ``--foo-bar`` with the field name as its parameter name; ``bool`` fields are
``--foo/--no-foo`` flags; ``dict`` fields are repeatable ``KEY=VALUE`` options named for one item
(``model_kwargs`` is ``--model-option``); ``list`` fields take comma-separated values. Old spellings stay
as hidden aliases (``--out`` for ``--out-dir`` …).

The options are built when the command is first used, not when its group is listed, so
``hw1 ssl --help`` does not import hw1.ssl (nor torch).
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import inspect
import json
import re
import textwrap
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import click

#: Old field names and their canonical replacement (a library still on the old name keeps working).
CANONICAL_FIELDS = {"out": "out_dir", "workers": "num_workers", "sync_bn": "sync_batchnorm"}
#: Hidden aliases every generated command accepts, by canonical field: the spellings of hw1-cli 0.1.
HIDDEN_ALIASES = {"out_dir": "--out", "num_workers": "--workers", "sync_batchnorm": "--sync-bn"}
#: Dict fields whose repeatable ``KEY=VALUE`` option is named for one item, not for the field.
ITEM_OPTIONS = {"model_kwargs": "--model-option", "method_options": "--method-option"}
#: Choices of the fields every training config inherits from ``hw1.core.RunOptions``, from the library that
#: resolves them (imported when options are built); a command's own ``choices`` come on top.
RUN_CHOICES = {"precision": "hw1.core.choices:PRECISION_CHOICES"}
_ALIAS_PREFIX = "alias__"
#: The keyword arguments of :func:`config_options` that :class:`ConfigCommand` passes on.
_SPEC = ("exclude", "required", "choices", "overrides")
#: Parameter sources that mean the user did not give the option.
_NOT_GIVEN = (None, click.core.ParameterSource.DEFAULT, click.core.ParameterSource.DEFAULT_MAP)
_LITERALS = {"true": True, "false": False, "none": None, "null": None}


def example(*command_lines: str) -> str:
    """A command's ``--help`` epilog: ``Example:`` and the command lines, kept unwrapped."""
    return "\b\nExample:\n" + "\n".join(f"  {line}" for line in command_lines)


#: ``hw1.segmentation.codec.RED_CHOICES``, spelled here so that ``--help`` imports no library.
RED_CHOICES: tuple[str, ...] = ("error", "unknown")


def red_option() -> Callable[[Any], Any]:
    """``--red error|unknown`` of the commands that read masks: what red pixels (the one colour the
    official decoding maps to no class) become."""
    return click.option(
        "--red",
        default="error",
        show_default=True,
        type=click.Choice(RED_CHOICES),
        help="Red mask pixels (no class in the official decoding): refuse them, or count them as Unknown.",
    )


def resolve(target: str | Any) -> Any:
    """``"module:attr"`` to the object (anything else is returned as is)."""
    if not isinstance(target, str):
        return target
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


@functools.cache
def field_docs(config_cls: type) -> dict[str, str]:
    """The attribute docstrings of a dataclass (the string literal right after each field), as one
    line each; fields without one are absent."""
    docs: dict[str, str] = {}
    for klass in reversed(config_cls.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for node, following in zip(body, body[1:], strict=False):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                docs[node.target.id] = " ".join(following.value.value.replace("``", "").split())
    return docs


def parse_value(raw: str) -> Any:
    """One ``VALUE`` of ``KEY=VALUE``: JSON when it parses (numbers, ``[32,16]``), Python's and
    JSON's ``True``/``false``/``None``/``null``, else the string itself."""
    text = raw.strip()
    if text.lower() in _LITERALS:
        return _LITERALS[text.lower()]
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_key_values(items: Sequence[str], option: str) -> dict[str, Any]:
    """``("width=0.25", "decoder_channels=[32,16]")`` to a dict (values by :func:`parse_value`)."""
    from hw1.core.errors import Hw1Error

    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise Hw1Error(f"{option} {item!r}: expected KEY=VALUE, e.g. {option} hidden_dim=1024")
        out[key.strip().replace("-", "_")] = parse_value(raw)
    return out


def _comma_pairs(value: str | None) -> list[str]:
    """``a=1,b=[1,2]`` split on the commas outside brackets (the 0.1 ``--model-kwargs`` syntax)."""
    return [s.strip() for s in re.split(r",(?![^\[]*\])", value or "") if s.strip()]


def _base_type(annotation: Any) -> Any:
    """The annotation without ``None`` (``str`` for a union of several types)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else str
    return annotation


def config_fields(config_cls: Any) -> list[dataclasses.Field]:
    """The fields of a config dataclass (or instance), those its own class declares first: a command's
    own options come before the run options it inherits (``hw1.core.run_options.RunOptions``)."""
    own = list(inspect.get_annotations(config_cls if isinstance(config_cls, type) else type(config_cls)))
    return sorted(dataclasses.fields(config_cls), key=lambda f: own.index(f.name) if f.name in own else len(own))


def field_default(f: dataclasses.Field) -> Any:
    """The default value of dataclass field ``f`` (its factory called), or ``dataclasses.MISSING``."""
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


def _list_callback(item_type: Any) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def convert(_ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None or isinstance(value, list):
            return value
        try:
            return [item_type(v) for v in str(value).split(",") if v.strip()]
        except ValueError as exc:
            raise click.BadParameter(f"{value!r}: expected comma-separated {item_type.__name__} values") from exc

    return convert


def _dict_callback(option: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def convert(_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        return value if isinstance(value, dict) else parse_key_values(value or (), option)

    return convert


def option_name(field_name: str) -> str:
    """``num_workers`` → ``--num-workers`` (the canonical spelling of an old field name), ``model_kwargs`` →
    ``--model-option`` (:data:`ITEM_OPTIONS`)."""
    canonical = CANONICAL_FIELDS.get(field_name, field_name)
    return ITEM_OPTIONS.get(canonical) or "--" + canonical.replace("_", "-")


def config_options(
    config_cls: type,
    *,
    exclude: Sequence[str] = (),
    required: Sequence[str] = (),
    choices: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[click.Option]:
    """One Click option per field of ``config_cls`` (plus hidden aliases of old spellings).

    ``choices`` maps a field to its allowed values (a sequence or ``"module:attr"`` of one);
    ``overrides`` passes extra ``click.Option`` arguments for a field.
    """
    hints = typing.get_type_hints(config_cls)
    docs = field_docs(config_cls)
    options: list[click.Option] = []
    for f in config_fields(config_cls):
        if f.name in exclude:
            continue
        canonical = CANONICAL_FIELDS.get(f.name, f.name)
        flag = option_name(f.name)
        base = _base_type(hints.get(f.name, str))
        default = field_default(f)
        default = None if default is dataclasses.MISSING else default
        kwargs: dict[str, Any] = {"help": docs.get(f.name), "required": f.name in required}
        if not kwargs["required"]:
            kwargs["default"] = default
            kwargs["show_default"] = default not in (None, "", {}, [])
        origin = typing.get_origin(base) or base
        decl = f"{flag}/--no-{flag[2:]}" if base is bool else flag
        if origin is dict:
            kwargs.update(multiple=True, metavar="KEY=VALUE", callback=_dict_callback(flag), show_default=False)
            kwargs["default"] = ()
        elif origin in (list, tuple):
            item = (typing.get_args(base) or (str,))[0]
            kwargs.update(type=click.STRING, metavar="A,B,…", callback=_list_callback(item))
        elif base is not bool:
            allowed = {**RUN_CHOICES, **(choices or {})}.get(f.name)
            if allowed is not None:
                allowed = resolve(allowed)
                kwargs["type"] = click.Choice(list(allowed() if callable(allowed) else allowed), case_sensitive=False)
            elif base in (int, float, str):
                kwargs["type"] = base
        kwargs.update((overrides or {}).get(f.name, {}))
        options.append(click.Option([decl, canonical], **kwargs))
        alias = HIDDEN_ALIASES.get(canonical)
        if alias and alias != flag:
            alias_decl, alias_type = (
                (f"{alias}/--no-{alias[2:]}", None) if base is bool else (alias, kwargs.get("type"))
            )
            options.append(
                click.Option([alias_decl, _ALIAS_PREFIX + canonical], hidden=True, default=None, type=alias_type)
            )
    return options


def hidden_alias(decl: str, target: str, **kwargs: Any) -> Callable[[Any], Any]:
    """Decorator adding a hidden option ``decl`` that stands for parameter ``target`` (an old
    spelling); :func:`config_values` merges it."""
    return click.option(decl, _ALIAS_PREFIX + target, hidden=True, default=None, **kwargs)


def config_values(values: dict[str, Any], config_cls: type | None = None) -> dict[str, Any]:
    """The command's parameter values as keyword arguments of ``config_cls``: hidden aliases merged
    into their field (an explicitly given canonical option wins) and canonical names mapped back to
    a library that still uses the old field name."""
    ctx = click.get_current_context(silent=True)
    out = {k: v for k, v in values.items() if not k.startswith(_ALIAS_PREFIX)}
    for key, value in values.items():
        if not key.startswith(_ALIAS_PREFIX) or value is None:
            continue
        target = key[len(_ALIAS_PREFIX) :]
        explicit = ctx is not None and ctx.get_parameter_source(target) not in _NOT_GIVEN
        if target == "model_kwargs" and isinstance(value, str):  # 0.1 syntax: a=1,b=2
            value = {**parse_key_values(_comma_pairs(value), "--model-kwargs"), **out.get(target, {})}
            explicit = False
        if not explicit:
            out[target] = value
    if config_cls is None:
        return out
    fields = {f.name for f in dataclasses.fields(config_cls)}
    for old, new in CANONICAL_FIELDS.items():
        if new in out and new not in fields and old in fields:
            out[old] = out.pop(new)
    return out


class ConfigCommand(click.Command):
    """A Click command whose options are generated from a config dataclass on first use.

    ``config`` is the dataclass or ``"module:attr"`` naming it (imported only when the options are
    needed, so listing the group stays light); the other keyword arguments are those of
    :func:`config_options`. Options given with decorators come after the generated ones.
    """

    def __init__(self, *args: Any, config: Any, **kwargs: Any) -> None:
        self._config = config
        self._spec = {k: kwargs.pop(k) for k in _SPEC if k in kwargs}
        self._generated: list[click.Parameter] | None = None
        super().__init__(*args, **kwargs)

    @property
    def config_cls(self) -> type:
        """The config dataclass (imported on first use)."""
        return resolve(self._config)

    @property  # type: ignore[override]
    def params(self) -> list[click.Parameter]:
        if self._generated is None:
            generated = config_options(self.config_cls, **self._spec)
            taken = {p.name for p in self._explicit}
            self._generated = [p for p in generated if p.name not in taken]
            self._params = self._generated + self._explicit
        return self._params

    @params.setter
    def params(self, value: list[click.Parameter]) -> None:
        self._explicit = list(value)
        self._params = self._explicit
        self._generated = None

    def make_config(self, values: dict[str, Any]) -> Any:
        """The config dataclass built from the command's parameter values."""
        return self.config_cls(**config_values(values, self.config_cls))


def current_config(values: dict[str, Any]) -> Any:
    """The config dataclass of the running :class:`ConfigCommand`, built from its parameter values."""
    return click.get_current_context().command.make_config(values)  # type: ignore[attr-defined]
