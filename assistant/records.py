"""Reading our own JSON records back strictly: a file in the data folder may have been damaged or
edited by hand, and a wrong type must fail here, with its field named, not later in a widget."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, TypeVar

T = TypeVar("T")


def _matches(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        return isinstance(value, list) and all(_matches(v, item) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(isinstance(k, str) for k in value)
    if hint is Any:
        return True
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, hint)


def record_from_dict(cls: type[T], data: Any, required: bool = True) -> T:
    """``cls(**data)`` for a dataclass, after checking every field's type; unknown keys are ignored
    (a newer version may add some). ValueError names the first field that is wrong or missing."""
    if not isinstance(data, dict):
        raise ValueError(f"a {cls.__name__} record is not a JSON object")
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in data:
            has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
            if required and not has_default:
                raise ValueError(f"{cls.__name__} has no {f.name}")
            continue
        if not _matches(data[f.name], hints[f.name]):
            raise ValueError(f"{cls.__name__}.{f.name} has the wrong type")
        values[f.name] = data[f.name]
    return cls(**values)
