"""Use cases: record follow-up visits (``vertebro.follow_up/1``).

One live record per (case, visit), except ``unscheduled``: recording a visit again edits
the record (audited with before and after). A date outside the visit's window is accepted
and flagged ``out_of_window`` (computed from the anchor when read, never stored); dates
follow registry-v1 1.1 (:mod:`vertebro.model.dates`, today from the transaction's clock).

Corrections (registry-v1 1.1): an edit is a new version (the old one kept in
``follow_up_versions``); a void record stays, marked, and leaves the schedule, the status
and the analytics, and its visit may be recorded again (:mod:`.corrections`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select

from vertebro.errors import InvalidFollowUp, PreconditionFailed
from vertebro.model import FollowUp, Visit, parse_follow_up
from vertebro.model.dates import follow_up_date_problems
from vertebro.model.pathway import anchor_date, days_after_anchor, is_out_of_window
from vertebro.registry.schema import (
    CaseRow,
    ComplicationRow,
    FollowUpRow,
    FollowUpVersionRow,
    NewFractureRow,
    ProcedureRow,
    Role,
)
from vertebro.registry.views import FollowUpView
from vertebro.services.registry.context import Tx
from vertebro.services.registry.corrections import (
    check_version,
    record_row,
    void_mark,
    void_record,
)
from vertebro.services.registry.lookup import case_row
from vertebro.services.registry.procedures import first_procedure_date

__all__ = [
    "case_anchor",
    "get_follow_up",
    "list_follow_ups",
    "record_follow_up",
    "update_follow_up",
    "void_follow_up",
]

FollowUpInput = FollowUp | str | bytes | Mapping[str, Any]


def case_anchor(tx: Tx, case: CaseRow) -> date | None:
    """The date of the case's first performed (live) session."""
    rows = tx.session.execute(
        select(ProcedureRow.status, ProcedureRow.date).where(
            ProcedureRow.case_pk == case.id, ProcedureRow.void_at.is_(None)
        )
    )
    return anchor_date((status, when) for status, when in rows)


def _dated(tx: Tx, case: CaseRow, follow_up: FollowUp) -> FollowUp:
    """``follow_up`` when its dates keep registry-v1 1.1's rules; :class:`InvalidFollowUp`."""
    problems = follow_up_date_problems(follow_up, tx.today, first_procedure_date(tx, case))
    if problems:
        raise InvalidFollowUp(problems)
    return follow_up


def _fill(tx: Tx, row: FollowUpRow, follow_up: FollowUp) -> None:
    row.visit = follow_up.visit
    row.date = follow_up.date
    row.status = follow_up.status
    row.pain_nrs = follow_up.pain_nrs
    row.odi = follow_up.odi
    row.rdq = follow_up.rdq
    row.eq5d_index = follow_up.eq5d_index
    row.eq5d_value_set = follow_up.eq5d_value_set
    row.analgesics = follow_up.analgesics
    row.osteoporosis_treatment = follow_up.osteoporosis_treatment
    row.document = follow_up.model_dump(mode="json")
    if row.id is not None:  # an edit: old child rows go before the new ones come
        row.new_fractures = []
        row.complications = []
        tx.session.flush()
    row.new_fractures = [
        NewFractureRow(
            level=f.level,
            level_ordinal=f.level.ordinal,
            detected_by=f.detected_by,
            symptomatic=f.symptomatic,
        )
        for f in follow_up.new_fractures
    ]
    row.complications = [
        ComplicationRow(type=c.type, symptomatic=c.symptomatic, note=c.note)
        for c in follow_up.complications
    ]


def _view(case_id: str, row: FollowUpRow, anchor: date | None) -> FollowUpView:
    follow_up = parse_follow_up(row.document)
    return FollowUpView(
        id=row.id,
        case_id=case_id,
        version=row.version,
        follow_up=follow_up,
        days_after_anchor=None if anchor is None else days_after_anchor(anchor, row.date),
        out_of_window=is_out_of_window(follow_up.visit, anchor, row.date),
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        void=void_mark(row),
    )


def record_follow_up(
    tx: Tx, case_id: str, document: FollowUpInput, expected_version: int | None = None
) -> FollowUpView:
    """Record a visit, or edit the case's record of that visit when there is one (then
    ``expected_version``, when given, must be its current version)."""
    tx.require(Role.COORDINATOR)
    parsed = parse_follow_up(document)  # every problem of the document before any lookup
    case = case_row(tx.session, case_id, for_update=True)
    follow_up = _dated(tx, case, parsed)
    existing = None
    if not follow_up.visit.repeatable:
        existing = tx.session.scalars(
            select(FollowUpRow).where(
                FollowUpRow.case_pk == case.id,
                FollowUpRow.visit == follow_up.visit,
                FollowUpRow.void_at.is_(None),
            )
        ).one_or_none()
    if existing is None:
        row = FollowUpRow(
            case_pk=case.id,
            version=1,
            created_at=tx.now,
            updated_at=tx.now,
            created_by=tx.actor.name,
        )
        _fill(tx, row, follow_up)
        tx.session.add(row)
        tx.flush(f"case {case_id!r}: visit {follow_up.visit!s} was recorded concurrently")
        tx.audit(
            "follow_up.create",
            "follow_up",
            f"{case_id}/{row.id}",
            after={"version": 1, "document": row.document},
        )
    else:
        row = existing
        if expected_version is not None and row.version != expected_version:
            raise PreconditionFailed(
                f"follow-up {row.id} is at version {row.version}, not {expected_version}",
                current_version=row.version,
            )
        _edit(tx, case_id, row, follow_up)
    return _view(case_id, row, case_anchor(tx, case))


def _edit(tx: Tx, case_id: str, row: FollowUpRow, follow_up: FollowUp) -> None:
    """Replace the record with a new version, keeping the old one; audited."""
    before = {"version": row.version, "document": row.document}
    tx.session.add(
        FollowUpVersionRow(
            follow_up_id=row.id,
            version=row.version,
            document=row.document,
            created_at=tx.now,
            created_by=tx.actor.name,
        )
    )
    _fill(tx, row, follow_up)
    row.version += 1
    row.updated_at = tx.now
    tx.flush(f"case {case_id!r}: visit {follow_up.visit!s} is recorded already")
    tx.audit(
        "follow_up.edit",
        "follow_up",
        f"{case_id}/{row.id}",
        before=before,
        after={"version": row.version, "document": row.document},
    )


def update_follow_up(
    tx: Tx,
    follow_up_id: int,
    document: FollowUpInput,
    expected_version: int | None,
    *,
    case_id: str | None = None,
) -> FollowUpView:
    """Correct a follow-up record as a new version, provided ``expected_version`` is still
    current (the old version is kept). Moving it to a visit already recorded is a
    :class:`~vertebro.errors.Conflict`; a void record cannot be edited (409)."""
    tx.require(Role.COORDINATOR)
    parsed = parse_follow_up(document)
    row = record_row(tx, FollowUpRow, follow_up_id, case_id, for_update=True)
    check_version(f"follow-up {follow_up_id}", row, expected_version)
    case = tx.session.get_one(CaseRow, row.case_pk)
    follow_up = _dated(tx, case, parsed)
    _edit(tx, case.case_id, row, follow_up)
    return _view(case.case_id, row, case_anchor(tx, case))


def void_follow_up(
    tx: Tx, follow_up_id: int, reason: object, *, case_id: str | None = None
) -> FollowUpView:
    """Mark a follow-up record void with a reason (1–500 characters): it stays in the
    registry and the audit log, leaves the schedule, the status and the analytics, and
    its visit may be recorded again."""
    tx.require(Role.COORDINATOR)
    row = record_row(tx, FollowUpRow, follow_up_id, case_id, for_update=True)
    case_id = void_record(tx, "follow_up", row, reason)
    return _view(case_id, row, case_anchor(tx, tx.session.get_one(CaseRow, row.case_pk)))


def get_follow_up(tx: Tx, follow_up_id: int, *, case_id: str | None = None) -> FollowUpView:
    """One follow-up record (of the case ``case_id`` when given), void or not."""
    tx.require(Role.VIEWER)
    row = record_row(tx, FollowUpRow, follow_up_id, case_id, for_update=False)
    case = tx.session.get_one(CaseRow, row.case_pk)
    return _view(case.case_id, row, case_anchor(tx, case))


_VISIT_ORDER = {visit: i for i, visit in enumerate(Visit)}


def list_follow_ups(tx: Tx, case_id: str) -> list[FollowUpView]:
    """The case's follow-up records by date, then visit; void records included (``void``
    says so)."""
    tx.require(Role.VIEWER)
    case = case_row(tx.session, case_id)
    anchor = case_anchor(tx, case)
    rows = tx.session.scalars(select(FollowUpRow).where(FollowUpRow.case_pk == case.id))
    ordered = sorted(rows, key=lambda r: (r.date, _VISIT_ORDER[r.visit], r.id))
    return [_view(case_id, r, anchor) for r in ordered]
