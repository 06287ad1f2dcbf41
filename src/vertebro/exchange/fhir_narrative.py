"""Generated narratives (``Resource.text``, status ``generated``) of exported resources: a
heading and a table of what the resource says, as XHTML within the limits of FHIR R4
(narrative.html: only basic formatting elements; dom-6 asks for one on every
DomainResource). Built from the resource's own elements, so it never says more than they do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape
from typing import Any

__all__ = ["with_narrative"]

_XHTML = "http://www.w3.org/1999/xhtml"


def _concept(value: Mapping[str, Any]) -> str:
    if value.get("text"):
        return str(value["text"])
    return ", ".join(str(c.get("display") or c.get("code")) for c in value.get("coding") or [])


def _quantity(value: Mapping[str, Any]) -> str:
    return f"{value.get('value')} {value.get('unit') or value.get('code') or ''}".strip()


def _text(value: Any) -> str:
    """Plain words for one element value."""
    if isinstance(value, list):
        return "; ".join(t for t in (_text(v) for v in value) if t)
    if isinstance(value, dict):
        if "coding" in value or ("text" in value and len(value) <= 2):
            return _concept(value)
        if "value" in value and ("unit" in value or "code" in value):
            return _quantity(value)
        if "reference" in value:
            return str(value.get("display") or "")
        if "actor" in value:
            return _text(value["actor"])
        for key in ("display", "description", "text", "start"):
            if key in value:
                return str(value[key])
        return ""
    return "" if value is None else str(value)


#: Per resource type: the heading and the rows (label, element or a function of the resource).
Row = tuple[str, str | Callable[[Mapping[str, Any]], Any]]
_ROWS: dict[str, list[Row]] = {
    "Patient": [
        ("Patient code", lambda r: _text([i.get("value") for i in r.get("identifier", [])])),
        ("Sex", "gender"),
        ("Born", "birthDate"),
    ],
    "Condition": [
        ("Status", "clinicalStatus"),
        ("Category", "category"),
        ("Body site", "bodySite"),
        ("Recorded", "recordedDate"),
        ("Note", "note"),
    ],
    "Observation": [
        ("Status", "status"),
        ("Category", "category"),
        ("When", "effectiveDateTime"),
        ("Value", lambda r: _text(r.get("valueQuantity")) or r.get("valueInteger")),
        ("Body site", "bodySite"),
    ],
    "Procedure": [
        ("Status", "status"),
        ("Why not performed", "statusReason"),
        ("Performed", "performedDateTime"),
        ("Body site", "bodySite"),
        ("Performer", "performer"),
        ("Complications", "complication"),
        ("Note", "note"),
    ],
    "ClinicalImpression": [
        ("Status", "status"),
        ("Date", "date"),
        ("Rulebook", "protocol"),
        ("Summary", "summary"),
        ("Findings", lambda r: _text([f.get("itemCodeableConcept") for f in r.get("finding", [])])),
    ],
    "CarePlan": [
        ("Status", "status"),
        ("Intent", "intent"),
        ("Activities", lambda r: _text([a.get("detail") for a in r.get("activity", [])])),
    ],
    "CodeSystem": [
        ("URL", "url"),
        ("Version", "version"),
        ("Concepts", lambda r: len(r.get("concept", []))),
        ("Description", "description"),
    ],
}


def _heading(resource: Mapping[str, Any]) -> str:
    kind = str(resource["resourceType"])
    code = resource.get("code")
    if kind == "CodeSystem":
        return str(resource.get("title") or resource.get("name"))
    if isinstance(code, dict):
        return f"{kind}: {_concept(code)}"
    return kind


def _div(resource: Mapping[str, Any]) -> str:
    rows = []
    for label, source in _ROWS.get(str(resource["resourceType"]), []):
        value = source(resource) if callable(source) else resource.get(source)
        text = _text(value)
        if text:
            rows.append(f"<tr><th>{escape(label)}</th><td>{escape(text)}</td></tr>")
    table = f"<table>{''.join(rows)}</table>" if rows else ""
    return f'<div xmlns="{_XHTML}"><p><b>{escape(_heading(resource))}</b></p>{table}</div>'


def with_narrative(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` (with its ``resourceType``) with a generated ``text`` after its type."""
    kind = resource["resourceType"]
    rest = {k: v for k, v in resource.items() if k != "resourceType"}
    text = {"status": "generated", "div": _div(resource)}
    return {"resourceType": kind, "text": text, **rest}
