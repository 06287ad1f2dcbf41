"""Use case: one page of the worklist — search by patient code or case id, filter by
status, sort, page — with each case's age, levels, latest decision, checklist status and
next step. Status and schedule are computed on every read (registry-v1) from a handful of
batched queries over all matching cases; search runs in SQL, and only the page's rows are
handed back, so a registry of hundreds of cases stays fast."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import func, or_, select

from vertebro.model import ChecklistStatus, Recommendation, Visit
from vertebro.model.pathway import CaseStatus, VisitState
from vertebro.registry.schema import (
    CaseRow,
    CaseVersionRow,
    PatientRow,
    Role,
    is_current_version,
)
from vertebro.registry.views import CaseOverview
from vertebro.services.registry.context import Tx
from vertebro.services.registry.status import overviews

__all__ = [
    "STATUS_ORDER",
    "NextStep",
    "Step",
    "WorklistPage",
    "WorklistRow",
    "WorklistSort",
    "worklist_page",
]

#: The order a team works through cases (the default sort).
STATUS_ORDER = (
    CaseStatus.AWAITING_WORKUP,
    CaseStatus.CANDIDATE,
    CaseStatus.SCHEDULED,
    CaseStatus.TREATED,
    CaseStatus.IN_FOLLOW_UP,
    CaseStatus.COMPLETED,
    CaseStatus.CLOSED,
    CaseStatus.NOT_CANDIDATE,
    CaseStatus.UNASSESSED,
)


class WorklistSort(StrEnum):
    """The columns a worklist can be sorted by."""

    PRIORITY = "priority"  # status in working order, most overdue visits first
    CASE = "case"
    PATIENT = "patient"
    AGE = "age"
    STATUS = "status"
    DECISION = "decision"
    NEXT = "next"  # most urgent next step first


class Step(StrEnum):
    """What the team does next for a case, most urgent first."""

    VISIT_OVERDUE = "visit_overdue"
    CHECKLIST_STOP = "checklist_stop"
    VISIT_DUE = "visit_due"
    WORK_UP = "work_up"
    ASSESS = "assess"
    CHECKLIST = "checklist"
    SCHEDULE = "schedule"
    PERFORM = "perform"
    VISIT_UPCOMING = "visit_upcoming"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class NextStep:
    """The next step; for a visit, which one, its date (due date, or the end of its window
    when overdue) and the days it is overdue."""

    step: Step
    visit: Visit | None = None
    on: date | None = None
    days_overdue: int = 0


@dataclass(frozen=True, slots=True)
class WorklistRow:
    overview: CaseOverview
    age_years: int
    levels: tuple[str, ...]
    next_step: NextStep


@dataclass(frozen=True, slots=True)
class WorklistPage:
    """``rows`` of page ``page`` of ``pages``; ``matched`` cases match search and status of
    ``total`` in the registry; ``counts`` by status among those matching the search."""

    rows: tuple[WorklistRow, ...]
    page: int
    pages: int
    per_page: int
    matched: int
    total: int
    counts: dict[CaseStatus, int]
    search: str
    status: CaseStatus | None
    sort: WorklistSort
    descending: bool

    @property
    def first(self) -> int:
        """1-based number of the first row shown (0 when none)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def next_step(case: CaseOverview) -> NextStep:
    """The case's next step on ``case.today`` from its status, checklist and schedule."""
    overdue = case.overdue_visits
    if overdue:
        first = overdue[0]
        return NextStep(
            Step.VISIT_OVERDUE, first.visit, first.window_end, (case.today - first.window_end).days
        )
    status = case.status
    if status in (CaseStatus.TREATED, CaseStatus.IN_FOLLOW_UP):
        for visit in case.schedule:
            if visit.state is VisitState.DUE:
                return NextStep(Step.VISIT_DUE, visit.visit, visit.due_date)
            if visit.state is VisitState.UPCOMING:
                return NextStep(Step.VISIT_UPCOMING, visit.visit, visit.due_date)
        return NextStep(Step.NONE)
    if status is CaseStatus.AWAITING_WORKUP:
        return NextStep(Step.WORK_UP)
    if status is CaseStatus.UNASSESSED:
        return NextStep(Step.ASSESS)
    if status is CaseStatus.CANDIDATE:
        if case.checklist_status is ChecklistStatus.STOP:
            return NextStep(Step.CHECKLIST_STOP)
        if case.checklist_status is ChecklistStatus.READY:
            return NextStep(Step.SCHEDULE)
        return NextStep(Step.CHECKLIST)
    if status is CaseStatus.SCHEDULED:
        return NextStep(Step.PERFORM)
    return NextStep(Step.NONE)


_STATUS_RANK = {s: i for i, s in enumerate(STATUS_ORDER)}
_STEP_RANK = {s: i for i, s in enumerate(Step)}
_DECISION_RANK = {str(d): i for i, d in enumerate(Recommendation)}


def _key(sort: WorklistSort, row: WorklistRow) -> tuple[object, ...]:
    o = row.overview
    if sort is WorklistSort.CASE:
        return (o.case_id,)
    if sort is WorklistSort.PATIENT:
        return (o.patient_code, o.case_id)
    if sort is WorklistSort.AGE:
        return (row.age_years, o.case_id)
    if sort is WorklistSort.STATUS:
        return (_STATUS_RANK.get(o.status, 99), o.case_id)
    if sort is WorklistSort.DECISION:
        decision = o.latest_recommendation
        return (decision is None, _DECISION_RANK.get(decision or "", 99), o.case_id)
    if sort is WorklistSort.NEXT:
        step = row.next_step
        when = step.on.toordinal() if step.on else 10**7
        return (_STEP_RANK[step.step], -step.days_overdue, when, o.case_id)
    return (_STATUS_RANK.get(o.status, 99), -len(o.overdue_visits), o.case_id)


def worklist_page(
    tx: Tx,
    *,
    search: str = "",
    status: CaseStatus | None = None,
    sort: WorklistSort = WorklistSort.PRIORITY,
    descending: bool = False,
    page: int = 1,
    per_page: int = 50,
) -> WorklistPage:
    """Page ``page`` (clamped to the pages there are) of the cases whose case id or patient
    code contains ``search`` (any case), with ``status``, sorted by ``sort``."""
    tx.require(Role.VIEWER)
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    total = tx.session.scalar(select(func.count()).select_from(CaseRow)) or 0
    query = (
        select(CaseRow, PatientRow.code, CaseVersionRow.age_years, CaseVersionRow.levels)
        .join(PatientRow, PatientRow.id == CaseRow.patient_id)
        .join(CaseVersionRow, is_current_version())
        .order_by(CaseRow.case_id)
    )
    wanted = search.strip()
    if wanted:
        query = query.where(
            or_(
                CaseRow.case_id.icontains(wanted, autoescape=True),
                PatientRow.code.icontains(wanted, autoescape=True),
            )
        )
    found = tx.session.execute(query).all()
    cases = [case for case, _, _, _ in found]
    codes = {case.patient_id: code for case, code, _, _ in found}
    extra = {case.case_id: (age, levels) for case, _, age, levels in found}
    every = overviews(tx, cases, codes)
    counts = Counter(o.status for o in every)
    rows = []
    for o in every:
        if status is not None and o.status is not status:
            continue
        age, levels = extra[o.case_id]
        rows.append(WorklistRow(o, age, tuple(lv for lv in levels.split(",") if lv), next_step(o)))
    rows.sort(key=lambda row: _key(sort, row), reverse=descending)
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    return WorklistPage(
        rows=tuple(rows[start : start + per_page]),
        page=page,
        pages=pages,
        per_page=per_page,
        matched=len(rows),
        total=total,
        counts=dict(counts),
        search=wanted,
        status=status,
        sort=sort,
        descending=descending,
    )
