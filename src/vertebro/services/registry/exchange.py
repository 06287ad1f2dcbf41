"""Use cases: a registry case as an HL7 FHIR R4 Bundle, and a Bundle into the registry.

The Bundle itself is built and read by :mod:`vertebro.exchange.fhir_export` and
:mod:`vertebro.exchange.fhir_import`; these use cases only gather a case's records from the
registry (:func:`exchange_record`) or store a Bundle's records through the registry's own
services (:func:`import_bundle`), so that every rule and the audit log apply.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from vertebro.errors import Conflict, InvalidDocument, NotFound, Problem
from vertebro.exchange.fhir_export import ExchangeRecord
from vertebro.registry.schema import CaseRow, Role
from vertebro.services.registry.assessments import assess_case, latest_assessment
from vertebro.services.registry.audit import record_export
from vertebro.services.registry.cases import create_case, get_case
from vertebro.services.registry.context import Tx
from vertebro.services.registry.follow_ups import list_follow_ups, record_follow_up
from vertebro.services.registry.patients import create_patient, get_patient
from vertebro.services.registry.procedures import list_procedures, record_procedure
from vertebro.services.registry.views import PatientView

__all__ = ["exchange_record", "import_bundle"]

#: What the audit log names these exports and imports (``export``/``import`` of ``fhir``).
AUDIT_KEY = "fhir"


def exchange_record(tx: Tx, case_id: str, *, via: str | None = None) -> ExchangeRecord:
    """Everything exchanged about a stored case, and an audit record of its export.

    The case is its current version; the assessment is the latest *stored* one (as the
    registry shows it, whichever case version it was made from). Only when none is stored
    is the current version assessed for the Bundle (under today's rulebook; not stored).
    Procedures and follow-ups come in the registry's order (by date); void ones are marked
    (``entered-in-error``, their documents not carried). ``via`` (``web`` …)
    goes into the audit record. Needs the viewer role; :class:`NotFound` for an unknown case.
    """
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
    if via is not None:
        detail["via"] = via
    record_export(tx, AUDIT_KEY, detail)
    return ExchangeRecord(
        case=view.case,
        patient_code=view.patient_code,
        assessment=assess(view.case) if stored is None else stored.assessment,
        procedures=procedures,
        follow_ups=follow_ups,
        birth_year=patient.birth_year,
        void_procedures=frozenset(i for i, p in enumerate(procedure_views) if p.void),
        void_follow_ups=frozenset(i for i, f in enumerate(follow_up_views) if f.void),
    )


def _at(where: str, exc: InvalidDocument) -> InvalidDocument:
    """``exc`` with ``where`` put in front of each problem's path (same error class)."""
    problems = [
        Problem(where if p.path == "$" else f"{where}.{p.path}", p.reason) for p in exc.problems
    ]
    return type(exc)(problems)


def _repeated_visits(record: ExchangeRecord) -> tuple[str, str] | None:
    """The path and visit of the first follow-up repeating a (non-repeatable) visit: the
    registry would take it as an edit of the first, silently dropping one of them."""
    seen: set[str] = set()
    for i, follow_up in enumerate(record.follow_ups):
        visit = follow_up.visit
        if visit.repeatable:
            continue
        if str(visit) in seen:
            return f"follow_ups[{i}].visit", str(visit)
        seen.add(str(visit))
    return None


def import_bundle(tx: Tx, bundle: str | bytes) -> str:
    """Store a Bundle written by vertebro as a new case; its ``case_id``.

    The patient (the Bundle's ``urn:vertebro:patient-code``) is registered when the code is
    new, with the Bundle's birth year and the case's sex; a known patient whose birth year
    differs from the Bundle's is a :class:`Conflict`. The case is created as version 1
    (:class:`Conflict` when its ``case_id`` is taken), assessed under this registry's
    rulebook and the assessment stored; then the procedures and follow-ups are recorded
    through their services, so every rule applies (a session departing from that plan
    needs its ``override_reason``). Raises :class:`InvalidDocument` (paths such as
    ``entry[3].resource.data`` or ``procedures[0].override_reason``) for a Bundle that is
    not vertebro's or a record the registry refuses. Needs the clinician role; audited.
    Everything happens in ``tx``: raising out of the unit of work writes nothing.
    """
    from vertebro.exchange.fhir_import import read_bundle

    tx.require(Role.CLINICIAN)
    record = read_bundle(bundle)
    case = record.case
    code = record.patient_code
    if not code:
        raise InvalidDocument.single(
            "Patient.identifier", "no urn:vertebro:patient-code identifier: not a vertebro Bundle"
        )
    if tx.session.scalar(select(CaseRow.id).where(CaseRow.case_id == case.case_id)) is not None:
        raise Conflict(f"case {case.case_id!r} already exists in this registry")

    repeated = _repeated_visits(record)
    if repeated is not None:
        raise InvalidDocument.single(repeated[0], f"a second {repeated[1]} visit in one Bundle")
    try:
        patient: PatientView | None = get_patient(tx, code)
    except NotFound:
        patient = None
    created_patient = patient is None
    if patient is None:
        body = {"code": code, "birth_year": record.birth_year, "sex": str(case.patient.sex)}
        try:
            create_patient(tx, body)
        except InvalidDocument as exc:
            raise _at("Patient", exc) from None
    elif (
        record.birth_year is not None
        and patient.birth_year is not None
        and patient.birth_year != record.birth_year
    ):
        raise Conflict(
            f"patient {code!r} is registered with birth year {patient.birth_year}, "
            f"the Bundle says {record.birth_year}"
        )

    try:
        create_case(tx, code, case)
    except InvalidDocument as exc:
        raise _at("case", exc) from None
    assessment = assess_case(tx, case.case_id)
    for i, procedure in enumerate(record.procedures):
        try:
            record_procedure(tx, case.case_id, procedure)
        except InvalidDocument as exc:
            raise _at(f"procedures[{i}]", exc) from None
    for i, follow_up in enumerate(record.follow_ups):
        try:
            record_follow_up(tx, case.case_id, follow_up)
        except InvalidDocument as exc:
            raise _at(f"follow_ups[{i}]", exc) from None
    tx.audit(
        "import",
        "registry",
        AUDIT_KEY,
        after={
            "case_id": case.case_id,
            "patient": code,
            "patient_created": created_patient,
            "assessment_id": assessment.id,
            "procedures": len(record.procedures),
            "follow_ups": len(record.follow_ups),
        },
    )
    return case.case_id
