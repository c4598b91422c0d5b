"""Bind user-given ``KEY=VALUE`` options to a callable's signature: unknown keys are an error that
lists the valid ones, values are converted to the parameter's annotated (or default's) type, and
anything that does not convert is a one-line :class:`~hw1.core.errors.Hw1Error`.

Used wherever a model or method is built from a name with extra options (``--model-option``,
``--method-option``), so a misspelt key never trains silently with the default.
"""

from __future__ import annotations

import ast
import inspect
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from hw1.core.errors import Hw1Error

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_NONE = {"none", "null"}
#: What a value of each scalar type must look like, for the error message.
_SCALARS = {int: "an integer", float: "a number", str: "a string"}


def option_parameters(target: Callable[..., Any], *, exclude: Iterable[str] = ()) -> dict[str, inspect.Parameter]:
    """The keyword parameters of ``target`` a user may set (``self``, ``*args``/``**kwargs`` and
    ``exclude`` left out)."""
    skip = set(exclude) | {"self"}
    return {
        name: p
        for name, p in inspect.signature(target).parameters.items()
        if name not in skip and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY)
    }


def _hints(target: Callable[..., Any]) -> dict[str, Any]:
    func = target.__init__ if inspect.isclass(target) else target  # type: ignore[misc]
    try:
        return typing.get_type_hints(func)
    except Exception:  # unresolvable string annotations: fall back to the defaults' types
        return {}


def _is_optional(annotation: Any) -> tuple[list[Any], bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = list(typing.get_args(annotation))
        return [a for a in args if a is not type(None)], type(None) in args
    return [annotation], False


def _literal(value: Any) -> Any:
    """A string read as a Python literal (the string itself when it is none); other values as they are."""
    if not isinstance(value, str):
        return value
    try:
        return ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        return value


def convert_value(value: Any, annotation: Any) -> Any:
    """``value`` (a string from the command line or an already-typed value) as ``annotation``;
    raises ``ValueError`` saying what was expected."""
    if annotation is inspect.Parameter.empty or annotation is Any:
        return _literal(value)
    options, optional = _is_optional(annotation)
    if optional and (value is None or (isinstance(value, str) and value.strip().lower() in _NONE)):
        return None
    errors = []
    for option in options:
        try:
            return _convert_one(value, option)
        except (ValueError, TypeError) as exc:
            errors.append(str(exc))
    raise ValueError(" or ".join(errors))  # options is never empty: a Union has a member besides None


def _name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


def _convert_one(value: Any, annotation: Any) -> Any:
    origin = typing.get_origin(annotation) or annotation
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        for allowed in args:
            if value == allowed or (isinstance(value, str) and str(allowed) == value.strip()):
                return allowed
        raise ValueError(f"expected one of {', '.join(map(repr, args))}")
    if origin is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, str)) and str(value).strip().lower() in _TRUE | _FALSE:
            return str(value).strip().lower() in _TRUE
        raise ValueError("expected true or false")
    if origin in _SCALARS:  # from a number or a string (int() and float() allow surrounding blanks)
        fraction = origin is int and isinstance(value, float) and not value.is_integer()
        if fraction or isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"expected {_SCALARS[origin]}")
        try:
            return origin(value)
        except ValueError:
            raise ValueError(f"expected {_SCALARS[origin]}") from None
    if isinstance(origin, type) and issubclass(origin, Sequence):
        items = _literal(value)
        if isinstance(items, str):
            items = [s for s in items.split(",") if s.strip()]
        if not isinstance(items, (list, tuple)):
            raise ValueError("expected a list such as [32,16,16]")
        item_type = args[0] if args else Any
        try:
            converted = [convert_value(v, item_type) for v in items]
        except ValueError:
            raise ValueError(f"expected a list of {_name(item_type)} such as [32,16,16]") from None
        return tuple(converted) if origin is tuple else converted
    if origin in (dict, Mapping):
        parsed = _literal(value)
        if not isinstance(parsed, dict):
            raise ValueError("expected a dict such as {'a': 1}")
        return parsed
    if isinstance(origin, type):
        if isinstance(value, origin):
            return value
        if isinstance(value, str):
            return _literal(value)
        raise ValueError(f"expected {_name(annotation)}")
    return value


def bind_options(
    target: Callable[..., Any],
    options: Mapping[str, Any],
    *,
    what: str,
    option: str = "--option",
    exclude: Iterable[str] = (),
    strict: bool = True,
) -> dict[str, Any]:
    """``options`` checked against the keyword parameters of ``target`` and converted to their
    types (annotation, else the default's type; strings are read as Python literals when the
    parameter has neither).

    ``what`` names the thing being configured (``"model 'smp:Unet:resnet18'"``) and ``option`` the
    command-line option (``"--model-option"``) for the error message. With ``strict`` (the
    default) only named parameters are accepted even when ``target`` also takes ``**kwargs`` (smp
    models forward those to the encoder, where a misspelt key would be ignored); otherwise such a
    ``target`` accepts unknown keys as they are.
    """
    params = option_parameters(target, exclude=exclude)
    takes_any = not strict and any(p.kind is p.VAR_KEYWORD for p in inspect.signature(target).parameters.values())
    hints = _hints(target)
    bound: dict[str, Any] = {}
    unknown = [key for key in options if key not in params]
    if unknown and not takes_any:
        valid = ", ".join(sorted(params)) or "(none)"
        raise Hw1Error(f"{what}: unknown {option} key(s) {', '.join(sorted(unknown))}; valid keys: {valid}")
    for key, value in options.items():
        param = params.get(key)
        if param is None:
            bound[key] = value
            continue
        annotation = hints.get(key, param.annotation)
        if isinstance(annotation, str) or annotation is param.empty:  # no usable annotation: the default's type
            known = param.default is not param.empty and param.default is not None
            annotation = type(param.default) if known else param.empty
        try:
            bound[key] = convert_value(value, annotation)
        except ValueError as exc:
            raise Hw1Error(f"{what}: {option} {key}={value!r}: {exc}") from None
    return bound
