"""What another system's Conditions, Procedures and Encounters say, read
through the concept map into :class:`Facts` (assembled into documents by ``fhir_foreign``;
Observations: ``fhir_foreign_scores``).

Every resource is either mapped (a report line saying into what) or skipped (a line saying
why); a mapped resource's elements that were not read are listed too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from vertebro.exchange.concept_map import Concept, ConceptMap
from vertebro.exchange.fhir_foreign_index import (
    BundleIndex,
    codings,
    day_of,
    instant_of,
    labels,
    levels_of,
    not_in_map,
    unread,
)
from vertebro.exchange.import_report import ImportReport
from vertebro.model.level import Level

__all__ = [
    "Facts",
    "Fracture",
    "Score",
    "Session",
    "read_conditions",
    "read_encounters",
    "read_procedures",
    "usable",
]

_ACTIVE = {None, "active", "recurrence", "relapse"}
_NOT_TRUE = {"refuted", "entered-in-error"}
_PROCEDURE_STATUS = {"completed": "performed", "not-done": "cancelled", "preparation": "scheduled"}
_NOT_HAPPENED = {"cancelled", "entered-in-error"}


@dataclass
class Fracture:
    """A fractured level: its etiology (``None``: not stated or stated differently by two
    Conditions) and the onset day."""

    etiology: str | None
    onset: date | None
    conflict: bool = False


@dataclass(frozen=True)
class Score:
    field: str
    value: int | float
    when: date | None
    path: str
    moment: datetime | None = None


@dataclass
class Session:
    """A session: the Procedures of one status and date, or the parts of one session
    Procedure (``container``); its levels, operator and anaesthesia."""

    status: str
    date: date | None
    moment: datetime | None = None
    container: bool = False
    levels: dict[Level, str] = field(default_factory=dict)
    operator: str | None = None
    anaesthesia: str | None = None
    entries: set[int] = field(default_factory=set)


@dataclass
class Facts:
    """Everything read from the Bundle so far."""

    index: BundleIndex
    concepts: ConceptMap
    report: ImportReport
    patient_entry: int
    patient_path: str
    draft_id: str
    sex: str
    born: date | None
    handled: set[int] = field(default_factory=set)
    fractures: dict[Level, Fracture] = field(default_factory=dict)
    fracture_entries: dict[int, list[Level]] = field(default_factory=dict)
    sessions: list[Session] = field(default_factory=list)
    containers: set[int] = field(default_factory=set)
    scores: list[Score] = field(default_factory=list)
    measurements: dict[Level, dict[str, Any]] = field(default_factory=dict)
    measurement_paths: dict[Level, list[str]] = field(default_factory=dict)
    setting: str | None = None


def usable(facts: Facts, i: int, resource: dict[str, Any], status_ok: bool, status: Any) -> bool:
    """Whether a resource may be mapped at all (else one line saying why)."""
    kind = str(resource.get("resourceType"))
    facts.handled.add(i)
    subject = resource.get("subject") or resource.get("patient")
    if subject is not None and facts.index.resolve(subject) != facts.patient_entry:
        facts.report.skip(f"entry[{i}]", kind, "not about the Bundle's Patient")
        return False
    if resource.get("modifierExtension"):
        facts.report.skip(f"entry[{i}]", kind, "a modifierExtension vertebro does not understand")
        return False
    if not status_ok:
        facts.report.skip(f"entry[{i}]", kind, f"status {status}: not mapped")
        return False
    return True


def _region_ok(concept: Concept, level: Level) -> bool:
    region = concept.get("region")
    return region is None or (not level.is_lumbar if region == "thoracic" else level.is_lumbar)


def _levels(
    facts: Facts, i: int, resource: dict[str, Any], concept: Concept, fallback: list[Level]
) -> list[Level]:
    """The vertebrae a resource names (its body sites, else ``fallback``), within the
    code's region; the others reported."""
    kind = str(resource.get("resourceType"))
    found = levels_of(resource.get("bodySite") or []) or fallback
    for site in resource.get("bodySite") or []:
        if not levels_of(site):
            facts.report.skip(
                f"entry[{i}].resource.bodySite",
                kind,
                f"{labels(codings(site))} is not a vertebra T1–L5 by the verified codes",
            )
    inside = [lv for lv in found if _region_ok(concept, lv)]
    for level in found:
        if level not in inside:
            facts.report.skip(
                f"entry[{i}].resource.bodySite",
                kind,
                f"{level} is outside the region of {concept.label} ({concept.get('region')})",
            )
    return inside


def _reason_sites(facts: Facts, resource: dict[str, Any]) -> list[Level]:
    """The vertebrae of the Conditions a Procedure names as its reason."""
    found: list[Level] = []
    for reference in resource.get("reasonReference") or []:
        j = facts.index.resolve(reference)
        if j is not None:
            found += [
                lv
                for lv in levels_of(facts.index.resource(j).get("bodySite") or [])
                if lv not in found
            ]
    return found


def _treated_sites(facts: Facts, condition: int) -> list[Level]:
    """The vertebrae of the Procedures that name Condition ``condition`` as their reason."""
    found: list[Level] = []
    for _, procedure in facts.index.of_type("Procedure"):
        if any(facts.index.resolve(r) == condition for r in procedure.get("reasonReference") or []):
            found += [lv for lv in levels_of(procedure.get("bodySite") or []) if lv not in found]
    return found


def read_conditions(facts: Facts) -> None:
    """Fractures from Conditions coded as in the concept map (``Condition.code``)."""
    for i, resource in facts.index.of_type("Condition"):
        clinical = next((c.get("code") for c in codings(resource.get("clinicalStatus"))), None)
        verification = next(
            (c.get("code") for c in codings(resource.get("verificationStatus"))), None
        )
        status = clinical if clinical not in _ACTIVE else verification
        ok = clinical in _ACTIVE and verification not in _NOT_TRUE
        if not usable(facts, i, resource, ok, status):
            continue
        found = codings(resource.get("code"))
        concept = facts.concepts.find("Condition.code", found, "fracture")
        if concept is None:
            facts.report.skip(f"entry[{i}]", "Condition", not_in_map(found))
            continue
        levels = _levels(facts, i, resource, concept, _treated_sites(facts, i))
        if not levels:
            facts.report.skip(
                f"entry[{i}]", "Condition", f"{concept.label}: no vertebra (T1–L5) body site"
            )
            continue
        etiology = concept.get("etiology")
        onset = day_of(resource.get("onsetDateTime") or resource.get("onsetPeriod"))
        for level in levels:
            known = facts.fractures.get(level)
            if known is None:
                facts.fractures[level] = Fracture(etiology, onset)
            else:
                differs = etiology is not None and known.etiology not in (None, etiology)
                if differs or (known.conflict and etiology is not None):
                    known.conflict, known.etiology = True, None
                    reason = f"{level}: etiologies differ between Conditions; left unknown"
                    facts.report.skip(f"entry[{i}]", "Condition", reason)
                elif etiology is not None:
                    known.etiology = etiology
                if onset and (known.onset is None or onset < known.onset):
                    known.onset = onset
        facts.fracture_entries[i] = levels
        what = ", ".join(str(lv) for lv in levels)
        stated = f", etiology {etiology}" if etiology else ""
        facts.report.map(
            f"entry[{i}]", "Condition", f"fracture at {what}{stated} via {concept.label}"
        )
        unread(
            facts.report,
            i,
            resource,
            {
                "code",
                "bodySite",
                "clinicalStatus",
                "verificationStatus",
                "subject",
                "onsetDateTime",
                "onsetPeriod",
            },
        )


def _session(facts: Facts, status: str, day: date | None, parents: list[int]) -> Session:
    """The session of a status and date, or of the session Procedure ``parents`` name."""
    for session in facts.sessions:
        if parents and session.entries & set(parents):
            return session
        if not parents and (session.status, session.date, session.container) == (
            status,
            day,
            False,
        ):
            return session
    session = Session(status, day, container=bool(parents))
    session.entries.update(parents)
    facts.sessions.append(session)
    return session


def _performer(resource: dict[str, Any]) -> str | None:
    """The one performer's display name, if exactly one is given."""
    names = {
        p["actor"].get("display")
        for p in resource.get("performer") or []
        if isinstance(p, dict) and isinstance(p.get("actor"), dict)
    }
    names.discard(None)
    return str(names.pop()) if len(names) == 1 else None


def _technique(
    facts: Facts, i: int, resource: dict[str, Any], concept: Concept, status: str
) -> None:
    """One Procedure of a technique: its levels into the session of its status and date."""
    levels = _levels(facts, i, resource, concept, _reason_sites(facts, resource))
    if not levels:
        reason = f"{concept.label}: no vertebra (T1–L5) body site"
        facts.report.skip(f"entry[{i}]", "Procedure", reason)
        return
    performed = resource.get("performedDateTime") or resource.get("performedPeriod")
    day = day_of(performed)
    parents = [j for r in resource.get("partOf") or [] if (j := facts.index.resolve(r)) is not None]
    facts.containers.update(parents)
    session = _session(facts, status, day, parents)
    moment = instant_of(performed)
    if moment is not None and (session.moment is None or moment < session.moment):
        session.moment = moment
    technique = str(concept.get("technique"))
    for level in levels:
        if session.levels.get(level, technique) != technique:
            reason = f"{level} twice in one session with different techniques"
            facts.report.skip(f"entry[{i}]", "Procedure", reason)
            continue
        session.levels[level] = technique
    session.entries.add(i)
    read = {"status", "code", "bodySite", "subject", "performedDateTime", "performedPeriod"}
    read |= {"reasonReference", "partOf"}
    operator = _performer(resource)
    if operator is None:  # the operator of the session this level is part of
        found = [_performer(facts.index.resource(j)) for j in parents]
        operator = next((name for name in found if name), None)
    else:
        read.add("performer")
    if operator is not None:
        session.operator = operator
    when = day.isoformat() if day else "no date"
    where = ", ".join(levels)
    detail = f"{technique} at {where}, session {status} ({when}) via {concept.label}"
    facts.report.map(f"entry[{i}]", "Procedure", detail)
    unread(facts.report, i, resource, read)


def _anaesthesia(facts: Facts, i: int, resource: dict[str, Any], concept: Concept) -> None:
    """The anaesthesia of the session it is part of, else of the session of its day."""
    parents = {facts.index.resolve(r) for r in resource.get("partOf") or []}
    day = day_of(resource.get("performedDateTime") or resource.get("performedPeriod"))
    owner = [s for s in facts.sessions if s.entries & parents]
    owner = owner or [s for s in facts.sessions if day is not None and s.date == day]
    if len(owner) != 1:
        reason = f"{concept.label}: no single session it belongs to"
        facts.report.skip(f"entry[{i}]", "Procedure", reason)
        return
    owner[0].anaesthesia = concept.get("anaesthesia")
    when = owner[0].date.isoformat() if owner[0].date else "no date"
    detail = f"anaesthesia {concept.get('anaesthesia')} of the {owner[0].status} session ({when}) "
    facts.report.map(f"entry[{i}]", "Procedure", detail + f"via {concept.label}")
    read = {"status", "code", "subject", "partOf", "performedDateTime", "performedPeriod"}
    unread(facts.report, i, resource, read)


def read_procedures(facts: Facts) -> None:
    """Sessions from Procedures of a technique (one session per status and date), their
    anaesthesia, and the operator of a session resource they are part of (``Procedure.code``
    in the concept map)."""
    later: list[tuple[int, dict[str, Any], Concept]] = []
    for i, resource in facts.index.of_type("Procedure"):
        status = _PROCEDURE_STATUS.get(str(resource.get("status")))
        if not usable(facts, i, resource, status is not None, resource.get("status")):
            continue
        found = codings(resource.get("code"))
        concept = facts.concepts.find("Procedure.code", found)
        if concept is None:
            facts.report.skip(f"entry[{i}]", "Procedure", not_in_map(found))
        elif concept.target == "technique" and status is not None:
            _technique(facts, i, resource, concept, status)
        else:
            later.append((i, resource, concept))
    for i, resource, concept in later:
        if concept.target == "anaesthesia":
            _anaesthesia(facts, i, resource, concept)
            continue
        if i in facts.containers:
            detail = "a session: read through the Procedures that are its parts"
            facts.report.map(f"entry[{i}]", "Procedure", detail)
            unread(facts.report, i, resource, {"status", "code", "subject", "performer"})
        else:
            detail = "a session without parts of a mapped technique: not mapped"
            facts.report.skip(f"entry[{i}]", "Procedure", detail)


def read_encounters(facts: Facts) -> None:
    """The setting from Encounters whose reason or diagnosis is a mapped fracture."""
    for i, resource in facts.index.of_type("Encounter"):
        status = resource.get("status")
        if not usable(facts, i, resource, status not in _NOT_HAPPENED, status):
            continue
        concept = facts.concepts.find("Encounter.class", codings(resource.get("class")), "setting")
        reasons = list(resource.get("reasonReference") or [])
        reasons += [
            d.get("condition") for d in resource.get("diagnosis") or [] if isinstance(d, dict)
        ]
        about = any(facts.index.resolve(r) in facts.fracture_entries for r in reasons)
        if concept is None or not about:
            why = (
                f"class {labels(codings(resource.get('class')))} is not in the concept map"
                if concept is None
                else "its reason is not a mapped fracture"
            )
            facts.report.skip(f"entry[{i}]", "Encounter", why)
            continue
        setting = str(concept.get("setting"))
        if facts.setting != "inpatient":
            facts.setting = setting
        facts.report.map(
            f"entry[{i}]", "Encounter", f"clinical.setting {setting} via {concept.label}"
        )
        unread(
            facts.report,
            i,
            resource,
            {"class", "status", "subject", "reasonReference", "diagnosis"},
        )
