"""Use cases: the pre-procedure checklist of a case (``vertebro.checklist/1``, registry-v1
1.1) — one per case, versioned like cases: every save is a new version based on the one it
names, so that two people ticking the list never lose an answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from vertebro.errors import InvalidDocument, PreconditionFailed, PreconditionRequired
from vertebro.model import Checklist, parse_checklist
from vertebro.model.checklist import blank_checklist
from vertebro.model.dates import checklist_date_problems
from vertebro.registry.schema import CaseRow, ChecklistVersionRow, Role
from vertebro.registry.views import ChecklistView
from vertebro.services.registry.context import Tx
from vertebro.services.registry.lookup import case_row

__all__ = ["get_checklist", "save_checklist"]

ChecklistInput = Checklist | str | bytes | Mapping[str, Any]


def _latest(tx: Tx, case: CaseRow) -> ChecklistVersionRow | None:
    return tx.session.scalars(
        select(ChecklistVersionRow)
        .where(ChecklistVersionRow.case_pk == case.id)
        .order_by(ChecklistVersionRow.version.desc())
        .limit(1)
    ).first()


def _view(case_id: str, row: ChecklistVersionRow | None) -> ChecklistView:
    if row is None:
        return ChecklistView(case_id, 0, blank_checklist(), None, None)
    return ChecklistView(
        case_id, row.version, parse_checklist(row.document), row.created_at, row.created_by
    )


def get_checklist(tx: Tx, case_id: str) -> ChecklistView:
    """The case's checklist (version 0, every answer ``not_known``, before one is saved)."""
    tx.require(Role.VIEWER)
    return _view(case_id, _latest(tx, case_row(tx.session, case_id)))


def save_checklist(
    tx: Tx, case_id: str, document: ChecklistInput, expected_version: int | None
) -> ChecklistView:
    """Store the checklist as the case's next version, provided ``expected_version`` (0
    before the first) is still the current one: :class:`PreconditionRequired` without it,
    :class:`PreconditionFailed` when someone saved first. Clinician; audited."""
    tx.require(Role.CLINICIAN)
    checklist = parse_checklist(document)
    problems = checklist_date_problems(checklist, tx.today)
    if problems:
        raise InvalidDocument(problems)
    if expected_version is None:
        raise PreconditionRequired(
            f"saving the checklist of case {case_id!r} needs the version it is based on"
        )
    case = case_row(tx.session, case_id)
    current = tx.session.scalar(
        select(func.max(ChecklistVersionRow.version)).where(ChecklistVersionRow.case_pk == case.id)
    )
    current = current or 0
    if current != expected_version:
        raise PreconditionFailed(
            f"the checklist of case {case_id!r} is at version {current}, not {expected_version}",
            current_version=current,
        )
    before = _latest(tx, case)
    row = ChecklistVersionRow(
        case_pk=case.id,
        version=current + 1,
        status=checklist.status,
        document=checklist.model_dump(mode="json"),
        created_at=tx.now,
        created_by=tx.actor.name,
    )
    tx.session.add(row)
    try:
        tx.session.flush()
    except IntegrityError:  # a concurrent save took this version number
        raise PreconditionFailed(
            f"the checklist of case {case_id!r} was saved by someone else just now",
            current_version=current + 1,
        ) from None
    tx.audit(
        "checklist.record",
        "case",
        case_id,
        before=None if before is None else {"version": before.version, "document": before.document},
        after={"version": row.version, "status": str(row.status), "document": row.document},
    )
    return _view(case_id, row)
