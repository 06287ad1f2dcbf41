"""Use cases: a registry case as an HL7 FHIR R4 Bundle, and a Bundle into the registry.

The Bundle itself is built and read by :mod:`vertebro.exchange` (``fhir_export``,
``fhir_import``, ``fhir_foreign``); these use cases only gather a case's records from the
registry (:func:`exchange_record`) or store a Bundle's records through the registry's own
services (:func:`import_bundle`): a vertebro Bundle as a case, another system's as a draft
case (:mod:`vertebro.services.registry.drafts`), so that every rule and the audit log apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from vertebro.errors import Conflict, InvalidDocument
from vertebro.exchange.concept_map import ConceptMap
from vertebro.exchange.fhir_export import ExchangeRecord
from vertebro.exchange.fhir_import import ImportedBundle, read_import
from vertebro.exchange.import_report import ImportReport
from vertebro.exchange.pseudonym import PseudonymKey
from vertebro.registry.schema import CaseRow, Role
from vertebro.services.registry.assessments import latest_assessment
from vertebro.services.registry.audit import record_export
from vertebro.services.registry.case_records import ensure_patient, store_case_records
from vertebro.services.registry.cases import get_case
from vertebro.services.registry.context import Tx
from vertebro.services.registry.drafts import store_draft
from vertebro.services.registry.follow_ups import list_follow_ups
from vertebro.services.registry.patients import get_patient
from vertebro.services.registry.procedures import list_procedures

__all__ = ["ImportOutcome", "exchange_record", "import_bundle", "read_bundle"]

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


def read_bundle(
    bundle: str | bytes,
    *,
    key: PseudonymKey | None = None,
    patient_code: str | None = None,
    concepts: ConceptMap | None = None,
    today: date,
) -> ImportedBundle:
    """Read a Bundle and map it (another system's, through ``concepts``) without touching
    the registry: the slow part of an import, done before its write transaction opens
    (:class:`InvalidDocument` for a Bundle that cannot be read)."""
    return read_import(bundle, key=key, patient_code=patient_code, concepts=concepts, today=today)


def import_bundle(
    tx: Tx,
    bundle: str | bytes | ImportedBundle,
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
    recorded (:func:`vertebro.services.registry.case_records.store_case_records`).

    Another system's Bundle (no vertebro documents) is mapped through ``concepts`` (the
    packaged concept map by default) into a draft case stored for a clinician to complete
    (:func:`vertebro.services.registry.drafts.store_draft`); its record number becomes the
    patient code only through ``key`` (unless ``patient_code`` is given).

    Raises :class:`InvalidDocument` (paths such as ``entry[3].resourceType``,
    ``entry[3].resource.data`` or ``procedures[0].override_reason``) for a Bundle that
    cannot be read or a record the registry refuses. Needs the clinician role; audited.
    Everything happens in ``tx``: raising out of the unit of work writes nothing. A Bundle
    already read by :func:`read_bundle` (outside the transaction, so that a large one does
    not hold the write lock while it is parsed) is stored as read.
    """
    tx.require(Role.CLINICIAN)
    if isinstance(bundle, ImportedBundle):
        imported = bundle
    else:
        imported = read_bundle(
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
