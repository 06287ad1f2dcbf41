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


def build(cls: type[M], **values: Any) -> M:
    """An instance of ``cls`` holding ``values`` (every field, by field name), unvalidated."""
    obj = cls.__new__(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", set(values))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj
