"""Use cases: a registry case as an HL7 FHIR R4 Bundle, and a Bundle into the registry.

The Bundle itself is built and read by :mod:`vertebro.exchange` (``fhir_export``,
``fhir_import``, ``fhir_foreign``); these use cases only gather a case's records from the
registry (:func:`exchange_record`) or store a Bundle's records through the registry's own
services (:func:`import_bundle`): a vertebro Bundle as a case, another system's as a draft
case (:mod:`vertebro.services.registry.drafts`), so that every rule and the audit log apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from vertebro.errors import Conflict, InvalidDocument, NotFound, Problem
from vertebro.exchange.concept_map import ConceptMap
from vertebro.exchange.fhir_export import ExchangeRecord
from vertebro.exchange.import_report import ImportReport
from vertebro.exchange.pseudonym import PseudonymKey
from vertebro.model import Case, FollowUp, Procedure
from vertebro.registry.schema import CaseRow, Role
from vertebro.services.registry.assessments import assess_case, latest_assessment
from vertebro.services.registry.audit import record_export
from vertebro.services.registry.cases import create_case, get_case
from vertebro.services.registry.context import Tx
from vertebro.services.registry.follow_ups import list_follow_ups, record_follow_up
from vertebro.services.registry.patients import create_patient, get_patient
from vertebro.services.registry.procedures import list_procedures, record_procedure
from vertebro.services.registry.views import PatientView

__all__ = ["ImportOutcome", "exchange_record", "import_bundle", "store_case_records"]

#: What the audit log names these exports and imports (``export``/``import`` of ``fhir``).
AUDIT_KEY = "fhir"


def exchange_record(
    tx: Tx, case_id: str, *, via: str | None = None, deidentify: PseudonymKey | None = None
) -> ExchangeRecord:
    """Everything exchanged about a stored case, and an audit record of its export.

    The case is its current version (``recorded``: the day it was stored); the assessment
    is the latest *stored* one (as the registry shows it, whichever case version it was
    made from; ``assessed``: its day). Only when none is stored is the current version
    assessed for the Bundle (under today's rulebook, dated today; not stored). Procedures
    and follow-ups come in the registry's order (by date); void ones are marked
    (``entered-in-error``, their documents not carried). With ``deidentify`` (the
    pseudonym key) the record is de-identified (:mod:`vertebro.exchange.fhir_deidentify`).
    ``via`` (``web`` …) goes into the audit record. Needs the viewer role;
    :class:`NotFound` for an unknown case.
    """
    from vertebro.exchange.fhir_deidentify import deidentified
    from vertebro.guidance import assess

    tx.require(Role.VIEWER)
    view = get_case(tx, case_id)
    patient = get_patient(tx, view.patient_code)
    stored = latest_assessment(tx, case_id)
    procedure_views = list_procedures(tx, case_id)
    follow_up_views = list_follow_ups(tx, case_id)
    procedures = tuple(p.procedure for p in procedure_views)
    follow_ups = tuple(f.follow_up for f in follow_up_views)
    detail: dict[str, Any] = {
        "case_id": case_id,
        "version": view.version,
        "assessment_id": None if stored is None else stored.id,
        "procedures": len(procedures),
        "follow_ups": len(follow_ups),
    }
    if deidentify is not None:
        detail["deidentified"] = True
    if via is not None:
        detail["via"] = via
    record_export(tx, AUDIT_KEY, detail, case_id=case_id)
    record = ExchangeRecord(
        case=view.case,
        patient_code=view.patient_code,
        assessment=assess(view.case) if stored is None else stored.assessment,
        procedures=procedures,
        follow_ups=follow_ups,
        birth_year=patient.birth_year,
        recorded=view.created_at.date(),
        assessed=tx.today if stored is None else stored.created_at.date(),
        void_procedures=frozenset(i for i, p in enumerate(procedure_views) if p.void),
        void_follow_ups=frozenset(i for i, f in enumerate(follow_up_views) if f.void),
    )
    return record if deidentify is None else deidentified(record, deidentify)


def at(where: str, exc: InvalidDocument) -> InvalidDocument:
    """``exc`` with ``where`` put in front of each problem's path (same error class)."""
    problems = [
        Problem(where if p.path == "$" else f"{where}.{p.path}", p.reason) for p in exc.problems
    ]
    return type(exc)(problems)


def _repeated_visits(follow_ups: Sequence[FollowUp]) -> tuple[str, str] | None:
    """The path and visit of the first follow-up repeating a (non-repeatable) visit: the
    registry would take it as an edit of the first, silently dropping one of them."""
    seen: set[str] = set()
    for i, follow_up in enumerate(follow_ups):
        visit = follow_up.visit
        if visit.repeatable:
            continue
        if str(visit) in seen:
            return f"follow_ups[{i}].visit", str(visit)
        seen.add(str(visit))
    return None


def ensure_patient(tx: Tx, code: str, birth_year: int | None, sex: str) -> bool:
    """Register the patient when the code is new (``True``); a known patient whose birth
    year differs from ``birth_year`` is a :class:`Conflict`."""
    try:
        patient: PatientView | None = get_patient(tx, code)
    except NotFound:
        patient = None
    if patient is None:
        try:
            create_patient(tx, {"code": code, "birth_year": birth_year, "sex": sex})
        except InvalidDocument as exc:
            raise at("Patient", exc) from None
        return True
    if birth_year is not None and patient.birth_year not in (None, birth_year):
        raise Conflict(
            f"patient {code!r} is registered with birth year {patient.birth_year}, "
            f"the Bundle says {birth_year}"
        )
    return False


def store_case_records(
    tx: Tx,
    patient_code: str,
    case: Case,
    procedures: Sequence[Procedure],
    follow_ups: Sequence[FollowUp],
) -> int:
    """Store a case as version 1 for a registered patient, assess it under this registry's
    rulebook, then record its procedures and follow-ups through their services (so every
    rule applies: a session departing from that plan needs its ``override_reason``). The
    stored assessment's id. Paths of refusals: ``case.…``, ``procedures[i].…``,
    ``follow_ups[i].…``."""
    if tx.session.scalar(select(CaseRow.id).where(CaseRow.case_id == case.case_id)) is not None:
        raise Conflict(f"case {case.case_id!r} already exists in this registry")
    repeated = _repeated_visits(follow_ups)
    if repeated is not None:
        raise InvalidDocument.single(repeated[0], f"a second {repeated[1]} visit in one Bundle")
    try:
        create_case(tx, patient_code, case)
    except InvalidDocument as exc:
        raise at("case", exc) from None
    assessment = assess_case(tx, case.case_id)
    for i, procedure in enumerate(procedures):
        try:
            record_procedure(tx, case.case_id, procedure)
        except InvalidDocument as exc:
            raise at(f"procedures[{i}]", exc) from None
    for i, follow_up in enumerate(follow_ups):
        try:
            record_follow_up(tx, case.case_id, follow_up)
        except InvalidDocument as exc:
            raise at(f"follow_ups[{i}]", exc) from None
    return assessment.id


@dataclass(frozen=True)
class ImportOutcome:
    """What an import stored: a ``case`` (vertebro Bundle) or a ``draft`` (another
    system's), its id, the patient and the report."""

    kind: str
    id: str
    patient_code: str
    patient_created: bool
    report: ImportReport

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "patient_code": self.patient_code,
            "patient_created": self.patient_created,
            "report": self.report.as_dict(),
        }


def _vertebro_record(tx: Tx, record: ExchangeRecord, code: str) -> ImportOutcome:
    if not code:
        raise InvalidDocument.single(
            "Patient.identifier", "no urn:vertebro:patient-code identifier: not a vertebro Bundle"
        )
    case = record.case
    if tx.session.scalar(select(CaseRow.id).where(CaseRow.case_id == case.case_id)) is not None:
        raise Conflict(f"case {case.case_id!r} already exists in this registry")
    created = ensure_patient(tx, code, record.birth_year, str(case.patient.sex))
    assessment_id = store_case_records(tx, code, case, record.procedures, record.follow_ups)
    tx.audit(
        "import",
        "registry",
        AUDIT_KEY,
        after={
            "case_id": case.case_id,
            "patient": code,
            "patient_created": created,
            "assessment_id": assessment_id,
            "procedures": len(record.procedures),
            "follow_ups": len(record.follow_ups),
        },
    )
    report = ImportReport("case")
    report.map(
        "$",
        "Bundle",
        f"vertebro documents: case {case.case_id}, {len(record.procedures)} procedure(s), "
        f"{len(record.follow_ups)} follow-up(s)",
    )
    return ImportOutcome("case", case.case_id, code, created, report)


def import_bundle(
    tx: Tx,
    bundle: str | bytes,
    *,
    key: PseudonymKey | None = None,
    patient_code: str | None = None,
    concepts: ConceptMap | None = None,
) -> ImportOutcome:
    """Store a Bundle: a vertebro Bundle as a new case, another system's as a new draft.

    A vertebro Bundle: the patient (its ``urn:vertebro:patient-code``, or ``patient_code``)
    is registered when the code is new, with the Bundle's birth year and the case's sex; a
    known patient whose birth year differs is a :class:`Conflict`. The case is created as
    version 1 (:class:`Conflict` when its ``case_id`` is taken), assessed under this
    registry's rulebook and the assessment stored; then its procedures and follow-ups are
    recorded (:func:`store_case_records`).

    Another system's Bundle (no vertebro documents) is mapped through ``concepts`` (the
    packaged concept map by default) into a draft case stored for a clinician to complete
    (:func:`vertebro.services.registry.drafts.store_draft`); its record number becomes the
    patient code only through ``key`` (unless ``patient_code`` is given).

    Raises :class:`InvalidDocument` (paths such as ``entry[3].resourceType``,
    ``entry[3].resource.data`` or ``procedures[0].override_reason``) for a Bundle that
    cannot be read or a record the registry refuses. Needs the clinician role; audited.
    Everything happens in ``tx``: raising out of the unit of work writes nothing.
    """
    from vertebro.exchange.fhir_import import read_import
    from vertebro.services.registry.drafts import store_draft

    tx.require(Role.CLINICIAN)
    imported = read_import(
        bundle, key=key, patient_code=patient_code, concepts=concepts, today=tx.today
    )
    if imported.record is not None:
        code = patient_code or imported.record.patient_code
        return _vertebro_record(tx, imported.record, code)
    assert imported.draft is not None
    draft = imported.draft
    created = store_draft(tx, draft)
    tx.audit(
        "import",
        "registry",
        AUDIT_KEY,
        after={
            "draft_id": draft.draft_id,
            "patient": draft.patient_code,
            "patient_created": created,
            "mapped": len(draft.report.mapped),
            "unmapped": len(draft.report.unmapped),
            "missing": len(draft.report.missing),
        },
    )
    return ImportOutcome("draft", draft.draft_id, draft.patient_code, created, draft.report)
