"""What the schema expects at a path: walking pydantic types alongside the data.

Two jobs need to know what kind of thing lives at a path such as
``services.acute.referral.calendar``: suggesting the right key when someone writes an unknown
one ("did you mean 'capacity'?"), and deciding whether a scenario may *create* a key (a new id
under ``services``) or is pointing at nothing (a misspelt field of a service). Both walk the
type annotations of :class:`~wholeflow.model.schema.Model` in step with the data, choosing the
branch of a union that fits the data (a distribution by its ``dist`` key).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated[...]`` wrappers."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _literal_tag(model: type[BaseModel]) -> Any:
    field = model.model_fields.get("dist")
    if field is None:
        return None
    args = typing.get_args(field.annotation)
    return args[0] if typing.get_origin(field.annotation) is Literal and args else None


def _pick_member(tp: Any, value: Any) -> Any:
    """The member of a union type that fits ``value`` (None if none does)."""
    members = [_unwrap(m) for m in typing.get_args(tp) if m is not type(None)]
    if isinstance(value, dict):
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        tag = value.get("dist")
        for m in models:
            if tag is not None and _literal_tag(m) == tag:
                return m
        plain = [m for m in models if _literal_tag(m) is None]
        if plain:
            return plain[0]
        for m in members:
            if typing.get_origin(m) is dict:
                return m
        return None
    if isinstance(value, list):
        for m in members:
            if typing.get_origin(m) is list:
                return m
        return None
    scalar = [m for m in members if not (isinstance(m, type) and issubclass(m, BaseModel))
              and typing.get_origin(m) not in (list, dict)]
    return scalar[0] if scalar else None


def resolve(tp: Any, value: Any) -> Any:
    """``tp`` narrowed to what fits ``value``: unions resolved, ``Annotated`` stripped."""
    tp = _unwrap(tp)
    while _is_union(tp):
        tp = _unwrap(_pick_member(tp, value))
    return tp


def field_names(model: type[BaseModel]) -> list[str]:
    """The keys a user writes for ``model``: aliases where a field has one."""
    return [f.alias or name for name, f in model.model_fields.items()]


def _model_field(model: type[BaseModel], key: Any) -> Any:
    for name, f in model.model_fields.items():
        if key in (name, f.alias):
            return f.annotation
    return None


def child_type(tp: Any, value: Any, key: Any) -> Any:
    """The type expected under ``key`` of ``value`` (of type ``tp``), or None if not allowed."""
    tp = resolve(tp, value)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _model_field(tp, key)
    origin = typing.get_origin(tp)
    if origin is dict:
        return typing.get_args(tp)[1]
    if origin is list and isinstance(key, int):
        return typing.get_args(tp)[0]
    return None


def type_at(root: type[BaseModel], data: Any, path: Sequence[Any]) -> tuple[Any, Any]:
    """Walk ``path`` through ``data`` and the schema: the (type, value) found there.

    The type is None once the path leaves what the schema allows; the value is None once it
    leaves the data.
    """
    tp: Any = root
    value = data
    for key in path:
        tp = child_type(tp, value, key) if tp is not None else None
        value = _child_value(value, key)
    return (resolve(tp, value) if tp is not None else None), value


def _child_value(value: Any, key: Any) -> Any:
    if isinstance(value, dict):
        if key in value:
            return value[key]
        for k, v in value.items():
            if str(k) == str(key):
                return v
        return None
    if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
        return value[key]
    return None


def is_model(tp: Any) -> bool:
    """Whether ``tp`` is a pydantic model class (fixed keys) rather than a free mapping."""
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to ``word`` if it is close enough to be a likely typo."""
    found = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` or an empty string."""
    best = suggest(word, choices)
    return f" (did you mean '{best}'?)" if best else ""
