"""Another system's plain R4 resources as a draft case (docs/fhir.md, "Bundles from other
systems").

The Bundle's one Patient gives the pseudonymous patient code (a keyed hash of its record
number; the number itself is never kept), sex and birth year; Conditions, Procedures,
Observations and Encounters become fractures, sessions, scores and the setting through the
concept map (:mod:`vertebro.exchange.concept_map`). What a case needs and the Bundle does
not say stays absent: the draft lists it (``missing``), the clinician completes it.
Everything read and not used is listed with its reason (:class:`ImportReport`).

Timing: the *anchor* is the first performed session's date. Scores dated before it (or
undated, when nothing was performed) are the case's clinical values, the latest of each
kind; scores after it become follow-up visits, one per date, each the timed visit whose
window holds it (registry-v1), else ``unscheduled`` (a score of the session's day counts as
before it, unless both give a time and the score's is later). The *case date* (for the age and
the fractures' age) is the date of those clinical values, else the anchor, else today.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from vertebro.errors import InvalidDocument
from vertebro.exchange.concept_map import ConceptMap
from vertebro.exchange.fhir_export import PATIENT_CODE_SYSTEM
from vertebro.exchange.fhir_foreign_index import BundleIndex
from vertebro.exchange.fhir_foreign_records import (
    Facts,
    Score,
    Session,
    read_conditions,
    read_encounters,
    read_procedures,
)
from vertebro.exchange.fhir_foreign_scores import read_observations
from vertebro.exchange.import_report import ImportReport
from vertebro.exchange.pseudonym import KEY_ENV, PseudonymKey
from vertebro.model.follow_up import Visit
from vertebro.model.parsing import (
    CASE,
    FOLLOW_UP,
    PROCEDURE,
    DocumentKind,
    validate_document,
)
from vertebro.model.pathway import TIMED_VISITS

__all__ = ["Draft", "map_bundle"]

_CODE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_MR = "MR"  # HL7 v2 table 0203 identifier type: medical record number
_PATIENT_READ = {"identifier", "gender", "birthDate"}
_IDENTIFYING = {"name", "telecom", "address", "photo", "contact"}
_NOT_READ = {
    "DiagnosticReport": "not mapped: its results are read where they are entries of the Bundle",
}


@dataclass(frozen=True)
class Draft:
    """A draft case from another system's Bundle: the documents as far as the Bundle
    fills them (``case`` may lack required fields; ``procedures`` too), the patient, and
    the import report."""

    draft_id: str
    patient_code: str
    birth_year: int | None
    sex: str
    case: dict[str, Any]
    procedures: list[dict[str, Any]]
    follow_ups: list[dict[str, Any]]
    report: ImportReport

    @property
    def documents(self) -> dict[str, Any]:
        """The draft documents together (as stored)."""
        return {"case": self.case, "procedures": self.procedures, "follow_ups": self.follow_ups}


def _identifier(resource: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The record number to pseudonymise: a ``MR`` typed identifier, else an official or
    usual one, else the first with a value."""
    usable = [i for i in resource.get("identifier") or [] if isinstance(i, dict) and i.get("value")]

    def is_mr(identifier: Mapping[str, Any]) -> bool:
        codings = (identifier.get("type") or {}).get("coding") or []
        return any(c.get("code") == _MR for c in codings)

    for choose in (is_mr, lambda i: i.get("use") in ("official", "usual"), lambda i: True):
        for identifier in usable:
            if choose(identifier):
                return identifier
    return None


def _patient(
    index: BundleIndex,
    report: ImportReport,
    key: PseudonymKey | None,
    given_code: str | None,
) -> tuple[int, str, str, int | None, date | None]:
    """(entry, patient code, sex, birth year, birth date) of the Bundle's one Patient."""
    patients = [i for i, r in index.entries if r.get("resourceType") == "Patient"]
    if not patients:
        raise InvalidDocument.single("$", "no Patient: the Bundle must hold the patient")
    if len(patients) > 1:
        raise InvalidDocument.single(
            f"entry[{patients[1]}].resourceType", "a second Patient: one patient per Bundle"
        )
    i = patients[0]
    resource = index.resource(i)
    where = f"entry[{i}].resource.identifier"
    identifier = _identifier(resource)
    own = [
        str(item["value"])
        for item in resource.get("identifier") or []
        if item.get("system") == PATIENT_CODE_SYSTEM and _CODE.match(str(item.get("value")))
    ]
    if given_code is not None:
        if not _CODE.match(given_code):
            raise InvalidDocument.single("patient_code", "must be 1–64 of A-Za-z0-9._-")
        code = given_code
        if resource.get("identifier"):
            report.skip(where, "Patient", "not used (the patient code was given), not stored")
        how = "the patient code given"
    elif own:  # already a vertebro pseudonym, not a record number
        code, how = own[0], "the Bundle's vertebro patient code"
    elif identifier is None:
        raise InvalidDocument.single(
            where, "no identifier to derive the pseudonymous patient code from: give the code"
        )
    elif key is None:
        raise InvalidDocument.single(
            where,
            f"a record number is imported only as a keyed pseudonym: set {KEY_ENV} "
            "(docs/fhir.md) or give the patient code",
        )
    else:
        system = str(identifier.get("system") or "")
        code = key.patient_code(system, str(identifier["value"]))
        how = f"keyed hash of the identifier of system {system or '(none)'}, which is not stored"
    sex = resource.get("gender") if resource.get("gender") in ("female", "male", "other") else None
    birth = resource.get("birthDate")
    birth_year = int(birth[:4]) if isinstance(birth, str) and birth[:4].isdigit() else None
    born = date.fromisoformat(birth) if isinstance(birth, str) and len(birth) == 10 else None
    facts = [f"patient code {code} ({how})", f"sex {sex or 'unknown'}"]
    if birth_year is not None:
        facts.append(f"birth year {birth_year}")
        if born is None:
            facts.append("no age: the birth date gives no day")
    report.map(f"entry[{i}]", "Patient", ", ".join(facts))
    for name in sorted(set(resource) - _PATIENT_READ - {"resourceType", "id", "meta", "text"}):
        reason = "identifying, not stored" if name in _IDENTIFYING else "not mapped"
        report.skip(f"entry[{i}].resource.{name}", "Patient", reason)
    return i, code, sex or "unknown", birth_year, born


def _visits(anchor: date, dates: Iterable[date]) -> dict[date, Visit]:
    """Each follow-up date's visit: the first free timed visit whose window holds it."""
    taken: set[Visit] = set()
    out: dict[date, Visit] = {}
    for day in sorted(dates):
        days = (day - anchor).days
        visit = next(
            (v for v in TIMED_VISITS if v not in taken and v.window and v.window.contains(days)),
            Visit.UNSCHEDULED,
        )
        if visit is not Visit.UNSCHEDULED:
            taken.add(visit)
        out[day] = visit
    return out


def _after(score: Score, session: Session) -> bool:
    """Whether a score was taken after the first session: a later day, or the same day at
    a later time when both give one (a score of the session's day without a time counts
    as taken before it, like the pre-procedure assessment)."""
    assert score.when is not None and session.date is not None
    if score.when != session.date:
        return score.when > session.date
    if score.moment is None or session.moment is None:
        return False
    return score.moment >= session.moment


def _session_order(session: Session) -> tuple[date, float]:
    moment = session.moment.timestamp() if session.moment is not None else float("inf")
    return (session.date or date.max, moment)


def _problems(kind: DocumentKind[Any], document: dict[str, Any], prefix: str) -> list[str]:
    try:
        validate_document(kind, document)
    except InvalidDocument as exc:
        return [f"{prefix}{p}" for p in exc.problems]
    return []


def _clinical(
    facts: Facts, first: Session | None
) -> tuple[dict[str, Any], dict[date, Any], date | None]:
    """The case's clinical values (the latest score of each kind before the first
    session), the follow-up scores by date, and the date of those clinical values."""
    report = facts.report
    clinical: dict[str, Any] = {}
    follow_ups: dict[date, dict[str, Any]] = {}
    before: dict[str, list[Score]] = {}
    for score in facts.scores:
        if first is not None and score.when is not None and _after(score, first):
            follow_ups.setdefault(score.when, {})[score.field] = score.value
            detail = f"{score.field} {score.value} at the follow-up of {score.when.isoformat()}"
            report.map(score.path, "Observation", detail)
        elif first is not None and score.when is None:
            detail = "no date: cannot tell before or after the session"
            report.skip(score.path, "Observation", detail)
        else:
            before.setdefault(score.field, []).append(score)
    dates: list[date] = []
    for name, scores in before.items():
        scores.sort(key=lambda s: s.when or date.min)
        latest = scores[-1]
        clinical[name] = latest.value
        dates += [latest.when] if latest.when is not None else []
        report.map(latest.path, "Observation", f"clinical.{name} = {latest.value}")
        for earlier in scores[:-1]:
            detail = f"an earlier {name}: the case keeps the latest"
            report.skip(earlier.path, "Observation", detail)
    if facts.setting is not None:
        clinical["setting"] = facts.setting
    return clinical, follow_ups, max(dates) if dates else None


def _patient_part(facts: Facts, case_date: date) -> dict[str, Any]:
    patient: dict[str, Any] = {}
    if facts.sex != "unknown":
        patient["sex"] = facts.sex
    born = facts.born
    if born is not None:
        age = (
            case_date.year - born.year - ((case_date.month, case_date.day) < (born.month, born.day))
        )
        if 0 <= age <= 120:
            patient["age_years"] = age
        else:
            detail = f"the birth date gives age {age} on {case_date}"
            facts.report.skip(facts.patient_path, "Patient", detail)
    return patient


def _fractures_part(facts: Facts, case_date: date) -> list[dict[str, Any]]:
    fractures = []
    for level in sorted(facts.fractures):
        fracture = facts.fractures[level]
        item: dict[str, Any] = {"level": str(level)}
        if fracture.etiology is not None:
            item["etiology"] = fracture.etiology
        if fracture.onset is not None and fracture.onset <= case_date:
            item["age_weeks"] = round((case_date - fracture.onset).days / 7, 1)
        item.update(facts.measurements.get(level, {}))
        fractures.append(item)
    for level in facts.measurements:
        if level not in facts.fractures:
            path = ", ".join(facts.measurement_paths[level])
            facts.report.skip(path, "Observation", f"no fracture mapped at {level}")
    return fractures


def _procedure_docs(facts: Facts) -> list[dict[str, Any]]:
    procedures = []
    for session in sorted(facts.sessions, key=lambda s: (s.date or date.min, s.status)):
        doc: dict[str, Any] = {"schema": "vertebro.procedure/1", "status": session.status}
        if session.date is not None:
            doc["date"] = session.date.isoformat()
        if session.operator is not None:
            doc["operator"] = session.operator
        if session.anaesthesia is not None:
            doc["anaesthesia"] = session.anaesthesia
        levels = sorted(session.levels.items())
        doc["levels"] = [{"level": str(level), "technique": t} for level, t in levels]
        procedures.append(doc)
    return procedures


def _assemble(
    facts: Facts, today: date
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The draft case, procedures and follow-ups from what was read."""
    performed = [s for s in facts.sessions if s.status == "performed" and s.date]
    first = min(performed, key=_session_order) if performed else None
    clinical, follow_ups, measured = _clinical(facts, first)
    case_date = measured or (first.date if first else None) or today
    case = {
        "schema": "vertebro.case/1",
        "case_id": facts.draft_id,
        "patient": _patient_part(facts, case_date),
        "clinical": clinical,
        "fractures": _fractures_part(facts, case_date),
    }
    visits = _visits(first.date, follow_ups) if first and first.date else {}
    records = [
        {
            "schema": "vertebro.follow_up/1",
            "visit": str(visits[day]),
            "date": day.isoformat(),
            **values,
        }
        for day, values in sorted(follow_ups.items())
    ]
    return case, _procedure_docs(facts), records


def map_bundle(
    raw: dict[str, Any],
    *,
    key: PseudonymKey | None,
    patient_code: str | None,
    concepts: ConceptMap,
    today: date,
) -> Draft:
    """The draft of another system's Bundle (already checked by ``load_bundle``).

    ``key`` pseudonymises the record number (required unless ``patient_code`` is given);
    ``today`` is the registry's date (the case date when the Bundle dates nothing).
    Raises :class:`InvalidDocument` when the Bundle has no usable Patient or a record
    number without a key.
    """
    index = BundleIndex.of(raw)
    report = ImportReport("draft")
    i, code, sex, birth_year, born = _patient(index, report, key, patient_code)
    # the same Bundle, however its JSON is spaced or its keys ordered: the same draft id
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    draft_id = (
        key.document_id(canonical)
        if key
        else "F-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
    )
    facts = Facts(index, concepts, report, i, f"entry[{i}]", draft_id, sex, born)
    read_procedures(facts)
    read_conditions(facts)
    read_observations(facts)
    read_encounters(facts)
    for j, resource in index.entries:
        if j != i and j not in facts.handled:
            kind = str(resource.get("resourceType", "?"))
            report.skip(f"entry[{j}]", kind, _NOT_READ.get(kind, "resource type not mapped"))
    case, procedures, follow_ups = _assemble(facts, today)
    report.sort()
    report.missing = _problems(CASE, case, "")
    for n, doc in enumerate(procedures):
        report.missing += _problems(PROCEDURE, doc, f"procedures[{n}].")
    for n, doc in enumerate(follow_ups):
        report.missing += _problems(FOLLOW_UP, doc, f"follow_ups[{n}].")
    return Draft(draft_id, code, birth_year, sex, case, procedures, follow_ups, report)
