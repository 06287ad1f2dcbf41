"""Use cases: where cases stand — status, visit schedule with due and overdue visits, and
baseline scores — computed on every read (registry-v1), "today" injectable via the Tx.
Void procedures and follow-ups take no part (registry-v1 1.1); the checklist's status is
shown beside."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select

from vertebro.model import ChecklistStatus, FollowUpStatus, ProcedureStatus, Recommendation, Visit
from vertebro.model.pathway import CaseStatus, anchor_date, case_status, visit_schedule
from vertebro.registry.schema import (
    AssessmentRow,
    CaseRow,
    CaseVersionRow,
    ChecklistVersionRow,
    FollowUpRow,
    PatientRow,
    ProcedureRow,
    Role,
)
from vertebro.registry.views import Baseline, CaseOverview
from vertebro.services.registry.context import Tx
from vertebro.services.registry.follow_ups import case_anchor
from vertebro.services.registry.lookup import case_row

__all__ = ["baseline_scores", "case_overview", "overviews", "worklist"]


def overviews(
    tx: Tx, cases: list[CaseRow], codes: dict[int, str], with_baseline: bool = False
) -> list[CaseOverview]:
    """The overview of each of ``cases`` (``codes``: patient code by patient id), from a
    few batched queries."""
    ids = [c.id for c in cases]
    if not ids:
        return []
    latest_ids = (
        select(func.max(AssessmentRow.id))
        .where(AssessmentRow.case_pk.in_(ids))
        .group_by(AssessmentRow.case_pk)
    )
    latest: dict[int, Recommendation] = {
        pk: recommendation
        for pk, recommendation in tx.session.execute(
            select(AssessmentRow.case_pk, AssessmentRow.recommendation).where(
                AssessmentRow.id.in_(latest_ids)
            )
        )
    }
    sessions: dict[int, list[tuple[ProcedureStatus, date]]] = defaultdict(list)
    for pk, session_status, when in tx.session.execute(
        select(ProcedureRow.case_pk, ProcedureRow.status, ProcedureRow.date).where(
            ProcedureRow.case_pk.in_(ids), ProcedureRow.void_at.is_(None)
        )
    ):
        sessions[pk].append((session_status, when))
    visits: dict[int, list[tuple[Visit, FollowUpStatus, date]]] = defaultdict(list)
    for pk, visit, visit_status, when in tx.session.execute(
        select(FollowUpRow.case_pk, FollowUpRow.visit, FollowUpRow.status, FollowUpRow.date).where(
            FollowUpRow.case_pk.in_(ids), FollowUpRow.void_at.is_(None)
        )
    ):
        visits[pk].append((visit, visit_status, when))
    checklists = _checklist_statuses(tx, ids)
    out = []
    for case in cases:
        anchor = anchor_date(sessions[case.id])
        recorded = {v: d for v, _, d in visits[case.id] if v.is_timed}
        out.append(
            CaseOverview(
                case_id=case.case_id,
                patient_code=codes[case.patient_id],
                version=case.current_version,
                status=case_status(
                    latest.get(case.id),
                    (s for s, _ in sessions[case.id]),
                    ((v, s) for v, s, _ in visits[case.id]),
                ),
                latest_recommendation=None if case.id not in latest else str(latest[case.id]),
                anchor=anchor,
                schedule=tuple(visit_schedule(anchor, recorded, tx.today)),
                baseline=_baseline(tx, case, anchor) if with_baseline else None,
                today=tx.today,
                checklist_status=checklists.get(case.id),
            )
        )
    return out


def _checklist_statuses(tx: Tx, ids: list[int]) -> dict[int, ChecklistStatus]:
    """The status of each case's checklist (its highest version), where one is stored."""
    latest = (
        select(ChecklistVersionRow.case_pk, func.max(ChecklistVersionRow.version).label("v"))
        .where(ChecklistVersionRow.case_pk.in_(ids))
        .group_by(ChecklistVersionRow.case_pk)
        .subquery()
    )
    rows = tx.session.execute(
        select(ChecklistVersionRow.case_pk, ChecklistVersionRow.status).join(
            latest,
            (latest.c.case_pk == ChecklistVersionRow.case_pk)
            & (latest.c.v == ChecklistVersionRow.version),
        )
    )
    return {pk: status for pk, status in rows}


def case_overview(tx: Tx, case_id: str) -> CaseOverview:
    """Status, anchor, visit schedule (due / overdue on ``tx.today``) and baseline."""
    tx.require(Role.VIEWER)
    case = case_row(tx.session, case_id)
    return overviews(tx, [case], {case.patient_id: case.patient.code}, True)[0]


def worklist(
    tx: Tx, status: CaseStatus | Iterable[CaseStatus] | None = None, *, include_demo: bool = True
) -> list[CaseOverview]:
    """Every case (optionally only those with ``status``), by case id, without baselines."""
    tx.require(Role.VIEWER)
    query = select(CaseRow, PatientRow.code).join(PatientRow).order_by(CaseRow.case_id)
    if not include_demo:
        query = query.where(PatientRow.is_demo.is_(False))
    rows = tx.session.execute(query).all()
    cases = [case for case, _ in rows]
    codes = {case.patient_id: code for case, code in rows}
    found = overviews(tx, cases, codes, False)
    if status is None:
        return found
    wanted = {status} if isinstance(status, CaseStatus) else set(status)
    return [o for o in found if o.status in wanted]


def _baseline(tx: Tx, case: CaseRow, anchor: date | None) -> Baseline:
    record = tx.session.scalars(
        select(FollowUpRow).where(
            FollowUpRow.case_pk == case.id,
            FollowUpRow.visit == Visit.BASELINE,
            FollowUpRow.void_at.is_(None),
        )
    ).one_or_none()
    if record is not None:
        return Baseline(record.pain_nrs, record.odi, record.rdq, "baseline_visit", None)
    versions = tx.session.scalars(
        select(CaseVersionRow)
        .where(CaseVersionRow.case_pk == case.id)
        .order_by(CaseVersionRow.version)
    ).all()
    chosen = versions[-1]
    if anchor is not None:
        before = [v for v in versions if v.created_at.date() <= anchor]
        chosen = before[-1] if before else versions[0]
    return Baseline(chosen.pain_nrs, chosen.odi, chosen.rdq, "case_version", chosen.version)


def baseline_scores(tx: Tx, case_id: str) -> Baseline:
    """Baseline = the ``baseline`` record if any, else the clinical values of the case
    version current at the anchor (the current version before any performed session)."""
    tx.require(Role.VIEWER)
    case = case_row(tx.session, case_id)
    return _baseline(tx, case, case_anchor(tx, case))
