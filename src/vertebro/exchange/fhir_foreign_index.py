"""Reading another system's Bundle: its entries indexed for references, and the small
readers every mapping needs (codings, dates, vertebra body sites, unread elements)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from vertebro.exchange.codes import level_of_body_site
from vertebro.exchange.import_report import ImportReport
from vertebro.model.level import Level

__all__ = [
    "BundleIndex",
    "codings",
    "day_of",
    "instant_of",
    "labels",
    "levels_of",
    "not_in_map",
    "unread",
]

#: Elements every resource may carry that say nothing clinical.
BOOKKEEPING = frozenset({"resourceType", "id", "meta", "text", "implicitRules", "language"})


@dataclass(frozen=True)
class BundleIndex:
    """The Bundle's resources by entry index, with their full URLs and ``Type/id``."""

    entries: tuple[tuple[int, dict[str, Any]], ...]
    by_url: Mapping[str, int]
    by_id: Mapping[str, int]
    by_index: Mapping[int, dict[str, Any]]

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> BundleIndex:
        entries: list[tuple[int, dict[str, Any]]] = []
        by_url: dict[str, int] = {}
        by_id: dict[str, int] = {}
        for i, entry in enumerate(raw.get("entry") or []):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(resource, dict):
                continue
            entries.append((i, resource))
            if isinstance(entry.get("fullUrl"), str):
                by_url[entry["fullUrl"]] = i
            if isinstance(resource.get("id"), str):
                by_id[f"{resource.get('resourceType')}/{resource['id']}"] = i
        return cls(tuple(entries), by_url, by_id, dict(entries))

    def resource(self, i: int) -> dict[str, Any]:
        return self.by_index[i]

    def resolve(self, reference: Any) -> int | None:
        """The entry a Reference points to (full URL, ``Type/id`` or a URL ending in it)."""
        if not isinstance(reference, dict) or not isinstance(reference.get("reference"), str):
            return None
        text = reference["reference"]
        if text in self.by_url:
            return self.by_url[text]
        return self.by_id.get(text) or self.by_id.get("/".join(text.split("/")[-2:]))

    def of_type(self, kind: str) -> list[tuple[int, dict[str, Any]]]:
        return [(i, r) for i, r in self.entries if r.get("resourceType") == kind]


def codings(concept: Any) -> list[dict[str, Any]]:
    """The codings of a CodeableConcept (or of a Coding itself)."""
    if not isinstance(concept, dict):
        return []
    if "coding" in concept:
        return [c for c in concept.get("coding") or [] if isinstance(c, dict)]
    return [concept] if "code" in concept else []


def labels(items: Iterable[dict[str, Any]]) -> str:
    """``system|code`` of codings, for the report (``(no code)`` when none)."""
    text = ", ".join(f"{c.get('system') or ''}|{c.get('code')}" for c in items)
    return text or "(no code)"


def not_in_map(found: list[dict[str, Any]]) -> str:
    """Why a coded element was not mapped."""
    if not found:
        return "no coding (text only): not mapped"
    return f"code {labels(found)} is not in the concept map"


def day_of(value: Any) -> date | None:
    """The calendar day of a FHIR date, dateTime or instant (``None`` when only the year
    or month is given, or no value)."""
    if isinstance(value, dict):
        value = value.get("start")
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def instant_of(value: Any) -> datetime | None:
    """The moment of a FHIR dateTime or instant that gives a time and zone, else ``None``."""
    if isinstance(value, dict):
        value = value.get("start")
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def levels_of(sites: Any) -> list[Level]:
    """The vertebrae (T1–L5) of body-site CodeableConcepts, by the verified codes."""
    found: list[Level] = []
    for site in sites if isinstance(sites, list) else [sites]:
        for coding in codings(site):
            level = level_of_body_site(coding.get("system"), coding.get("code"))
            if level is not None and level not in found:
                found.append(level)
    return found


def unread(report: ImportReport, i: int, resource: Mapping[str, Any], read: Iterable[str]) -> None:
    """List every element of a mapped resource that the mapping did not read."""
    kind = str(resource.get("resourceType"))
    for name in sorted(set(resource) - BOOKKEEPING - set(read)):
        if name == "note":
            reason = "free text, not mapped"
        elif name == "identifier":
            reason = "the sending system's identifier, not stored"
        else:
            reason = "not mapped"
        report.skip(f"entry[{i}].resource.{name}", kind, reason)
