"""Use cases: record and edit procedure sessions (``vertebro.procedure/1``).

Registry-v1: a procedure for a case whose latest assessment is ``contraindicated`` is
refused (:class:`ProcedureRefused`, HTTP 409); a scheduled or performed session whose
technique or levels depart from the latest assessment's plan, or when that assessment is
not a procedure (or there is none), needs ``override_reason`` (:class:`InvalidProcedure`
at that path, HTTP 422). The levels of one session may be a subset of the plan's (a plan
may have several sessions). Dates follow registry-v1 1.1 (:mod:`vertebro.model.dates`, today
from the transaction's clock).

Corrections (registry-v1 1.1): an edit is a new version (the old one kept in
``procedure_versions``), based on the version it names; a void session stays, marked, and
leaves the schedule, the status and the analytics (:mod:`.corrections`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select

from vertebro.errors import (
    InvalidProcedure,
    ProcedureRefused,
)
from vertebro.model import (
    Assessment,
    LeakageType,
    Procedure,
    ProcedureStatus,
    Recommendation,
    parse_procedure,
)
from vertebro.model.dates import procedure_date_problems
from vertebro.registry.schema import (
    AssessmentRow,
    CaseRow,
    ComplicationRow,
    ProcedureLevelRow,
    ProcedureRow,
    ProcedureVersionRow,
    Role,
)
from vertebro.registry.views import ProcedureView
from vertebro.services.registry.assessments import latest_assessment_row
from vertebro.services.registry.context import Tx
from vertebro.services.registry.corrections import (
    check_version,
    record_row,
    void_mark,
    void_record,
)
from vertebro.services.registry.lookup import case_row

__all__ = [
    "departures_from_plan",
    "first_procedure_date",
    "get_procedure",
    "list_procedures",
    "parse_dated_procedure",
    "record_procedure",
    "update_procedure",
    "void_procedure",
]

ProcedureInput = Procedure | str | bytes | Mapping[str, Any]


def departures_from_plan(procedure: Procedure, assessment: Assessment | None) -> list[str]:
    """How the session departs from the assessment's plan (empty when it follows it)."""
    if assessment is None:
        return ["the case has no stored assessment"]
    if assessment.plan is None:
        return [f"the latest assessment recommends {assessment.recommendation}, not a procedure"]
    planned = {item.level: item.technique for item in assessment.plan.levels}
    out: list[str] = []
    for item in procedure.levels:
        technique = planned.get(item.level)
        if technique is None:
            out.append(f"{item.level} is not in the plan")
        elif technique != item.technique:
            out.append(f"{item.level} is planned as {technique}, not {item.technique}")
    return out


def parse_dated_procedure(tx: Tx, document: ProcedureInput) -> Procedure:
    """The procedure, strictly parsed, with the date rules of registry-v1 1.1 checked
    against ``tx.today`` (:class:`InvalidProcedure` otherwise)."""
    procedure = parse_procedure(document)
    problems = procedure_date_problems(procedure, tx.today)
    if problems:
        raise InvalidProcedure(problems)
    return procedure


def first_procedure_date(tx: Tx, case: CaseRow) -> date | None:
    """The date of the case's first live (not void) session, whatever its status."""
    first: date | None = tx.session.scalar(
        select(func.min(ProcedureRow.date)).where(
            ProcedureRow.case_pk == case.id, ProcedureRow.void_at.is_(None)
        )
    )
    return first


def _check(tx: Tx, row: CaseRow, procedure: Procedure) -> AssessmentRow | None:
    latest = latest_assessment_row(tx, row)
    if latest is not None and latest.recommendation is Recommendation.CONTRAINDICATED:
        raise ProcedureRefused(
            f"case {row.case_id!r}: the latest assessment is contraindicated; "
            "a procedure cannot be recorded"
        )
    if procedure.status is ProcedureStatus.CANCELLED or procedure.override_reason is not None:
        return latest
    assessment = None if latest is None else Assessment.model_validate(latest.document)
    departures = departures_from_plan(procedure, assessment)
    if departures:
        raise InvalidProcedure.single("override_reason", "required: " + "; ".join(departures))
    return latest


def _fill(tx: Tx, row: ProcedureRow, procedure: Procedure) -> None:
    row.status = procedure.status
    row.date = procedure.date
    row.operator = procedure.operator
    row.anaesthesia = procedure.anaesthesia
    row.duration_min = procedure.duration_min
    row.fluoroscopy_s = procedure.fluoroscopy_s
    row.dose_area_product = procedure.dose_area_product
    row.biopsy_taken = procedure.biopsy.taken
    row.biopsy_histology = procedure.biopsy.histology
    row.discharge = procedure.discharge
    row.discharge_date = procedure.discharge_date
    row.override_reason = procedure.override_reason
    row.document = procedure.model_dump(mode="json")
    if row.id is not None:  # an edit: old child rows go before the new ones come
        row.levels = []
        row.complications = []
        tx.session.flush()
    row.levels = [_level_row(item) for item in procedure.levels]
    row.complications = [
        ComplicationRow(type=c.type, symptomatic=c.symptomatic, note=c.note)
        for c in procedure.complications
    ]


def _level_row(item: Any) -> ProcedureLevelRow:
    leak = item.leakage
    heights = item.post_heights_mm

    def leaked(kind: LeakageType) -> bool | None:
        return None if leak is None else kind in leak.types

    return ProcedureLevelRow(
        level=item.level,
        level_ordinal=item.level.ordinal,
        technique=item.technique,
        approach=item.approach,
        cement_product=item.cement_product,
        cement_viscosity=item.cement_viscosity,
        cement_ml=item.cement_ml,
        balloon_ml=item.balloon_ml,
        post_anterior_mm=None if heights is None else heights.anterior,
        post_middle_mm=None if heights is None else heights.middle,
        post_posterior_mm=None if heights is None else heights.posterior,
        leakage_present=None if leak is None else leak.present,
        leakage_venous=leaked(LeakageType.VENOUS),
        leakage_disc=leaked(LeakageType.DISC),
        leakage_epidural=leaked(LeakageType.EPIDURAL),
        leakage_foraminal=leaked(LeakageType.FORAMINAL),
        leakage_paravertebral=leaked(LeakageType.PARAVERTEBRAL),
        leakage_symptomatic=None if leak is None else leak.symptomatic,
        leakage_detected_by=None if leak is None else leak.detected_by,
    )


def _view(case_id: str, row: ProcedureRow) -> ProcedureView:
    return ProcedureView(
        id=row.id,
        case_id=case_id,
        version=row.version,
        procedure=parse_procedure(row.document),
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        void=void_mark(row),
    )


def record_procedure(tx: Tx, case_id: str, document: ProcedureInput) -> ProcedureView:
    """Record a new session for the case (see the module's rules)."""
    tx.require(Role.CLINICIAN)
    procedure = parse_dated_procedure(tx, document)
    case = case_row(tx.session, case_id, for_update=True)
    latest = _check(tx, case, procedure)
    row = ProcedureRow(
        case_pk=case.id,
        version=1,
        assessment_id=None if latest is None else latest.id,
        created_at=tx.now,
        updated_at=tx.now,
        created_by=tx.actor.name,
    )
    _fill(tx, row, procedure)
    tx.session.add(row)
    tx.session.flush()
    tx.audit(
        "procedure.create",
        "procedure",
        f"{case_id}/{row.id}",
        after={"version": 1, "document": row.document},
    )
    return _view(case_id, row)


def update_procedure(
    tx: Tx,
    procedure_id: int,
    document: ProcedureInput,
    expected_version: int | None,
    *,
    case_id: str | None = None,
) -> ProcedureView:
    """Correct a session's record (a scheduled session performed, a typo …) as a new
    version, provided ``expected_version`` is still current; the old version is kept and
    the same rules as recording apply. A void session cannot be edited (409)."""
    tx.require(Role.CLINICIAN)
    procedure = parse_dated_procedure(tx, document)
    row = record_row(tx, ProcedureRow, procedure_id, case_id, for_update=True)
    check_version(f"procedure {procedure_id}", row, expected_version)
    case = tx.session.get_one(CaseRow, row.case_pk)
    latest = _check(tx, case, procedure)
    before = row.document
    tx.session.add(
        ProcedureVersionRow(
            procedure_id=row.id,
            version=row.version,
            document=before,
            created_at=tx.now,
            created_by=tx.actor.name,
        )
    )
    _fill(tx, row, procedure)
    row.version += 1
    row.updated_at = tx.now
    row.assessment_id = None if latest is None else latest.id
    tx.flush(f"procedure {procedure_id} was edited concurrently")
    tx.audit(
        "procedure.edit",
        "procedure",
        f"{case.case_id}/{row.id}",
        before={"version": row.version - 1, "document": before},
        after={"version": row.version, "document": row.document},
    )
    return _view(case.case_id, row)


def void_procedure(
    tx: Tx, procedure_id: int, reason: object, *, case_id: str | None = None
) -> ProcedureView:
    """Mark a session void with a reason (1–500 characters): it stays in the registry and
    the audit log, and leaves the schedule, the case status and the analytics."""
    tx.require(Role.CLINICIAN)
    row = record_row(tx, ProcedureRow, procedure_id, case_id, for_update=True)
    return _view(void_record(tx, "procedure", row, reason), row)


def get_procedure(tx: Tx, procedure_id: int, *, case_id: str | None = None) -> ProcedureView:
    """One session (of the case ``case_id`` when given), void or not."""
    tx.require(Role.VIEWER)
    row = record_row(tx, ProcedureRow, procedure_id, case_id, for_update=False)
    return _view(tx.session.get_one(CaseRow, row.case_pk).case_id, row)


def list_procedures(tx: Tx, case_id: str) -> list[ProcedureView]:
    """The case's sessions by date, then by the order they were recorded; void sessions
    included (``void`` says so)."""
    tx.require(Role.VIEWER)
    case = case_row(tx.session, case_id)
    rows = tx.session.scalars(
        select(ProcedureRow)
        .where(ProcedureRow.case_pk == case.id)
        .order_by(ProcedureRow.date, ProcedureRow.id)
    )
    return [_view(case_id, r) for r in rows]
