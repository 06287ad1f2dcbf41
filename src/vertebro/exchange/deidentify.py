"""De-identifying vertebro documents for exports (CSV ``--deidentify``, FHIR
``--deidentify``): free text redacted so that each document stays valid, and dates moved.

Procedure ``operator`` becomes ``redacted``, and so do ``biopsy.histology`` and
``override_reason`` when given (the fact is kept); complication notes become null.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

__all__ = ["REDACTED", "deidentify_follow_up", "deidentify_procedure", "shift_dates"]

REDACTED = "redacted"
#: The date fields of procedure and follow-up documents.
DATE_FIELDS = ("date", "discharge_date")


def _redact_complications(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{**item, "note": None} for item in items]


def deidentify_procedure(document: Mapping[str, Any]) -> dict[str, Any]:
    """A ``vertebro.procedure/1`` document without its free text."""
    out = dict(document)
    out["operator"] = REDACTED
    biopsy = dict(out.get("biopsy") or {})
    if biopsy.get("histology") is not None:
        biopsy["histology"] = REDACTED
        out["biopsy"] = biopsy
    if out.get("override_reason") is not None:
        out["override_reason"] = REDACTED
    out["complications"] = _redact_complications(out.get("complications") or [])
    return out


def deidentify_follow_up(document: Mapping[str, Any]) -> dict[str, Any]:
    """A ``vertebro.follow_up/1`` document without its free text."""
    out = dict(document)
    out["complications"] = _redact_complications(out.get("complications") or [])
    return out


def shift_dates(document: Mapping[str, Any], days: int) -> dict[str, Any]:
    """``document`` with its ISO dates (``date``, ``discharge_date``) ``days`` earlier."""
    out = dict(document)
    for name in DATE_FIELDS:
        value = out.get(name)
        if isinstance(value, str):
            out[name] = (date.fromisoformat(value) - timedelta(days=days)).isoformat()
    return out
