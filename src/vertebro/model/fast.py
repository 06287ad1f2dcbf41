"""Building already-valid output models without re-validating them (the engine's hot path).

The engine produces values that are valid by construction; pydantic's ``model_construct``
spends most of its time on defaults and bookkeeping the engine does not need. ``build``
sets exactly what ``model_construct`` sets for a model given every field. Tests check that
every assessment round-trips through full validation unchanged.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["build"]

M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__
#: Each model's field names as its instances' "fields set". One set per class is shared by
#: every built instance: the output models are frozen, so pydantic never adds to it (and
#: ``model_copy`` copies it before updating).
_ALL_FIELDS: dict[type[BaseModel], set[str]] = {}


def _all_fields(cls: type[BaseModel]) -> set[str]:
    fields = _ALL_FIELDS[cls] = set(cls.model_fields)
    return fields


def build(cls: type[M], **values: Any) -> M:
    """An instance of ``cls`` holding ``values`` (every field, by field name), unvalidated."""
    fields = _ALL_FIELDS.get(cls) or _all_fields(cls)
    if len(values) != len(fields):
        raise TypeError(f"{cls.__name__} needs every field: got {sorted(values)}")
    obj = cls.__new__(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", fields)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj
