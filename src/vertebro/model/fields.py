"""The strict model base of every vertebro document (case, assessment, procedure, follow-up)
and the field types the registry documents share (``spec/registry-v1.md``).

Dates are ISO calendar dates written ``YYYY-MM-DD`` (JSON strings); free text is a
non-empty string without NUL or other control characters (tab and newline allowed).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict

__all__ = ["IsoDate", "StrictModel", "Text"]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class StrictModel(BaseModel):
    """Unknown keys forbidden, immutable, the JSON names on the way in and out, enums kept
    as enums."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        use_enum_values=False,
    )


def _iso_date(value: Any) -> Any:
    """``"2026-03-01"`` → a date; anything else passes on to the strict date check, which
    rejects it (``2026-02-30`` included)."""
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _plain_text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


#: An ISO calendar date ``YYYY-MM-DD`` (JSON string), a real day of the calendar.
IsoDate = Annotated[date, BeforeValidator(_iso_date), Strict()]
#: Free text, 1–2000 characters, no control characters but tab and newline.
Text = Annotated[str, Strict(), Field(min_length=1, max_length=2000), AfterValidator(_plain_text)]
